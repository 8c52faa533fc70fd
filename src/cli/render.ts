import { createTwoFilesPatch } from 'diff';
import { loadAll } from 'js-yaml';
import { readFileSync } from 'node:fs';
import type { Rejection } from '../discovery/candidate.ts';
import { serviceManifestProblem } from '../discovery/manifest.ts';
import { TRUST_LABEL, trustedByLabel } from '../discovery/tenancy.ts';
import { checkAll, HealthBook } from '../health/health-book.ts';
import { configuredChecker } from '../health/checker.ts';
import { toEndpointSlice, toNamespace, toService } from '../kube/convert.ts';
import type { ConfigMap, EndpointSlice, Namespace, Service } from '../kube/objects.ts';
import { OVERRIDES_KEY } from '../output/configmap-writer.ts';
import { Metrics } from '../observe/metrics.ts';
import { plan, planSettings } from '../reconcile/plan.ts';

import type { OperatorConfig } from '../config/operator-config.ts';

export interface RenderOptions {
  files: string[];
  config: OperatorConfig;
  checkHealth: boolean;
  overridesFile?: string;
  stdin: () => string;
  out: (text: string) => void;
  err: (text: string) => void;
  /**
   * --diff: the live output ConfigMap (undefined when there is none). The render is compared with its key and printed
   * as a unified diff; its overrides.yaml applies unless --overrides gives another. Exit 1 when they differ.
   */
  live?: () => Promise<ConfigMap | undefined>;
}

function readInput(file: string, stdin: () => string): string {
  return file === '-' ? stdin() : readFileSync(file, 'utf8');
}

export interface ManifestInput {
  services: Service[];
  namespaces: Namespace[];
  /** EndpointSlices (kubectl get endpointslices -o yaml): where selector-less Services route. */
  slices: EndpointSlice[];
  /** Services the API server would refuse: rejected by name, never allowed to abort the render. */
  invalid: Rejection[];
  skipped: string[];
}

function invalidService(doc: unknown, problem: string): Rejection {
  const meta = (doc as { metadata?: { name?: unknown; namespace?: unknown; uid?: unknown } } | null)?.metadata;
  const text = (v: unknown, fallback: string) => (typeof v === 'string' && v !== '' ? v : fallback);
  const service = { namespace: text(meta?.namespace, 'default'), name: text(meta?.name, '(no name)'), uid: text(meta?.uid, '') };
  return { service, key: JSON.stringify(`${service.namespace}/${service.name}`).slice(1, -1).slice(0, 160), reason: 'InvalidManifest', message: problem };
}

/** An EndpointSlice manifest; kubectl's rule applies: no namespace means "default". */
function endpointSliceOf(doc: unknown): EndpointSlice {
  const slice = toEndpointSlice(doc);
  if (slice.metadata.namespace === '') slice.metadata.namespace = 'default';
  return slice;
}

/**
 * Services, EndpointSlices and Namespaces from YAML or JSON documents: single objects, Lists of them (kubectl get
 * -o yaml), or both. Each Service is validated as the API server would validate it; a bad one is reported, not fatal.
 */
