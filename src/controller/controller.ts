import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { firstValueFrom, filter, merge, Subject, type Subscription } from 'rxjs';
import type { OperatorConfig } from '../config/operator-config.ts';
import { HealthBook, type HealthChecker } from '../health/health-book.ts';
import { configuredChecker } from '../health/http-check.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ConfigMap, Namespace, Service } from '../kube/objects.ts';
import type { Reflector } from '../kube/reflector.ts';
import { EventRecorder } from '../observe/events.ts';
import type { Check } from '../observe/http-server.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { publisherFor, type OutputPublisher } from '../output/publisher.ts';
import { detectionOptions, planSettings } from '../reconcile/plan.ts';
import type { StatusSnapshot } from '../reconcile/status.ts';
import { backoffDelay } from '../retry/backoff.ts';
import { LeaderGate } from './leader-gate.ts';
import { OutputCache } from './output-cache.ts';
import { controllerPipeline } from './pipeline.ts';
import { ReconcileStep, type ReconcileResult } from './reconcile-step.ts';
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

export type ControllerStatus = StatusSnapshot & { ready: boolean; leader: { election: boolean; leading: boolean; identity: string }; dryRun: boolean };

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
  readonly #results = new Subject<ReconcileResult>();
  readonly #subscriptions: Subscription[] = [];
  #inFlight: Promise<unknown> = Promise.resolve();
  #stopping = false;

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
    const { kube, config, metrics, log } = deps;
    const watches = (this.#watches = new Watches(kube, config));
    const settings = planSettings(config);
    this.#trust = new TrustLabels(() => this.#store.reconsider(watches.allServices()));
    this.#store = new RelevantServices(detectionOptions(settings, () => this.#trust.labelled));
    this.#output = new OutputCache(() => watches.outputConfigMap());
    this.#gate = new LeaderGate(kube, config, this.identity, metrics, log);
    this.#events = new EventRecorder(kube, log, () => this.#gate.mayWrite, () => metrics.eventsDropped.inc());
    this.#health = new HealthBook({ failureThreshold: config.health.failureThreshold, metrics });
    this.#publisher = publisherFor(kube, config, { events: this.#events, metrics, log, onStored: (stored) => this.#output.stored(stored) });
    this.#step = new ReconcileStep({
      snapshot: () => (watches.synced ? { services: this.#store.services(), namespaces: watches.namespaces?.list() ?? [], live: this.#output.live() } : undefined),
      settings, health: this.#health, publisher: this.#publisher, events: this.#events, leading: () => this.#gate.leading, metrics, log,
    });
  }

  /** Caches synced, the first reconcile done, and the output ConfigMap ours to write. */
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
    if (!this.#step.completed) return { ok: false, reason: 'first reconcile not finished' };
    if (this.#publisher.notOwned) return { ok: false, reason: this.#publisher.status.problem ?? 'output ConfigMap not owned' };
    return { ok: true };
  }

  status(): ControllerStatus {
    const leader = { election: this.#gate.election, leading: this.mayWrite, identity: this.identity };
    return { ready: this.ready, dryRun: this.#deps.config.dryRun, leader, ...this.#step.status() };
  }

  reflectors(): Reflector<Service | ConfigMap | Namespace>[] {
    return this.#watches.all();
  }

  /** Starts watching; resolves once the caches are synced and the first reconcile that may write has run. */
  async start(): Promise<void> {
    const { config, metrics, log } = this.#deps;
    const check = this.#deps.check ?? configuredChecker(config.health);
    const changes$ = this.#watches.changes$({ store: this.#store, output: this.#output, trust: this.#trust, metrics, log });
    const pipeline = controllerPipeline({ changes$, urgent$: merge(this.#synced, this.#gate.won$) }, {
      reconcile: (request) => this.#track(this.#step.run(request)),
      check: (target, signal) => check(target.healthUrl, signal),
      settle: (settled) => this.#health.settle(settled),
      relist: () => {
        log.info('resync: relisting from the API server and re-checking every candidate');
        for (const r of this.reflectors()) r.restart('relist');
      },
      onRetry: (error, attempt) => log.warn('reconcile will be retried', { attempt, error: (error as Error).message }),
    }, {
      ...config.reconcile, healthIntervalMs: config.health.intervalMs, checkConcurrency: config.health.concurrency,
      checkTimeoutMs: config.health.timeoutMs, retryDelayMs: (attempt) => backoffDelay(attempt),
    });
    const completed = firstValueFrom(this.#results.pipe(filter(() => this.#step.completed)), { defaultValue: undefined });
    this.#subscriptions.push(pipeline.subscribe(this.#results), watchdog(() => this.reflectors(), config.watch.stallTimeoutMs, log));
    log.info('watching', { services: this.#watches.services.map((r) => r.description), configMap: this.#watches.configMap.description });
    this.#gate.start();
    await this.#watches.start();
    this.#synced.next();
    await completed;
  }

  async stop(): Promise<void> {
    const { config, log } = this.#deps;
    this.#stopping = true;
    log.info('not ready: shutting down');
    for (const s of this.#subscriptions) s.unsubscribe();
    this.#results.complete();
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
    this.#inFlight = work.catch(() => undefined);
    return work;
  }
}
