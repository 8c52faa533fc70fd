import type { DetectionOptions } from '../discovery/detect.ts';
import type { HealthMonitor } from '../health/health-monitor.ts';
import type { ConfigMap, ObjectReference, Service } from '../kube/objects.ts';
import type { EventRecorder } from '../observe/events.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { OVERRIDES_KEY, type ConfigMapWriter, type WriteOutcome } from '../output/configmap-writer.ts';
import type { ReloadStamper } from '../output/reload-stamper.ts';
import { detectServices, planToolsets, type OutputDocument, type PlanOptions } from './plan.ts';
import type { ServiceStatus, StatusSnapshot } from './status.ts';

export interface ReconcilerDeps {
  /** The Services in scope, from the informer cache. */
  services: () => Service[];
  /** The output ConfigMap as last seen by its informer (or as last written, while the informer lags). */
  liveConfigMap: () => ConfigMap | undefined;
  /** False for a replica that is not the leader: it keeps everything computed but writes nothing. */
  mayWrite?: () => boolean;
  /** Rolls the consumer when the content changed (reload.deployment). */
  reload?: ReloadStamper;
  /** Told about every ConfigMap the API server returned from a write. */
  onStored?: (stored: ConfigMap) => void;
  writer: ConfigMapWriter;
  health: HealthMonitor;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  now?: () => Date;
}

export interface ReconcilerOptions {
  detection: DetectionOptions;
  plan: PlanOptions;
  health: { failureThreshold: number };
  excludeNamespaces: readonly string[];
}

export interface ReconcileRequest {
  /** Check every candidate again, not only changed ones (resync, health interval). */
  fullRecheck: boolean;
  /** When the first change of this burst was seen, for the event-to-applied latency. */
  firstEventAt?: number;
  /** False until the first round of health checks is in: writing earlier would drop every toolset. */
  write: boolean;
}

export interface ReconcileReport {
  write?: WriteOutcome;
  toolsets: string[];
  /** Health checks queued by this reconcile (they finish later). */
  checked: number;
}

const serviceRef = (c: { service: { namespace: string; name: string; uid: string } }): ObjectReference => ({
  kind: 'Service', apiVersion: 'v1', namespace: c.service.namespace, name: c.service.name, uid: c.service.uid,
});

