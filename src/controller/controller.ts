import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { merge, Subject, type Subscription } from 'rxjs';
import type { OperatorConfig } from '../config/operator-config.ts';
import { HealthBook, type HealthChecker } from '../health/health-book.ts';
import { configuredChecker } from '../health/checker.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ConfigMap, Namespace, Service } from '../kube/objects.ts';
import type { Reflector } from '../kube/reflector.ts';
import { EventRecorder } from '../observe/events.ts';
import type { Check } from '../observe/http-server.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { ConsumerPolicyWriter } from '../output/consumer-policy-writer.ts';
import { publisherFor, type OutputPublisher } from '../output/publisher.ts';
import { detectionOptions, planSettings } from '../reconcile/plan.ts';
import type { StatusSnapshot } from './status-snapshot.ts';
import { backoffDelay, type BackoffPolicy } from '../retry/backoff.ts';
import { LeaderGate } from './leader-gate.ts';
import { OutputCache } from './output-cache.ts';
import { controllerPipeline } from './pipeline.ts';
import { ReconcileStep } from './reconcile-step.ts';
import { RelevantServices } from './relevant-services.ts';
import { TrustLabels } from './trust-labels.ts';
import { Watches } from './watches.ts';
import { watchdog, watchesAlive } from './watchdog.ts';
import { shutdownBudget, within } from './shutdown.ts';

export interface ControllerDeps {
  kube: KubeClient;
  config: OperatorConfig;
  metrics: Metrics;
  log: Logger;
  /** Replaces the HTTP checker (tests of the wiring); production uses checkHealth. */
  check?: HealthChecker;
}

/** A failed reconcile is retried after 0.5 s doubling to 10 s: a retry costs one plan and one apply. */
const RECONCILE_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000, jitter: 0.2 };

/**
 * A candidate left out after a failed check (typically annotated before its pods were ready) is checked again after
 * 1 s, doubling up to the health interval: it enters within seconds of becoming healthy, not a whole interval later.
 */
const FAILED_RECHECK_BACKOFF = { initialMs: 1_000, jitter: 0.2 };

export type ControllerStatus = StatusSnapshot & { ready: boolean; leader: { election: boolean; leading: boolean; identity: string; problem?: string }; dryRun: boolean };

