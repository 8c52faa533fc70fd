import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Subject, type Subscription } from 'rxjs';
import { debounceWithMaxDelay, resyncTrigger } from '../operators/index.ts';
import type { OperatorConfig } from './config/operator-config.ts';
import { HealthMonitor, type HealthChecker } from './health/health-monitor.ts';
import { checkHealth } from './health/http-check.ts';
import type { KubeClient } from './kube/client.ts';
import { LeaseElector } from './leader/lease-elector.ts';
import type { Check } from './observe/http-server.ts';
import type { ConfigMap, Namespace, Service } from './kube/objects.ts';
import { TRUST_LABEL, trustedByLabel } from './discovery/tenancy.ts';
import type { CacheEvent, Reflector } from './kube/reflector.ts';
import { EventRecorder } from './observe/events.ts';
import type { Logger } from './observe/logger.ts';
import type { Metrics } from './observe/metrics.ts';
import { ConfigMapWriter } from './output/configmap-writer.ts';
import { ReloadStamper } from './output/reload-stamper.ts';
import { detectionOptionsFor } from './reconcile/plan.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { RelevanceFilter } from './reconcile/relevance.ts';
import type { StatusSnapshot } from './reconcile/status.ts';
import { backoffDelay, sleep } from './retry/backoff.ts';

export interface OperatorDeps {
  kube: KubeClient;
  config: OperatorConfig;
  metrics: Metrics;
  log: Logger;
  /** Replaces the HTTP checker (tests of the wiring); production uses checkHealth. */
  check?: HealthChecker;
}

type Trigger = { kind: 'change'; at: number } | { kind: 'recheck' };

/**
 * Wires the pipeline of SPEC §1: informers mark the state dirty, a debounce with a maximum delay batches bursts,
 * one reconcile at a time renders everything from the caches, and timers add relists and health re-checks.
 */
export class ToolsetOperator {
  readonly #deps: OperatorDeps;
  readonly #services: Reflector<Service>[];
  readonly #configMaps: Reflector<ConfigMap>;
  /** Only when tenancy.trustLabel is on: the Namespaces labelled trusted. */
  readonly #namespaces: Reflector<Namespace> | undefined;
  readonly #trustedByLabel = new Set<string>();
  readonly #events: EventRecorder;
  readonly #reconciler: Reconciler;
  readonly #health: HealthMonitor;
  readonly #relevance: RelevanceFilter;
  readonly #elector: LeaseElector | undefined;
  readonly #identity: string;
  #watchdog: NodeJS.Timeout | undefined;
  /** The first round of health checks is in; until then nothing is written (it would drop every toolset). */
  #healthPrimed = false;
  readonly #triggers = new Subject<Trigger>();
  readonly #subscriptions: Subscription[] = [];
  #running: Promise<void> | undefined;
  #again = false;
  #fullRecheck = true;
  #firstEventAt: number | undefined;
  #reconciled = false;
  #stopping = false;
  #retries = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  /** What the last write returned; trusted over the informer until the informer has seen that version. */
  #lastStored: ConfigMap | undefined;
  /** Versions of the output ConfigMap the informer has delivered, newest last (the write's may come first). */
  readonly #seenVersions: string[] = [];

