import type { Candidate, Rejection } from '../discovery/candidate.ts';
import { resolveClaims, type Shadowed } from '../discovery/claims.ts';
import { detect, type DetectionOptions } from '../discovery/detect.ts';
import type { OperatorConfig } from '../config/operator-config.ts';
import { tenancy } from '../discovery/tenancy.ts';
import type { Service } from '../kube/objects.ts';
import { contentHash, toolsetDocument } from '../toolset/document.ts';
import { applyOverrides, parseOverrides } from '../toolset/overrides.ts';
import { renderEntry, withLogsSwitch, type ToolsetDefaults, type ToolsetsMap } from '../toolset/render.ts';

/**
 * The pure steps shared by the operator and the offline `render` command, so both produce the same bytes for
 * the same Services: detection, then (after health and claims) the final document with overrides merged.
 */
export function detectServices(
  services: Iterable<Service>,
  options: DetectionOptions,
  excludeNamespaces: readonly string[] = [],
): { candidates: Candidate[]; rejections: Rejection[] } {
  const excluded = new Set(excludeNamespaces);
  const candidates: Candidate[] = [];
  const rejections: Rejection[] = [];
  for (const svc of services) {
    if (excluded.has(svc.metadata.namespace)) continue;
    const d = detectIsolated(svc, options);
    if (d.kind === 'candidate') candidates.push(d.candidate);
    else if (d.kind === 'rejected') rejections.push(d.rejection);
  }
  return { candidates, rejections };
}

/**
 * Detection as the configuration says, for the operator and `render` alike. `labelled` gives the namespaces that
 * carry the trust label; it is consulted only when tenancy.trustLabel is on.
 */
export function detectionOptionsFor(config: OperatorConfig, labelled: () => ReadonlySet<string>): DetectionOptions {
  return {
    policy: { clusterDomain: config.clusterDomain, allowedHosts: config.endpoints.allowedHosts },
    autoDetect: config.autoDetect,
    tenancy: tenancy({
      ownNamespace: config.output.namespace,
      trustedNamespaces: config.tenancy.trustedNamespaces,
      labelled: config.tenancy.trustLabel ? labelled : undefined,
    }),
  };
}

/** One Service's failure, even an unexpected one, is that Service's rejection: it never fails the reconcile. */
function detectIsolated(svc: Service, options: DetectionOptions): ReturnType<typeof detect> {
  try {
    return detect(svc, options);
  } catch (error) {
    const { namespace, name, uid } = svc.metadata;
    return {
      kind: 'rejected',
      rejection: { service: { namespace, name, uid }, key: `${namespace}/${name}`, reason: 'InternalError', message: `could not process this Service: ${(error as Error).name}` },
    };
  }
}

/**
 * HolmesGPT refuses a custom toolset file whose toolsets map is empty, so with nothing to offer the file holds one
 * switched-off placeholder: loadable, and it enables nothing.
 */
export const PLACEHOLDER_TOOLSET = 'kubernaut-toolset/none';
const placeholder = {
  enabled: false,
  description: 'Placeholder written by kubernaut-toolset while no annotated Service is healthy; it provides no tools.',
};

export type OutputDocument = { ok: true; toolsets: ToolsetsMap; content: string; hash: string } | { ok: false; error: string };

/** The toolset file for the generated toolsets with the user's overrides.yaml (if any) merged on top. */
export function outputDocument(generated: ToolsetsMap, overridesText: string | undefined): OutputDocument {
  const overrides = parseOverrides(overridesText);
  const merged = overrides.ok ? applyOverrides(generated, overrides.toolsets) : overrides;
  if (!merged.ok) return merged;
  const toolsets = Object.keys(merged.toolsets).length > 0 ? merged.toolsets : { [PLACEHOLDER_TOOLSET]: placeholder };
  const content = toolsetDocument(toolsets);
  return { ok: true, toolsets, content, hash: contentHash(content) };
}

export interface PlanOptions {
  defaults: ToolsetDefaults;
  /** output.sizeBudgetBytes: the document, overrides included, never exceeds it. */
  budgetBytes: number;
}