/** Watches, the pipeline and the probes: builds the parts, starts them in order and stops them in reverse. */
export class ToolsetController {
  readonly identity = `${process.env.POD_NAME || hostname()}_${randomBytes(3).toString('hex')}`;
  readonly #deps: ControllerDeps;
  readonly #watches: Watches;
  readonly #store: RelevantServices;
  readonly #trust: TrustLabels;
  readonly #output: OutputCache;
  readonly #gate: LeaderGate;
  readonly #events: EventRecorder;
  readonly #publisher: OutputPublisher;
  readonly #step: ReconcileStep;
  readonly #health: HealthBook;
  readonly #synced = new Subject<void>();
  /** Settles after the first reconcile that may write, whether its write worked or not (start() waits for it). */
  readonly #firstRun = Promise.withResolvers<void>();
  readonly #subscriptions: Subscription[] = [];
  #inFlight: Promise<unknown> = Promise.resolve();
  #stopping = false;

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
    const { kube, config, metrics, log } = deps;
    const watches = (this.#watches = new Watches(kube, config));
    const settings = planSettings(config);
    this.#trust = new TrustLabels(() => this.#store.reconsider(watches.allServices()));
    this.#store = new RelevantServices(detectionOptions(settings, () => this.#trust.labelled), { serviceOf: (key) => watches.service(key), slicesOf: (key) => watches.slicesOf(key) });
    this.#output = new OutputCache(() => watches.outputConfigMap());
    this.#gate = new LeaderGate(kube, config, this.identity, metrics, log);
    this.#events = new EventRecorder(kube, log, () => this.#gate.mayWrite, () => metrics.eventsDropped.inc());
    this.#health = new HealthBook({
      failureThreshold: config.health.failureThreshold, metrics,
      recheckFailedMs: (failures) => backoffDelay(failures, { ...FAILED_RECHECK_BACKOFF, maxMs: config.health.intervalMs }),
    });
    this.#publisher = publisherFor(kube, config, { events: this.#events, metrics, log, onStored: (stored) => this.#output.stored(stored) });
    this.#step = new ReconcileStep({
      snapshot: () => (watches.synced
        ? { services: this.#store.services(), routes: this.#store.routes(), pods: this.#store.pods(), namespaces: watches.namespaces?.list() ?? [], live: this.#output.live(), base: watches.baseLayer() }
        : undefined),
      settings, health: this.#health, publisher: this.#publisher, events: this.#events, leading: () => this.#gate.leading, metrics, log,
      ...(config.consumer.networkPolicy.enabled ? { policy: new ConsumerPolicyWriter(config, { kube, events: this.#events, metrics, log }) } : {}),
    });
  }

  /** Caches synced, the first reconcile done, and the output ConfigMap ours and possible to write. */
  get ready(): boolean {
    return this.readiness().ok;
  }

  get mayWrite(): boolean {
    return this.#gate.mayWrite;
  }

  live(): Check {
    return watchesAlive(this.reflectors(), this.#deps.config.watch.stallTimeoutMs);
  }

  readiness(): Check {
    if (this.#stopping) return { ok: false, reason: 'shutting down' };
    if (!this.#watches.synced) return { ok: false, reason: `caches not synced: ${this.#watches.unsynced().join('; ')}` };
    if (!this.#step.primed) return { ok: false, reason: 'first reconcile not finished' };
    const blocked = this.#gate.problem ?? this.#publisher.blocked;
    if (blocked) return { ok: false, reason: blocked };
    return { ok: true };
  }

  status(): ControllerStatus {
    const problem = this.#gate.problem;
    const leader = { election: this.#gate.election, leading: this.mayWrite, identity: this.identity, ...(problem ? { problem } : {}) };
    return { ready: this.ready, dryRun: this.#deps.config.dryRun, leader, ...this.#step.status() };
  }

  reflectors(): Reflector<Service | ConfigMap | Namespace>[] {
    return this.#watches.all();
  }

  /** Starts watching; resolves once the caches are synced and the first reconcile that may write has run. */
  async start(): Promise<void> {
    const { config, metrics, log } = this.#deps;
    const check = this.#deps.check ?? configuredChecker(config.health, config.toolsetDefaults);
    const changes$ = this.#watches.changes$({ store: this.#store, output: this.#output, trust: this.#trust, metrics, log });
    const pipeline = controllerPipeline({ changes$, urgent$: merge(this.#synced, this.#gate.won$), reloadOutcomes$: this.#publisher.reloadOutcomes$ }, {
      reconcile: (request, startChecks) => this.#track(this.#step.run(request, startChecks)),
      check,
      settle: (settled) => this.#health.settle(settled),
      relist: () => {
        log.info('resync: relisting from the API server and re-checking every candidate');
        for (const r of this.reflectors()) r.restart('relist');
      },
      onRetry: (error, attempt) => log.warn('reconcile will be retried', { attempt, error: (error as Error).message }),
      reloaded: (outcome) => this.#publisher.reloadedInPlace(outcome)
        .catch((error: unknown) => void log.error('in-place reload outcome not handled', { error: (error as Error).message })),
    }, {
      ...config.reconcile, healthIntervalMs: config.health.intervalMs, checkConcurrency: config.health.concurrency,
      checkTimeoutMs: config.health.timeoutMs, retryDelayMs: (attempt) => backoffDelay(attempt, RECONCILE_BACKOFF),
    });
    this.#subscriptions.push(pipeline.subscribe(), watchdog(() => this.reflectors(), config.watch.stallTimeoutMs, log));
    log.info('watching', { services: this.#watches.services.map((r) => r.description), configMap: this.#watches.configMap.description });
    this.#gate.start();
    await this.#watches.start();
    this.#synced.next();
    await this.#firstRun.promise;
  }

  async stop(): Promise<void> {
    const { config, log } = this.#deps;
    this.#stopping = true;
    log.info('not ready: shutting down');
    for (const s of this.#subscriptions) s.unsubscribe();
    this.#firstRun.resolve();
    await this.#watches.stop();
    log.info('watches stopped');
    // An in-flight write gets most of the shutdown budget; a server-side apply lands whole or not at all, so
    // abandoning one that the API server does not answer leaves no half-written ConfigMap.
    const budget = shutdownBudget(config.shutdownTimeoutMs);
    if (!(await within(this.#inFlight, budget.reconcileMs))) log.warn('in-flight reconcile abandoned at shutdown', { waitedMs: budget.reconcileMs });
    await within(this.#events.flush(), budget.eventsMs);
    await this.#gate.stop();
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight = work.catch(() => undefined).finally(() => {
      if (this.#step.primed) this.#firstRun.resolve();
    });
    return work;
  }
}