export function manifestsFromDocuments(text: string, source: string): ManifestInput {
  const input: ManifestInput = { services: [], namespaces: [], slices: [], invalid: [], skipped: [] };
  const visit = (doc: unknown, inList = false) => {
    if (!doc || typeof doc !== 'object') return;
    const obj = doc as { kind?: unknown; items?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    // Items of a ServiceList (or of a List written by a client library) may carry no kind of their own.
    if (Array.isArray(obj.items)) return obj.items.forEach((item) => visit(item, obj.kind === 'ServiceList' || obj.kind === 'List' || obj.kind === undefined));
    if (obj.kind === 'Namespace') return void input.namespaces.push(toNamespace(doc));
    if (obj.kind === 'EndpointSlice') return void input.slices.push(endpointSliceOf(doc));
    if (obj.kind !== 'Service' && !(inList && obj.kind === undefined)) {
      return void input.skipped.push(`${source}: ${typeof obj.kind === 'string' ? obj.kind : 'a document without kind'} ${typeof obj.metadata?.name === 'string' ? obj.metadata.name : ''}`.trim());
    }
    const problem = serviceManifestProblem(doc);
    if (problem) return void input.invalid.push(invalidService(doc, problem));
    const svc = toService(doc);
    // kubectl's rule: a manifest without a namespace is for "default".
    if (svc.metadata.namespace === '') svc.metadata.namespace = 'default';
    input.services.push(svc);
  };
  let docs: unknown[];
  try {
    docs = loadAll(text);
  } catch (error) {
    throw new Error(`${source} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  docs.forEach((doc) => visit(doc));
  return input;
}

/**
 * `kubernaut-toolset render`: the toolset file the operator would write for these Services, without a cluster.
 * Health is assumed good unless --check-health; rejections and unhealthy Services are explained on stderr.
 * Returns the exit code: 0, or 1 when overrides make the output invalid.
 */
export async function render(options: RenderOptions): Promise<number> {
  const { config } = options;
  const files = options.files.length > 0 ? options.files : ['-'];
  const input: ManifestInput = { services: [], namespaces: [], slices: [], invalid: [], skipped: [] };
  for (const file of files) {
    const found = manifestsFromDocuments(readInput(file, options.stdin), file === '-' ? 'stdin' : file);
    input.services.push(...found.services);
    input.namespaces.push(...found.namespaces);
    input.slices.push(...found.slices);
    input.invalid.push(...found.invalid);
    for (const s of found.skipped) options.err(`skipped ${s} (not a Service, EndpointSlice or Namespace)\n`);
  }
  const labelled = trustedByLabel(input.namespaces);
  if (labelled.size > 0 && !config.tenancy.trustLabel) {
    options.err(`note: ${TRUST_LABEL}=true on namespace(s) ${[...labelled].sort().join(', ')} is ignored because tenancy.trustLabel is off (as the operator would)\n`);
  }
  const settings = planSettings(config, options.checkHealth && config.health.enabled);
  const health = new HealthBook({ failureThreshold: config.health.failureThreshold, metrics: new Metrics({ processMetrics: false }) });
  const live = options.live ? await options.live() : undefined;
  const overrides = options.overridesFile ? readFileSync(options.overridesFile, 'utf8') : live?.data[OVERRIDES_KEY];
  const planInput = { services: input.services, slices: input.slices, namespaces: input.namespaces, health, overrides };
  // With --check-health, the candidates of a first plan are each checked once, as the operator would check them.
  if (settings.healthChecks) await checkAll(health, plan(planInput, settings).candidates, configuredChecker(config.health, config.toolsetDefaults), config.health);
  const planned = plan(planInput, settings);
  for (const r of input.invalid) options.err(`rejected ${r.key}: ${r.reason}: ${r.message}\n`);
  for (const v of planned.verdicts) {
    const key = `${v.namespace}/${v.name}`;
    if (v.verdict === 'rejected') options.err(`rejected ${key}: ${v.reason}: ${v.message}\n`);
    else if (v.verdict === 'shadowed') options.err(`shadowed ${key}: ${v.message}\n`);
    else if (v.verdict === 'unhealthy' || v.verdict === 'pending') options.err(`unhealthy ${key}: ${v.verdict === 'pending' ? 'not checked' : v.message}\n`);
  }
  if (!planned.document.ok) {
    options.err(`${planned.document.error}\n`);
    return 1;
  }
  if (!options.live) {
    options.out(planned.document.content);
    return 0;
  }
  // kubectl diff's convention: the diff on stdout, exit 1 when there is one.
  const { namespace, name, key } = config.output;
  const current = live?.data[key] ?? '';
  if (current === planned.document.content) return 0;
  options.out(createTwoFilesPatch(`live ConfigMap ${namespace}/${name} ${key}${live ? '' : ' (none)'}`, 'rendered', current, planned.document.content, '', '', { context: 3 }));
  return 1;
}
