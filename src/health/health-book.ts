import { from, lastValueFrom, map, toArray } from 'rxjs';
import { boundedFanOut, type Settled } from '../../operators/index.ts';
import type { Metrics } from '../observe/metrics.ts';
import { nextRecord, needsCheck, type HealthRecord, type HealthView } from './hysteresis.ts';
import type { HealthVerdict } from './verdict.ts';
import type { McpMode } from '../discovery/mcp-mode.ts';
import { backstopMs } from './deadline.ts';

export type HealthChecker = (target: HealthTarget, signal: AbortSignal) => Promise<HealthVerdict>;

/** What a health check needs to know of a candidate. */
export interface HealthTarget {
  key: string;
  type: string;
  healthUrl: string;
  /** The name it is written under (an MCP server's tools are checked against the names HolmesGPT derives from it). */
  toolset: string;
  /** Set for MCP servers: checked with the MCP handshake over this transport instead of a GET. */
  mcpMode?: McpMode;
  /** The GET must also answer JSON. */
  healthJson?: boolean;
  /** From a trusted namespace: checked before any tenant's (a tenant's hanging targets never delay the platform's). */
  trusted?: boolean;
}

export type SettledCheck = Settled<HealthTarget, HealthVerdict>;

/** What a settled check means for the output. */
export interface SettleOutcome {
  /** It can change the output. */
  changed: boolean;
  /** It was the last check in flight. */
  idle: boolean;
  /** The candidate is out and failed: check it again after this long (the pipeline schedules a reconcile). */
  recheckInMs?: number;
}

/**
 * The health verdicts and the checks in flight. It decides which candidates are due for a check and records what
 * the checks found; the checks themselves run elsewhere (the controller's pipeline fans them out), so a hanging
 * target delays nothing but its own verdict.
 */
export class HealthBook implements HealthView {
  readonly #failureThreshold: number;
  readonly #recheckFailedMs: ((failures: number) => number) | undefined;
  readonly #metrics: Metrics;
  readonly #now: () => Date;
  readonly #records = new Map<string, HealthRecord>();
  /** key → URL being checked. */
  readonly #pending = new Map<string, string>();

  /**
   * `recheckFailedMs(consecutiveFailures)`: how soon a candidate that is out and failed is checked again. A Service
   * annotated before its pods are ready fails its first check; without this it would wait a whole health interval
   * after they became ready. Left out for one-shot checking (render), where nothing is checked twice.
   */
  constructor(options: { failureThreshold: number; metrics: Metrics; now?: () => Date; recheckFailedMs?: (failures: number) => number }) {
    this.#failureThreshold = options.failureThreshold;
    this.#recheckFailedMs = options.recheckFailedMs;
    this.#metrics = options.metrics;
    this.#now = options.now ?? (() => new Date());
  }

  record(key: string): HealthRecord | undefined {
    return this.#records.get(key);
  }

  /** A check of this key is in flight. */
  checking(key: string): boolean {
    return this.#pending.has(key);
  }

  /** No check is in flight. */
  get idle(): boolean {
    return this.#pending.size === 0;
  }

  /**
   * The targets to check now: those whose inputs changed or that were never checked, or all with `full`; never a
   * URL already in flight. They count as in flight from here on. Forgets targets that are no longer candidates.
   */
  due(targets: readonly HealthTarget[], full: boolean): HealthTarget[] {
    const keys = new Set(targets.map((t) => t.key));
    for (const key of this.#records.keys()) if (!keys.has(key)) this.#records.delete(key);
    const due: HealthTarget[] = [];
    const now = this.#now();
    for (const t of targets) {
      if (this.#pending.get(t.key) === t.healthUrl) continue;
      if (!needsCheck(this.#records.get(t.key), t.healthUrl, full, now)) continue;
      this.#pending.set(t.key, t.healthUrl);
      due.push(t);
    }
    return due;
  }

  /**
   * Records a finished check. `changed` when it can change the output (a first verdict, a new URL, a toolset going
   * in or out: a round of 5,000 unchanged results must not keep the reconcile debounce busy); `idle` when it was
   * the last in flight; `recheckInMs` when a candidate that is out should be checked again early.
   */
  settle(settled: SettledCheck): SettleOutcome {
    const target = settled.item;
    const verdict: HealthVerdict = settled.ok
      ? settled.value
      : { healthy: false, reason: settled.timedOut ? 'Timeout' : 'ConnectionFailed', message: settled.error.message, durationMs: settled.durationMs };
    this.#metrics.healthChecks.inc({ type: target.type, result: verdict.healthy ? 'healthy' : verdict.reason });
    this.#metrics.healthCheckDuration.observe({ type: target.type }, verdict.durationMs / 1000);
    const previous = this.#records.get(target.key);
    const now = this.#now();
    const next: HealthRecord = nextRecord(previous, target.healthUrl, verdict, this.#failureThreshold, now);
    // Only a candidate that is out is re-checked early: an included one keeps its hysteresis (SPEC §3).
    const recheckInMs = !next.included && this.#recheckFailedMs ? this.#recheckFailedMs(next.consecutiveFailures) : undefined;
    if (recheckInMs !== undefined) next.recheckAt = new Date(now.getTime() + recheckInMs).toISOString();
    this.#records.set(target.key, next);
    if (this.#pending.get(target.key) === target.healthUrl) this.#pending.delete(target.key);
    // An MCP server whose tool list changed is re-announced (its Event names the tools HolmesGPT now offers).
    const toolsChanged = previous !== undefined && toolsOf(previous.lastVerdict) !== toolsOf(next.lastVerdict) && next.included;
    const changed = previous === undefined || previous.healthUrl !== next.healthUrl || previous.included !== next.included || toolsChanged;
    return { changed, idle: this.idle, ...(recheckInMs !== undefined ? { recheckInMs } : {}) };
  }
}

const toolsOf = (v: HealthVerdict): string | undefined => (v.healthy && v.tools ? v.tools.join(',') : undefined);

/**
 * Checks each target once, at most `concurrency` at a time, and records the verdicts (the offline `render
 * --check-health`); the checker's own timeout reports timeouts precisely, the fan-out's is a backstop past it.
 */
export async function checkAll(
  book: HealthBook,
  targets: readonly HealthTarget[],
  check: HealthChecker,
  options: { concurrency: number; timeoutMs: number },
): Promise<void> {
  const fanOut = { concurrency: options.concurrency, timeoutMs: backstopMs(options.timeoutMs) };
  await lastValueFrom(from(book.due(targets, true)).pipe(boundedFanOut((t: HealthTarget, signal) => check(t, signal), fanOut), map((s) => book.settle(s)), toArray()));
}
