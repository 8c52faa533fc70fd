import type { Candidate, Rejection } from '../discovery/candidate.ts';
import { resolveClaims, type Shadowed } from '../discovery/claims.ts';
import type { BaseLayer } from '../toolset/base-layer.ts';
import { entryBytes } from '../toolset/document.ts';
import type { ToolsetDefaults } from '../discovery/toolset-types.ts';
import { renderEntry, withLogsSwitch } from '../toolset/render.ts';
import type { ToolsetsMap } from '../toolset/toolsets-map.ts';
import { outputDocument, type OutputDocument } from './output-document.ts';

export interface PlanOptions {
  defaults: ToolsetDefaults;
  /** output.sizeBudgetBytes: the document, overrides included, never exceeds it. */
  budgetBytes: number;
  /** Entries to keep as they were last written instead of rendering them anew (an endpoint still being verified). */
  pinned?: ReadonlyMap<string, Record<string, unknown>>;
  /** The admin's own toolsets (consumer.base): written as they are, and they win every name they hold. */
  base?: BaseLayer;
  /** Add the content marker HolmesGPT reveals by name (reload.confirm=marker). */
  marker?: boolean;
}

export interface ToolsetPlan {
  /** The generated toolsets that fit, before overrides. */
  toolsets: ToolsetsMap;
  winners: Candidate[];
  shadowed: Shadowed[];
  /** Services refused while rendering: invalid or oversized entries, and entries dropped for the budget. */
  rejections: Rejection[];
  document: OutputDocument;
  /** The generated entry of each written Service, by namespace/name: what a later plan may pin. */
  entries: ReadonlyMap<string, Record<string, unknown>>;
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
    const pinned = options.pinned?.get(c.key);
    const r = pinned ? { ok: true as const, candidate: c, entry: pinned, bytes: entryBytes(c.toolset, pinned) } : renderEntry(c, options.defaults);
    if (r.ok) rendered.set(c.key, r);
    else rejections.push(r.rejection);
  }
  const claims = resolveClaims([...rendered.values()].map((r) => r.candidate));
  const adminNames = options.base?.ok ? options.base.toolsets : {};
  const shadowed = [...claims.shadowed, ...claims.winners.filter((c) => c.toolset in adminNames)
    .map((candidate) => ({ candidate, by: options.base?.source ?? '', admin: true as const }))];
  let kept = claims.winners.filter((c) => !(c.toolset in adminNames)).map((c) => rendered.get(c.key) as Sized);
  let toolsets = toolsetsOf(kept);
  let document = outputDocument(toolsets, overridesText, options.base, options.marker);
  while (document.ok && Buffer.byteLength(document.content) > options.budgetBytes && kept.length > 0) {
    const over = Buffer.byteLength(document.content) - options.budgetBytes;
    const dropped = dropLargestContributors(kept, over);
    const gone = new Set(dropped.map((d) => d.candidate.key));
    kept = kept.filter((k) => !gone.has(k.candidate.key));
    for (const d of dropped) {
      rejections.push({
        service: d.candidate.service, key: d.candidate.key, reason: 'OutputBudget',
        message: `${d.candidate.toolset} (${d.bytes} bytes) left out to keep the output within its budget of ${options.budgetBytes} bytes; namespace ${d.candidate.service.namespace} contributed the most (${d.namespaceBytes} bytes)${d.candidate.trusted ? '' : ' of the untrusted namespaces, which are left out before trusted ones'}`,
      });
    }
    toolsets = toolsetsOf(kept);
    document = outputDocument(toolsets, overridesText, options.base, options.marker);
  }
  if (document.ok && Buffer.byteLength(document.content) > options.budgetBytes) {
    const bytes = Buffer.byteLength(document.content);
    document = { ok: false, error: `the output is ${bytes} bytes with every generated toolset left out (the base layer, overrides.yaml, or the placeholder), over output.sizeBudgetBytes (${options.budgetBytes})` };
  }
  const entries = new Map(kept.map((k) => [k.candidate.key, k.entry]));
  return { toolsets, winners: kept.map((k) => k.candidate), shadowed, rejections, document, entries };
}

function toolsetsOf(kept: readonly Sized[]): ToolsetsMap {
  const toolsets: ToolsetsMap = {};
  for (const k of kept) toolsets[k.candidate.toolset] = k.entry;
  return withLogsSwitch(toolsets, kept.map((k) => k.candidate));
}

/**
 * Takes entries away until at least `bytes` are freed: each time the largest entry of the largest namespace, the
 * untrusted namespaces first (a flood of tenants must not push the platform's own toolsets out).
 */
function dropLargestContributors(kept: readonly Sized[], bytes: number): (Sized & { namespaceBytes: number })[] {
  const byNamespace = new Map<string, { total: number; entries: Sized[]; trusted: boolean }>();
  for (const k of kept) {
    const ns = byNamespace.get(k.candidate.service.namespace) ?? { total: 0, entries: [], trusted: k.candidate.trusted };
    ns.total += k.bytes;
    ns.entries.push(k);
    byNamespace.set(k.candidate.service.namespace, ns);
  }
  for (const ns of byNamespace.values()) ns.entries.sort((a, b) => b.bytes - a.bytes || a.candidate.key.localeCompare(b.candidate.key));
  const dropped: (Sized & { namespaceBytes: number })[] = [];
  let freed = 0;
  while (freed < bytes) {
    let largest: [string, { total: number; entries: Sized[]; trusted: boolean }] | undefined;
    for (const entry of byNamespace) {
      const [name, ns] = entry;
      if (!largest || Number(largest[1].trusted) - Number(ns.trusted) > 0 ||
        (ns.trusted === largest[1].trusted && (ns.total > largest[1].total || (ns.total === largest[1].total && name < largest[0])))) largest = entry;
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
