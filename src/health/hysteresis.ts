import type { HealthVerdict } from './verdict.ts';

/** What the operator remembers about one candidate's health between reconciles. */
export interface HealthRecord {
  /** The URL last checked: a change means the check inputs changed and the record starts again. */
  healthUrl: string;
  /** Whether the toolset is currently written to HolmesGPT's file. */
  included: boolean;
  consecutiveFailures: number;
  lastVerdict: HealthVerdict;
  lastCheckedAt: string;
  /** A candidate that is out and failed is checked again from this time on, without waiting for the interval. */
  recheckAt?: string;
}

/**
 * Hysteresis (SPEC §3): a new candidate enters after one success; an included one leaves only after
 * `failureThreshold` consecutive failures, so one dropped probe does not flap HolmesGPT's configuration.
 */
export function nextRecord(
  previous: HealthRecord | undefined,
  healthUrl: string,
  verdict: HealthVerdict,
  failureThreshold: number,
  now: Date,
): HealthRecord {
  const same = previous?.healthUrl === healthUrl ? previous : undefined;
  const failures = verdict.healthy ? 0 : (same?.consecutiveFailures ?? 0) + 1;
  const included = verdict.healthy ? true : (same?.included ?? false) && failures < failureThreshold;
  return { healthUrl, included, consecutiveFailures: failures, lastVerdict: verdict, lastCheckedAt: now.toISOString() };
}

/**
 * On an event only candidates whose check inputs changed (or that were never checked) are checked again, and those
 * left out whose early re-check is due.
 */
export function needsCheck(previous: HealthRecord | undefined, healthUrl: string, fullRecheck: boolean, now: Date): boolean {
  if (fullRecheck || previous === undefined || previous.healthUrl !== healthUrl) return true;
  return previous.recheckAt !== undefined && Date.parse(previous.recheckAt) <= now.getTime();
}

/** The health verdicts known so far, keyed by namespace/name. */
export interface HealthView {
  record(key: string): HealthRecord | undefined;
}