  constructor(deps: OperatorDeps) {
    this.#deps = deps;
    const { kube, config, metrics, log } = deps;
    const { include } = config.namespaces;
    const selector = config.labelSelector ? { labelSelector: config.labelSelector } : {};
    this.#services = include.length > 0
      ? include.map((namespace) => kube.watchServices({ namespace, ...selector }))
      : [kube.watchServices(selector)];
    this.#configMaps = kube.watchConfigMaps(config.output.namespace, config.output.name);
    this.#namespaces = config.tenancy.trustLabel ? kube.watchNamespaces(`${TRUST_LABEL}=true`) : undefined;
    this.#identity = `${process.env.POD_NAME || hostname()}_${randomBytes(3).toString('hex')}`;
    const le = config.leaderElection;
    // A dry run mutates nothing, not even a Lease; it computes like a leader and writes like nobody.
    this.#elector = le.enabled && !config.dryRun
      ? new LeaseElector(kube, log, {
          namespace: config.output.namespace, name: le.leaseName, identity: this.#identity,
          leaseDurationMs: le.leaseDurationMs, renewDeadlineMs: le.renewDeadlineMs, retryPeriodMs: le.retryPeriodMs,
          onChange: (leading) => {
            metrics.leader.set(leading ? 1 : 0);
            if (leading) void this.#kick();
          },
        })
      : undefined;
    metrics.leader.set(this.#elector || config.dryRun ? 0 : 1);
    this.#events = new EventRecorder(kube, log, () => this.mayWrite, () => metrics.eventsDropped.inc());
    const ca = config.health.caFile ? readFileSync(config.health.caFile) : undefined;
    const check: HealthChecker = deps.check ?? ((url, signal) => checkHealth(url, { timeoutMs: config.health.timeoutMs, signal, ...(ca ? { ca } : {}) }));
    this.#health = new HealthMonitor({
      ...config.health,
      check,
      metrics,
      // The last result of a round reconciles at once (refreshing /status); earlier ones only when they change
      // the output, and those go through the debounce and coalesce.
      onResult: (idle, changed) => {
        if (!this.#healthPrimed) return;
        if (idle) void this.#kick();
        else if (changed) this.#triggers.next({ kind: 'recheck' });
      },
    });
    const detection = detectionOptionsFor(config, () => this.#trustedByLabel);
    this.#relevance = new RelevanceFilter(detection);
    this.#reconciler = new Reconciler(
      {
        services: () => this.#relevance.services(),
        mayWrite: () => !this.#elector || this.#elector.leading,
        liveConfigMap: () => this.#lastStored ?? this.#configMaps.get(config.output.namespace, config.output.name),
        onStored: (stored) => {
          if (!this.#seenVersions.includes(stored.metadata.resourceVersion)) this.#lastStored = stored;
        },
        writer: new ConfigMapWriter(kube, { ...config.output, dryRun: config.dryRun }),
        health: this.#health,
        ...(config.reload.deployment ? { reload: reloadStamper(kube, config.reload.deployment, config.output.namespace) } : {}),
        events: this.#events,
        metrics,
        log,
      },
      {
        detection,
        plan: { defaults: config.toolsetDefaults, budgetBytes: config.output.sizeBudgetBytes },
        health: { failureThreshold: config.health.failureThreshold },
        excludeNamespaces: config.namespaces.exclude,
      },
    );
  }

  /** Caches synced, the first reconcile done, and the output ConfigMap ours to write. */
  get ready(): boolean {
    return !this.#stopping && this.#reconciled && this.synced && !this.#reconciler.outputNotOwned;
  }

  /** Only the leader writes (and records Events), and nobody does in a dry run. */
  get mayWrite(): boolean {
    return !this.#deps.config.dryRun && (!this.#elector || this.#elector.leading);
  }

  /** Liveness: fails when a watch stayed silent through the watchdog's restart and as long again. */
  live(): Check {
    const limit = 2 * this.#deps.config.watch.stallTimeoutMs;
    const stalled = this.reflectors().filter((r) => Date.now() - r.lastActivity > limit);
    return stalled.length === 0
      ? { ok: true }
      : { ok: false, reason: `watch stalled for more than ${limit / 1000}s: ${stalled.map((r) => r.description).join('; ')}` };
  }

  readiness(): Check {
    if (this.#stopping) return { ok: false, reason: 'shutting down' };
    if (!this.synced) return { ok: false, reason: `caches not synced: ${this.reflectors().filter((r) => !r.synced).map((r) => r.description).join('; ')}` };
    if (!this.#reconciled) return { ok: false, reason: 'first reconcile not finished' };
    if (this.#reconciler.outputNotOwned) return { ok: false, reason: this.status().output.problem ?? 'output ConfigMap not owned' };
    return { ok: true };
  }

  get identity(): string {
    return this.#identity;
  }

  get synced(): boolean {
    return this.#configMaps.synced && (this.#namespaces?.synced ?? true) && this.#services.every((r) => r.synced);
  }

  status(): StatusSnapshot & { ready: boolean; leader: { election: boolean; leading: boolean; identity: string }; dryRun: boolean } {
    return {
      ready: this.ready,
      dryRun: this.#deps.config.dryRun,
      leader: { election: this.#elector !== undefined, leading: this.mayWrite, identity: this.#identity },
      ...this.#reconciler.status(),
    };
  }

  reflectors(): Reflector<Service | ConfigMap | Namespace>[] {
    return [...this.#services, this.#configMaps, ...(this.#namespaces ? [this.#namespaces] : [])] as Reflector<Service | ConfigMap | Namespace>[];
  }

  /** Starts watching; resolves after the caches are synced and the first reconcile finished. */
  async start(): Promise<void> {
    const { config, log } = this.#deps;
    for (const reflector of this.reflectors()) {
      this.#observe(reflector, reflector === this.#configMaps ? 'configmaps' : reflector === this.#namespaces ? 'namespaces' : 'services');
    }
    const { quietMs, maxDelayMs, resyncMs } = config.reconcile;
    this.#subscriptions.push(
      this.#triggers.pipe(debounceWithMaxDelay(quietMs, maxDelayMs)).subscribe(() => void this.#kick()),
      resyncTrigger(resyncMs).subscribe(() => {
        log.info('resync: relisting from the API server and re-checking every candidate');
        this.#fullRecheck = true;
        for (const r of this.reflectors()) r.restart('relist');
      }),
      resyncTrigger(config.health.intervalMs).subscribe(() => {
        this.#fullRecheck = true;
        this.#triggers.next({ kind: 'recheck' });
      }),
    );
    log.info('watching', { services: this.#services.map((r) => r.description), configMap: this.#configMaps.description });
    this.#elector?.start();
    const stall = config.watch.stallTimeoutMs;
    this.#watchdog = setInterval(() => {
      for (const r of this.reflectors()) {
        if (Date.now() - r.lastActivity > stall && r.synced) {
          log.warn('watch silent for too long; restarting it', { watch: r.description, silentMs: Date.now() - r.lastActivity });
          r.restart('stalled');
        }
      }
    }, Math.max(250, Math.floor(stall / 4)));
    this.#watchdog.unref();
    await Promise.all(this.reflectors().map((r) => r.start()));
    await this.#kick();
    await this.#health.idle();
    this.#healthPrimed = true;
    await this.#kick();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#deps.log.info('not ready: shutting down');
    clearTimeout(this.#retryTimer);
    clearInterval(this.#watchdog);
    for (const s of this.#subscriptions) s.unsubscribe();
    this.#health.stop();
    await Promise.all(this.reflectors().map((r) => r.stop()));
    this.#deps.log.info('watches stopped');
    // An in-flight write gets most of the shutdown budget; a server-side apply lands whole or not at all, so
    // abandoning one that the API server does not answer leaves no half-written ConfigMap.
    const budget = Math.floor(this.#deps.config.shutdownTimeoutMs * 0.6);
    const finished = await within(this.#running ?? Promise.resolve(), budget);
    if (!finished) this.#deps.log.warn('in-flight reconcile abandoned at shutdown', { waitedMs: budget });
    await within(this.#events.flush(), Math.floor(this.#deps.config.shutdownTimeoutMs * 0.1));
    await this.#elector?.stop();
  }

  /**
   * A namespace gained or lost the trust label: detection of its Services changes, including whether a Service is
   * relevant at all (an auto-detected built-in is ignored in an untrusted namespace), so every Service is seen again.
   */
  #trustChanged(): boolean {
    const labelled = trustedByLabel(this.#namespaces?.list() ?? []);
    if (labelled.size === this.#trustedByLabel.size && [...labelled].every((n) => this.#trustedByLabel.has(n))) return false;
    this.#trustedByLabel.clear();
    for (const n of labelled) this.#trustedByLabel.add(n);
    for (const r of this.#services) for (const svc of r.list()) this.#relevance.changed('modified', svc);
    return true;
  }

  #observe(reflector: Reflector<Service | ConfigMap | Namespace>, resource: string): void {
    const { metrics, log } = this.#deps;
    this.#subscriptions.push(
      reflector.events$.subscribe((event: CacheEvent<Service | ConfigMap | Namespace>) => {
        switch (event.type) {
          case 'added':
          case 'modified':
          case 'deleted':
            metrics.watchEvents.inc({ resource, type: event.type });
            if (reflector === this.#namespaces && !this.#trustChanged()) break;
            if (reflector !== this.#configMaps && reflector !== this.#namespaces && !this.#relevance.changed(event.type, event.object as Service)) break;
            // Watch events arrive in order: once our own write (or a deletion) shows up, the cache is the truth again.
            if (reflector === this.#configMaps) {
              const version = event.object.metadata.resourceVersion;
              this.#seenVersions.push(version);
              if (this.#seenVersions.length > 32) this.#seenVersions.shift();
              if (event.type === 'deleted' || version === this.#lastStored?.metadata.resourceVersion) this.#lastStored = undefined;
            }
            this.#firstEventAt ??= Date.now();
            this.#triggers.next({ kind: 'change', at: Date.now() });
            break;
          case 'synced':
            if (reflector === this.#configMaps) this.#lastStored = undefined;
            if (reflector === this.#namespaces) this.#trustChanged();
            this.#triggers.next({ kind: 'change', at: Date.now() });
            break;
          case 'restarted':
            metrics.watchRestarts.inc({ resource, reason: event.reason });
            log.info('watch restarted', { watch: reflector.description, reason: event.reason });
            break;
          case 'error':
            metrics.watchErrors.inc({ resource, status: String(event.error.status) });
            log.warn('list/watch failed; retrying', { watch: reflector.description, error: event.error.message, retryInMs: event.retryInMs });
            break;
        }
      }),
    );
  }

  /** Runs a reconcile now, or once more right after the one in flight: never two at once, never a lost trigger. */
  #kick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const loop = async () => {
      do {
        this.#again = false;
        if (this.#stopping || !this.synced) break;
        const fullRecheck = this.#fullRecheck;
        const firstEventAt = this.#firstEventAt;
        this.#fullRecheck = false;
        this.#firstEventAt = undefined;
        try {
          const write = this.#healthPrimed;
          const report = await this.#reconciler.reconcile({ fullRecheck, write, ...(firstEventAt !== undefined ? { firstEventAt } : {}) });
          if (write) this.#reconciled = true;
          if (report.write && !report.write.ok && report.write.result !== 'refused') this.#retryLater();
          else this.#retries = 0;
        } catch {
          this.#fullRecheck ||= fullRecheck;
          this.#retryLater();
        }
      } while (this.#again);
    };
    // Cleared in a later microtask, never inside loop(): a loop that ends synchronously must not leave a stale
    // promise behind that would swallow every later trigger.
    this.#running = loop().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#stopping) void this.#kick();
    });
    return this.#running;
  }

  #retryLater(): void {
    this.#retries += 1;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#triggers.next({ kind: 'recheck' }), backoffDelay(this.#retries));
  }
}

/** Waits for `work` at most `ms`; true when it finished in time. Leaves no timer behind either way. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const done = await Promise.race([work.then(() => true, () => true), sleep(ms, timer.signal).then(() => false)]);
  timer.abort();
  return done;
}

/** reload.deployment is "name" (in the output namespace) or "namespace/name". */
function reloadStamper(kube: KubeClient, target: string, outputNamespace: string): ReloadStamper {
  const [namespace, name] = target.includes('/') ? target.split('/', 2) : [outputNamespace, target];
  return new ReloadStamper(kube, namespace ?? outputNamespace, name ?? target);
}
