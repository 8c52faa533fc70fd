import { asyncScheduler, NEVER, race, retry, take, timer } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs';

export interface RetryWithBackoffOptions {
  /** Delay before retry number `attempt` (1-based), e.g. exponential with jitter. */
  delayMs: (attempt: number) => number;
  /** Ends a wait early: the retry runs at once when this emits (new work arrived, so waiting helps nobody). */
  until?: Observable<unknown>;
  /** Told about each failure before its retry is scheduled (to log or count it). */
  onRetry?: (error: unknown, attempt: number) => void;
  scheduler?: SchedulerLike;
}

/**
 * Resubscribes to the source after each error, without limit, waiting `delayMs(attempt)` first, or less when
 * `until` emits. For work that must eventually succeed (a reconcile against an API server that is down for a
 * while): giving up would leave the output stale until some unrelated change happened to trigger another run, and
 * waiting out a long backoff while new changes arrive would hold those changes back.
 */
export function retryWithBackoff<T>(options: RetryWithBackoffOptions): MonoTypeOperatorFunction<T> {
  const { delayMs, until = NEVER, onRetry, scheduler = asyncScheduler } = options;
  return retry({
    delay: (error: unknown, attempt: number) => {
      onRetry?.(error, attempt);
      return race(timer(delayMs(attempt), scheduler), until).pipe(take(1));
    },
  });
}