/**
 * One reconcile renders the whole output from the cache snapshot (level-triggered): detect every Service, check
 * health where inputs changed, pick one Service per toolset, render, merge overrides, and write if different.
 */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #options: ReconcilerOptions;
  #status: StatusSnapshot;
  #notOwned = false;
  /** A stamp is owed to the consumer: after each content change, and once after start-up to repair a missed one. */
  #reloadOwed = true;

  constructor(deps: ReconcilerDeps, options: ReconcilerOptions) {
    this.#deps = deps;
    this.#options = options;
    const { namespace, name, key } = deps.writer.target;
    this.#status = { toolsets: [], output: { namespace, name, key }, services: [] };
  }

  status(): StatusSnapshot {
    return this.#status;
  }

  /** The output ConfigMap belongs to someone else: the operator cannot do its job, so it must not report ready. */
  get outputNotOwned(): boolean {
    return this.#notOwned;
  }

  async reconcile(request: ReconcileRequest): Promise<ReconcileReport> {
    const { metrics, log } = this.#deps;
    const now = this.#deps.now ?? (() => new Date());
    const started = performance.now();
    try {
      const report = await this.#reconcile(request);
      const durationMs = performance.now() - started;
      const memory = process.memoryUsage();
      log.debug('reconciled', {
        durationMs: Math.round(durationMs), checked: report.checked, toolsets: report.toolsets.length, write: report.write?.result ?? 'skipped',
        heapUsedMiB: Math.round(memory.heapUsed / 1048576), heapTotalMiB: Math.round(memory.heapTotal / 1048576),
        externalMiB: Math.round(memory.external / 1048576), rssMiB: Math.round(memory.rss / 1048576),
      });
      metrics.reconciles.inc({ result: 'success' });
      metrics.reconcileDuration.observe(durationMs / 1000);
      metrics.lastSuccessfulReconcile.set(now().getTime() / 1000);
      this.#status = { ...this.#status, lastReconcile: { at: now().toISOString(), durationMs: Math.round(durationMs), ok: true } };
      return report;
    } catch (error) {
      const durationMs = performance.now() - started;
      metrics.reconciles.inc({ result: 'error' });
      metrics.reconcileDuration.observe(durationMs / 1000);
      const message = (error as Error).message;
      log.error('reconcile failed', { error: message });
      this.#status = { ...this.#status, lastReconcile: { at: now().toISOString(), durationMs: Math.round(durationMs), ok: false, error: message } };
      throw error;
    }
  }

  async #reconcile(request: ReconcileRequest): Promise<ReconcileReport> {
    const { metrics, events } = this.#deps;
    const { candidates, rejections } = detectServices(this.#deps.services(), this.#options.detection, this.#options.excludeNamespaces);

    const { health } = this.#deps;
    const checked = health.schedule(candidates, request.fullRecheck);
    // A toolset is written only for the URL that was checked; a changed endpoint waits for its own verdict.
    const eligible = candidates.filter((c) => {
      const record = health.record(c.key);
      return record?.included && record.healthUrl === c.healthUrl;
    });
    // Hold the output while an included toolset's new endpoint is being verified, rather than drop it meanwhile.
    const reverifying = candidates.some((c) => {
      const record = health.record(c.key);
      return record?.included && record.healthUrl !== c.healthUrl && health.checking(c.key);
    });
    const live = this.#deps.liveConfigMap();
    const plan = planToolsets(eligible, live?.data[OVERRIDES_KEY], this.#options.plan);
    const { toolsets, shadowed } = plan;
    rejections.push(...plan.rejections);
    const invalidKeys = new Set(plan.rejections.map((r) => r.key));

    const mayWrite = this.#deps.mayWrite?.() ?? true;
    const write = request.write && !reverifying && mayWrite ? await this.#write(plan.document, live, request) : undefined;

    // Status and Events, from the same decisions the output was made from.
    const statuses: ServiceStatus[] = [];
    const seen = new Set<string>();
    const shadowedBy = new Map(shadowed.map((s) => [s.candidate.key, s.by]));
    const written = new Set(Object.keys(toolsets));
    metrics.toolsets.reset();
    for (const c of candidates) {
      if (invalidKeys.has(c.key)) continue;
      seen.add(c.key);
      const record = health.record(c.key);
      const base = { namespace: c.service.namespace, name: c.service.name, type: c.type, toolset: c.toolset, endpoint: c.endpoint, healthUrl: c.healthUrl };
      const checks = record ? { lastCheck: record.lastCheckedAt, consecutiveFailures: record.consecutiveFailures } : {};
      let status: ServiceStatus;
      if (!record || (record.healthUrl !== c.healthUrl && !record.included)) {
        status = { ...base, verdict: 'pending', reason: 'NotChecked', message: 'health check in progress' };
      } else if (!record.included) {
        const v = record.lastVerdict;
        status = { ...base, ...checks, verdict: 'unhealthy', reason: v.healthy ? 'Healthy' : v.reason, message: v.healthy ? 'healthy' : v.message };
        events.report(c.key, { regarding: serviceRef(c), type: 'Warning', reason: 'ToolsetUnhealthy', message: `${c.toolset}: ${status.message}` });
      } else if (shadowedBy.has(c.key)) {
        const by = shadowedBy.get(c.key) ?? '';
        status = { ...base, ...checks, verdict: 'shadowed', reason: 'Shadowed', message: `${c.toolset} is provided by Service ${by} (higher priority, older, or first by name)` };
        events.report(c.key, { regarding: serviceRef(c), type: 'Warning', reason: 'ToolsetShadowed', message: status.message });
      } else {
        const v = record.lastVerdict;
        const failing = !v.healthy ? ` (last check failed: ${v.message}; ${record.consecutiveFailures} of ${this.#options.health.failureThreshold} failures before removal)` : '';
        status = { ...base, ...checks, verdict: 'included', reason: 'Healthy', message: `written as ${c.toolset}${failing}` };
        if (written.has(c.toolset)) {
          events.report(c.key, { regarding: serviceRef(c), type: 'Normal', reason: 'ToolsetDiscovered', message: `${c.toolset} at ${c.endpoint}` });
        }
      }
      metrics.toolsets.inc({ type: c.type, verdict: status.verdict });
      statuses.push(status);
    }
    metrics.rejectedServices.reset();
    for (const r of rejections) {
      seen.add(r.key);
      const isNew = events.report(r.key, { regarding: serviceRef(r), type: 'Warning', reason: 'ToolsetRejected', message: `${r.reason}: ${r.message}` });
      if (isNew) {
        metrics.annotationRejections.inc({ reason: r.reason });
        this.#deps.log.warn('Service rejected', { service: r.key, reason: r.reason, detail: r.message });
      }
      metrics.rejectedServices.inc({ reason: r.reason });
      statuses.push({ namespace: r.service.namespace, name: r.service.name, verdict: 'rejected', reason: r.reason, message: r.message });
    }
    for (const key of events.keys()) if (key.includes('/') && !seen.has(key)) events.forget(key);

    statuses.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    this.#status = { ...this.#status, toolsets: Object.keys(toolsets).sort(), services: statuses };
    return { ...(write ? { write } : {}), toolsets: Object.keys(toolsets).sort(), checked };
  }

  async #stamp(hash: string, cmRef: ObjectReference): Promise<void> {
    const { reload, metrics, events, log } = this.#deps;
    if (!reload) return;
    const target = `${reload.namespace}/${reload.deployment}`;
    try {
      const result = await reload.stamp(hash);
      metrics.reloadStamps.inc({ result });
      this.#reloadOwed = false;
      if (result === 'stamped') {
        log.info('consumer Deployment rolled for the new toolset file', { deployment: target, hash });
        events.report(`configmap:reload:${hash}`, { regarding: cmRef, type: 'Normal', reason: 'ConsumerReloaded', message: `Deployment ${target} rolled for sha256 ${hash.slice(0, 12)}` });
      } else if (result === 'missing') {
        events.report('configmap:reload-missing', { regarding: cmRef, type: 'Warning', reason: 'ReloadTargetMissing', message: `reload.deployment ${target} does not exist` });
      }
    } catch (error) {
      metrics.reloadStamps.inc({ result: 'error' });
      log.warn('could not roll the consumer Deployment; will retry', { deployment: target, error: (error as Error).message });
      events.report('configmap:reload-failed', { regarding: cmRef, type: 'Warning', reason: 'ReloadFailed', message: (error as Error).message });
    }
  }

  async #write(merged: OutputDocument, live: ConfigMap | undefined, request: ReconcileRequest): Promise<WriteOutcome | undefined> {
    const { writer, metrics, events, log } = this.#deps;
    const { namespace, name, key } = writer.target;
    const cmRef: ObjectReference = { kind: 'ConfigMap', apiVersion: 'v1', namespace, name, ...(live ? { uid: live.metadata.uid } : {}) };
    const keep = (problem: string, reason: string) => {
      this.#status = { ...this.#status, output: { ...this.#status.output, problem } };
      events.report(`configmap:${reason}`, { regarding: cmRef, type: 'Warning', reason, message: problem });
    };

    if (!merged.ok) {
      metrics.overridesInvalid.inc();
      log.warn('overrides.yaml invalid; keeping the last good output', { error: merged.error });
      keep(`${merged.error}; the last good output is kept`, 'OverridesInvalid');
      return undefined;
    }
    events.forget('configmap:OverridesInvalid');

    const { content, hash } = merged;
    metrics.outputBytes.set(Buffer.byteLength(content));
    const outcome = await writer.write(content, hash, live);
    this.#notOwned = outcome.result === 'refused' && outcome.reason === 'NotOwned';
    if (outcome.ok && outcome.stored && !outcome.dryRun) this.#deps.onStored?.(outcome.stored);
    metrics.configMapWrites.inc({ result: outcome.result });
    const at = new Date().toISOString();
    if (!outcome.ok) {
      log.error('ConfigMap not written; the last good output is kept', { result: outcome.result, error: outcome.message });
      const reason = outcome.result === 'refused' ? 'ToolsetConfigRefused' : 'ToolsetConfigWriteFailed';
      keep(outcome.message, reason);
      this.#status = { ...this.#status, output: { ...this.#status.output, lastWrite: { result: outcome.result, at, message: outcome.message } } };
      return outcome;
    }
    events.forget('configmap:ToolsetConfigRefused');
    events.forget('configmap:ToolsetConfigWriteFailed');
    const { problem: _resolved, ...output } = this.#status.output;
    this.#status = { ...this.#status, output: { ...output, hash, bytes: Buffer.byteLength(content), ...(outcome.result !== 'unchanged' || !output.lastWrite ? { lastWrite: { result: outcome.result, at } } : {}) } };
    if (outcome.result !== 'unchanged') this.#reloadOwed = true;
    if (this.#reloadOwed && !outcome.dryRun) await this.#stamp(hash, cmRef);
    if (outcome.result !== 'unchanged') {
      if (request.firstEventAt !== undefined) metrics.eventToApplied.observe((Date.now() - request.firstEventAt) / 1000);
      log.info(outcome.dryRun ? 'dry run: ConfigMap would be written' : 'ConfigMap written', {
        result: outcome.result, configMap: `${namespace}/${name}`, hash, bytes: Buffer.byteLength(content),
        // A thousand names per write would drown the log; /status lists them all.
        ...(Object.keys(merged.toolsets).length <= 20 ? { toolsets: Object.keys(merged.toolsets).sort() } : { toolsetCount: Object.keys(merged.toolsets).length }),
        ...(outcome.dryRun ? { content } : {}),
      });
      events.report(`configmap:updated:${hash}`, { regarding: { ...cmRef, ...(outcome.stored ? { uid: outcome.stored.metadata.uid } : {}) }, type: 'Normal', reason: 'ToolsetConfigUpdated', message: `${key} ${outcome.result}: ${Object.keys(merged.toolsets).length} toolsets, sha256 ${hash.slice(0, 12)}` });
    }
    return outcome;
  }
}
