import { loadAll } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { resolveClaims } from '../discovery/claims.ts';
import { HealthMonitor } from '../health/health-monitor.ts';
import { checkHealth } from '../health/http-check.ts';
import { toService } from '../kube/convert.ts';
import type { Service } from '../kube/objects.ts';
import { Metrics } from '../observe/metrics.ts';
import { detectServices, outputDocument } from '../reconcile/plan.ts';
import { renderToolsets } from '../toolset/render.ts';
import type { OperatorConfig } from '../config/operator-config.ts';

export interface RenderOptions {
  files: string[];
  config: OperatorConfig;
  checkHealth: boolean;
  overridesFile?: string;
  stdin: () => string;
  out: (text: string) => void;
  err: (text: string) => void;
}

function readInput(file: string, stdin: () => string): string {
  return file === '-' ? stdin() : readFileSync(file, 'utf8');
}

/** Service objects from YAML or JSON documents: single Services, Lists of them (kubectl get -o yaml), or both. */
export function servicesFromDocuments(text: string, source: string): { services: Service[]; skipped: string[] } {
  const services: Service[] = [];
  const skipped: string[] = [];
  const visit = (doc: unknown, inServiceList = false) => {
    if (!doc || typeof doc !== 'object') return;
    const obj = doc as { kind?: string; items?: unknown[]; metadata?: { name?: string } };
    // Items of a ServiceList (or of a List written by a client library) may carry no kind of their own.
    if (Array.isArray(obj.items)) obj.items.forEach((item) => visit(item, obj.kind === 'ServiceList' || obj.kind === 'List' || obj.kind === undefined));
    else if (obj.kind === 'Service' || (inServiceList && obj.kind === undefined)) services.push(toService(doc));
    else skipped.push(`${source}: ${obj.kind ?? 'a document without kind'} ${obj.metadata?.name ?? ''}`.trim());
  };
  let docs: unknown[];
  try {
    docs = loadAll(text);
  } catch (error) {
    throw new Error(`${source} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  docs.forEach((doc) => visit(doc));
  return { services, skipped };
}

/**
 * `kubernaut-toolset render`: the toolset file the operator would write for these Services, without a cluster.
 * Health is assumed good unless --check-health; rejections and unhealthy Services are explained on stderr.
 * Returns the exit code: 0, or 1 when overrides make the output invalid.
 */
export async function render(options: RenderOptions): Promise<number> {
  const { config } = options;
  const files = options.files.length > 0 ? options.files : ['-'];
  const services: Service[] = [];
  for (const file of files) {
    const found = servicesFromDocuments(readInput(file, options.stdin), file === '-' ? 'stdin' : file);
    services.push(...found.services);
    for (const s of found.skipped) options.err(`skipped ${s} (not a Service)\n`);
  }
  const detection = { policy: { clusterDomain: config.clusterDomain, allowedHosts: config.endpoints.allowedHosts }, autoDetect: config.autoDetect };
  const { candidates, rejections } = detectServices(services, detection, config.namespaces.exclude);
  const ca = config.health.caFile ? readFileSync(config.health.caFile) : undefined;
  const monitor = new HealthMonitor({
    ...config.health,
    enabled: options.checkHealth && config.health.enabled,
    check: (url, signal) => checkHealth(url, { timeoutMs: config.health.timeoutMs, signal, ...(ca ? { ca } : {}) }),
    metrics: new Metrics({ processMetrics: false }),
    onResult: () => {},
  });
  monitor.schedule(candidates, true);
  await monitor.idle();
  monitor.stop();
  const healthy = candidates.filter((c) => {
    const record = monitor.record(c.key);
    if (record?.included) return true;
    const verdict = record?.lastVerdict;
    options.err(`unhealthy ${c.key}: ${verdict && !verdict.healthy ? verdict.message : 'not checked'}\n`);
    return false;
  });
  const { winners, shadowed } = resolveClaims(healthy);
  const { toolsets, invalid } = renderToolsets(winners);
  for (const r of [...rejections, ...invalid]) options.err(`rejected ${r.key}: ${r.reason}: ${r.message}\n`);
  for (const s of shadowed) options.err(`shadowed ${s.candidate.key}: ${s.candidate.toolset} is provided by ${s.by}\n`);
  const overrides = options.overridesFile ? readFileSync(options.overridesFile, 'utf8') : undefined;
  const doc = outputDocument(toolsets, overrides);
  if (!doc.ok) {
    options.err(`${doc.error}\n`);
    return 1;
  }
  options.out(doc.content);
  return 0;
}
