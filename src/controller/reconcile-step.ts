import type { HealthBook, HealthTarget } from '../health/health-book.ts';
import type { RouteLookup, ServicePods } from '../discovery/routing.ts';
import type { ConsumerPolicyWriter } from '../output/consumer-policy-writer.ts';
import { backendsOf } from '../reconcile/consumer-policy.ts';
import type { BaseLayerSource } from '../toolset/base-layer.ts';
import type { ConfigMap, Namespace, Service } from '../kube/objects.ts';
import { serviceEventKey, type EventKey, type EventRecorder } from '../observe/events.ts';
import { objectRef, type Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { OVERRIDES_KEY, type WriteOutcome } from '../output/configmap-writer.ts';
import type { OutputPublisher } from '../output/publisher.ts';
import { plan, type Plan, type PlanSettings } from '../reconcile/plan.ts';
import type { StatusSnapshot } from './status-snapshot.ts';

/** What a reconcile is asked to do; a burst of triggers folds into one request. */
export interface ReconcileRequest {
  /** Check every candidate again, not only changed ones (resync, health interval). */
  fullRecheck: boolean;
  /** When the first change of this burst was seen, for the event-to-applied latency. */
  firstEventAt?: number;
}

export const foldRequests = (a: ReconcileRequest, b: ReconcileRequest): ReconcileRequest => {
  const at = Math.min(a.firstEventAt ?? Infinity, b.firstEventAt ?? Infinity);
  return { fullRecheck: a.fullRecheck || b.fullRecheck, ...(Number.isFinite(at) ? { firstEventAt: at } : {}) };
};

export interface ReconcileResult {
  /** skipped: caches not synced yet, or the first health round still running (writing would drop every toolset). */
  outcome: 'skipped' | 'planned' | 'written';
  write?: WriteOutcome;
}

/**
 * Hands the health checks that became due to the fan-out. Called before the write, not returned with the result:
 * the health book counts them in flight from then on, so a check lost with a failed write would never run again
 * and its Service would never be written.
 */
export type StartChecks = (targets: readonly HealthTarget[]) => void;

export interface ReconcileStepDeps {
  /** A snapshot of the caches, or undefined while they are not all synced. */
  snapshot: () => {
    services: Iterable<Service>; routes?: RouteLookup; pods?: (key: string) => ServicePods | undefined; namespaces: Iterable<Namespace>;
    live: ConfigMap | undefined; base?: BaseLayerSource | undefined;
  } | undefined;
  settings: PlanSettings;
  health: HealthBook;
  publisher: OutputPublisher;
  /** HolmesGPT's egress policy (consumer.networkPolicy), applied before the file that relies on it. */
  policy?: ConsumerPolicyWriter;
  events: EventRecorder;
  /** This replica decides the output (leader, or no election). */
  leading: () => boolean;
  metrics: Metrics;
  log: Logger;
}

/**
 * One reconcile, level-triggered: plan the whole output from the cache snapshot and the verdicts known so far,
 * start the health checks that became due, and publish the document unless it must be held. Nothing is written
 * before the first round of health checks is in.
 */
export class ReconcileStep {
  readonly #deps: ReconcileStepDeps;
  #primed = false;
  /** The generated entries of the last plan: an endpoint being re-verified keeps its entry from here. */
  #previous: ReadonlyMap<string, Record<string, unknown>> = new Map();
  #status: Omit<StatusSnapshot, 'output'> = { toolsets: [], services: [] };

  constructor(deps: ReconcileStepDeps) {
    this.#deps = deps;
  }

  /**
   * The first round of health checks is in (or there was nothing to check): from then on every plan may be written.
   * The readiness gate.
   */
  get primed(): boolean {
    return this.#primed;
  }

  status(): StatusSnapshot {
    const policy = this.#deps.policy;
    return { ...this.#status, output: this.#deps.publisher.status, ...(policy ? { consumerPolicy: policy.status } : {}) };
  }

  /** Throws when the output could not be written (the pipeline retries with backoff). */
  async run(request: ReconcileRequest, startChecks: StartChecks): Promise<ReconcileResult> {
    const snapshot = this.#deps.snapshot();
    if (!snapshot) return { outcome: 'skipped' };
    const started = performance.now();
    let result: ReconcileResult;
    try {
      result = await this.#run(request, snapshot, startChecks);
    } catch (error) {
      this.#finished(started, error as Error);
      throw error;
    }
    this.#finished(started, undefined);
    const write = result.write;
    // The writer made one attempt; the pipeline retries what another attempt can fix. A refusal (not ours, too large)
    // or an invalid object does not heal by retrying: it is reported and waits for a change.
    if (write && !write.ok && write.result !== 'refused' && write.retryable) throw new Error(`output not written (${write.result}): ${write.message}`);
    return result;
  }

  async #run(request: ReconcileRequest, snapshot: NonNullable<ReturnType<ReconcileStepDeps['snapshot']>>, startChecks: StartChecks): Promise<ReconcileResult> {
    const { health, settings } = this.#deps;
    const input = {
      services: snapshot.services, namespaces: snapshot.namespaces, health, overrides: snapshot.live?.data[OVERRIDES_KEY], previous: this.#previous,
      ...(snapshot.base ? { base: snapshot.base } : {}),
      ...(snapshot.routes ? { routes: snapshot.routes } : {}),
    };
    let planned = plan(input, settings);
    if (settings.healthChecks) startChecks(health.due(planned.candidates, request.fullRecheck));
    if (!this.#primed && health.idle) {
      // The first round is in (or there was nothing to check): from now on the output is worth writing.
      this.#primed = true;
      planned = plan(input, settings);
    }
    this.#report(planned);
    if (!this.#primed) return { outcome: 'planned' };
    this.#previous = planned.entries;
    if (!this.#deps.leading()) return { outcome: 'planned' };
    // The policy first: a new toolset's pods are reachable before HolmesGPT is given it.
    const policy = this.#deps.policy;
    const reachable = policy ? backendsOf(planned.written, snapshot.pods ?? (() => undefined)) : undefined;
    const policyResult = policy && reachable ? await policy.write(reachable.backends, reachable.uncovered) : undefined;
    const write = await this.#deps.publisher.publish(planned.document, snapshot.live, request.firstEventAt);
    // A policy that could not be applied is retried like a failed write (the one in place stays meanwhile).
    if (policyResult === 'error') throw new Error(`HolmesGPT's NetworkPolicy not applied: ${policy?.status.lastWrite?.message ?? ''}`);
    return { outcome: 'written', ...(write ? { write } : {}) };
  }

  /**
   * Status, metrics and Events of a plan: the same decisions the output was made from. Only the replica that decides
   * the output exports the per-toolset and per-Service series: summed over replicas (as dashboards do), a standby's
   * copy would count every Service twice.
   */
  #report(planned: Plan): void {
    const { metrics, events, log } = this.#deps;
    const leading = this.#deps.leading();
    metrics.toolsets.reset();
    metrics.rejectedServices.reset();
    if (leading) {
      for (const v of planned.verdicts) if (v.verdict !== 'rejected' && v.type) metrics.toolsets.inc({ type: v.type, verdict: v.verdict });
      for (const r of planned.rejections) metrics.rejectedServices.inc({ reason: r.reason });
    }
    const rejections = new Map(planned.rejections.map((r) => [serviceEventKey(r.key), r]));
    const current = new Set<EventKey>();
    for (const { key, event } of planned.events) {
      current.add(key);
      const rejection = rejections.get(key);
      // A rejection is counted and logged once per change, like its Event, not on every reconcile.
      if (events.report(key, event) && rejection) {
        if (leading) metrics.annotationRejections.inc({ reason: rejection.reason });
        log.warn('Service rejected', { ...objectRef('Service', rejection.service.namespace, rejection.service.name), reason: rejection.reason, detail: rejection.message });
      }
    }
    events.retainServices(current);
    this.#status = { ...this.#status, toolsets: planned.toolsets, services: planned.verdicts };
  }

  #finished(started: number, error: Error | undefined): void {
    const { metrics, log } = this.#deps;
    const durationMs = performance.now() - started;
    const memory = process.memoryUsage();
    log.debug('reconciled', {
      durationMs: Math.round(durationMs), ok: !error, rssMiB: Math.round(memory.rss / 1048576),
      heapUsedMiB: Math.round(memory.heapUsed / 1048576), externalMiB: Math.round(memory.external / 1048576),
    });
    metrics.reconciles.inc({ result: error ? 'error' : 'success' });
    metrics.reconcileDuration.observe(durationMs / 1000);
    const at = new Date();
    if (error) log.error('reconcile failed', { error: error.message });
    else metrics.lastSuccessfulReconcile.set(at.getTime() / 1000);
    const lastReconcile = { at: at.toISOString(), durationMs: Math.round(durationMs), ok: !error, ...(error ? { error: error.message } : {}) };
    this.#status = { ...this.#status, lastReconcile };
  }
}