export interface ToolsetPlan {
  /** The generated toolsets that fit, before overrides. */
  toolsets: ToolsetsMap;
  winners: Candidate[];
  shadowed: Shadowed[];
  /** Services refused while rendering: invalid or oversized entries, and entries dropped for the budget. */
  rejections: Rejection[];
  document: OutputDocument;
}

interface Sized {
  candidate: Candidate;
  entry: Record<string, unknown>;
  bytes: number;
}

/**
 * From the healthy candidates to the document: render and check each entry (a rejected Service never claims a
 * name), pick one Service per toolset name, then keep the document within the budget by dropping entries, largest
 * contributing namespace first and its largest entry first, so one tenant cannot freeze everybody's output.
 */
export function planToolsets(eligible: readonly Candidate[], overridesText: string | undefined, options: PlanOptions): ToolsetPlan {
  const rejections: Rejection[] = [];
  const rendered = new Map<string, Sized>();
  for (const c of eligible) {
    const r = renderEntry(c, options.defaults);
    if (r.ok) rendered.set(c.key, r);
    else rejections.push(r.rejection);
  }
  const { winners, shadowed } = resolveClaims([...rendered.values()].map((r) => r.candidate));
  let kept = winners.map((c) => rendered.get(c.key) as Sized);
  let toolsets = toolsetsOf(kept);
  let document = outputDocument(toolsets, overridesText);
  while (document.ok && Buffer.byteLength(document.content) > options.budgetBytes && kept.length > 0) {
    const over = Buffer.byteLength(document.content) - options.budgetBytes;
    const dropped = dropLargestContributors(kept, over);
    const gone = new Set(dropped.map((d) => d.candidate.key));
    kept = kept.filter((k) => !gone.has(k.candidate.key));
    for (const d of dropped) {
      rejections.push({
        service: d.candidate.service, key: d.candidate.key, reason: 'OutputBudget',
        message: `${d.candidate.toolset} (${d.bytes} bytes) left out to keep the output within its budget of ${options.budgetBytes} bytes; namespace ${d.candidate.service.namespace} contributed the most (${d.namespaceBytes} bytes)`,
      });
    }
    toolsets = toolsetsOf(kept);
    document = outputDocument(toolsets, overridesText);
  }
  return { toolsets, winners: kept.map((k) => k.candidate), shadowed, rejections, document };
}

function toolsetsOf(kept: readonly Sized[]): ToolsetsMap {
  const toolsets: ToolsetsMap = {};
  for (const k of kept) toolsets[k.candidate.toolset] = k.entry;
  return withLogsSwitch(toolsets, kept.map((k) => k.candidate));
}

/** Takes entries away until at least `bytes` are freed: each time the largest entry of the largest namespace. */
function dropLargestContributors(kept: readonly Sized[], bytes: number): (Sized & { namespaceBytes: number })[] {
  const byNamespace = new Map<string, { total: number; entries: Sized[] }>();
  for (const k of kept) {
    const ns = byNamespace.get(k.candidate.service.namespace) ?? { total: 0, entries: [] };
    ns.total += k.bytes;
    ns.entries.push(k);
    byNamespace.set(k.candidate.service.namespace, ns);
  }
  for (const ns of byNamespace.values()) ns.entries.sort((a, b) => b.bytes - a.bytes || a.candidate.key.localeCompare(b.candidate.key));
  const dropped: (Sized & { namespaceBytes: number })[] = [];
  let freed = 0;
  while (freed < bytes) {
    let largest: [string, { total: number; entries: Sized[] }] | undefined;
    for (const entry of byNamespace) {
      if (!largest || entry[1].total > largest[1].total || (entry[1].total === largest[1].total && entry[0] < largest[0])) largest = entry;
    }
    if (!largest) break;
    const [name, ns] = largest;
    const victim = ns.entries.shift() as Sized;
    dropped.push({ ...victim, namespaceBytes: ns.total });
    freed += victim.bytes;
    ns.total -= victim.bytes;
    if (ns.entries.length === 0) byNamespace.delete(name);
  }
  return dropped;
}
