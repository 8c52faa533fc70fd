import { Subject, type Subscription } from 'rxjs';
import { boundedFanOut } from '../../operators/index.ts';
import type { Metrics } from '../observe/metrics.ts';
import { nextRecord, needsCheck, type HealthRecord } from './hysteresis.ts';
import type { HealthVerdict } from './http-check.ts';

export type HealthChecker = (url: string, signal: AbortSignal) => Promise<HealthVerdict>;

/** What the monitor needs to know of a candidate. */
export interface HealthTarget {
  key: string;
  type: string;
  healthUrl: string;
}

export interface HealthMonitorOptions {
  enabled: boolean;
  concurrency: number;
  timeoutMs: number;
  failureThreshold: number;
  check: HealthChecker;
  metrics: Metrics;
  /**
   * Called after each result; `idle` when no check is left in flight, `changed` when the result can change the
   * output (a first verdict, a new URL, or a toolset going in or out). A round of 5,000 unchanged results must
   * not keep the reconcile debounce busy.
   */
  onResult: (idle: boolean, changed: boolean) => void;
  now?: () => Date;
}

/**
 * Runs health checks off the reconcile path: a reconcile only schedules them and renders from the verdicts known
 * so far, so a hanging target delays nothing but its own verdict. At most `concurrency` checks run at once.
 */
export class HealthMonitor {
  readonly #options: HealthMonitorOptions;
  readonly #records = new Map<string, HealthRecord>();
  /** key → URL being checked. */
  readonly #pending = new Map<string, string>();
  readonly #queue = new Subject<HealthTarget>();
  readonly #subscription: Subscription;
  #idle = Promise.withResolvers<void>();

  constructor(options: HealthMonitorOptions) {
    this.#options = options;
    this.#idle.resolve();
    const { check, concurrency, timeoutMs } = options;
    this.#subscription = this.#queue
      // The fan-out's own timeout is a backstop a little past the checker's, which reports timeouts precisely.
      .pipe(boundedFanOut((t: HealthTarget, signal) => check(t.healthUrl, signal), { concurrency, timeoutMs: timeoutMs + 1_000 }))
      .subscribe((s) => {
        const verdict: HealthVerdict = s.ok
          ? s.value
          : { healthy: false, reason: s.timedOut ? 'Timeout' : 'ConnectionFailed', message: s.error.message, durationMs: s.durationMs };
        const changed = this.#apply(s.item, verdict);
        if (this.#pending.get(s.item.key) === s.item.healthUrl) this.#pending.delete(s.item.key);
        const idle = this.#pending.size === 0;
        if (idle) this.#idle.resolve();
        this.#options.onResult(idle, changed);
      });
  }

  /** Records a verdict; true when it changes what the output can hold. */
  #apply(target: HealthTarget, verdict: HealthVerdict): boolean {
    const { metrics, failureThreshold } = this.#options;
    metrics.healthChecks.inc({ type: target.type, result: verdict.healthy ? 'healthy' : verdict.reason });
    metrics.healthCheckDuration.observe({ type: target.type }, verdict.durationMs / 1000);
    const now = (this.#options.now ?? (() => new Date()))();
    const previous = this.#records.get(target.key);
    const next = nextRecord(previous, target.healthUrl, verdict, failureThreshold, now);
    this.#records.set(target.key, next);
    return previous === undefined || previous.healthUrl !== next.healthUrl || previous.included !== next.included;
  }

  record(key: string): HealthRecord | undefined {
    return this.#records.get(key);
  }

  /** A check of this key is in flight. */
  checking(key: string): boolean {
    return this.#pending.has(key);
  }

  /** Resolves when no check is in flight. */
  idle(): Promise<void> {
    return this.#idle.promise;
  }

  /**
   * Queues a check for every target whose inputs changed, or for all with `full`; returns how many were queued.
   * Forgets targets that are no longer candidates.
   */
  schedule(targets: readonly HealthTarget[], full: boolean): number {
    const keys = new Set(targets.map((t) => t.key));
    for (const key of this.#records.keys()) if (!keys.has(key)) this.#records.delete(key);
    let queued = 0;
    for (const t of targets) {
      if (this.#pending.get(t.key) === t.healthUrl) continue;
      if (!needsCheck(this.#records.get(t.key), t.healthUrl, full)) continue;
      if (!this.#options.enabled) {
        this.#records.set(t.key, nextRecord(undefined, t.healthUrl, { healthy: true, status: 0, durationMs: 0 }, 1, new Date()));
        continue;
      }
      if (this.#pending.size === 0) this.#idle = Promise.withResolvers<void>();
      this.#pending.set(t.key, t.healthUrl);
      this.#queue.next(t);
      queued += 1;
    }
    return queued;
  }

  stop(): void {
    this.#subscription.unsubscribe();
    this.#pending.clear();
    this.#idle.resolve();
  }
}
