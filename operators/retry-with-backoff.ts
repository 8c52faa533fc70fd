import { asyncScheduler, retry, timer } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';

export interface RetryWithBackoffOptions {
  /** Delay before retry number `attempt` (1-based), e.g. exponential with jitter. */
  delayMs: (attempt: number) => number;
  /** Told about each failure before its retry is scheduled (to log or count it). */
  onRetry?: (error: unknown, attempt: number) => void;
  scheduler?: SchedulerLike;
}

/**
 * Resubscribes to the source after each error, without limit, waiting `delayMs(attempt)` first. For work that
 * must eventually succeed (a reconcile against an API server that is down for a while): giving up would leave the
 * output stale until some unrelated change happened to trigger another run.
 */
export function retryWithBackoff<T>(options: RetryWithBackoffOptions): MonoTypeOperatorFunction<T> {
  const { delayMs, onRetry, scheduler = asyncScheduler } = options;
  return retry({
    delay: (error: unknown, attempt: number) => {
      onRetry?.(error, attempt);
      return timer(delayMs(attempt), scheduler);
    },
  });
}
