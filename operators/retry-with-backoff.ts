import { asyncScheduler, defer, finalize, NEVER, race, retry, take, timer } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable, SchedulerLike, Subscription } from 'rxjs';

export interface RetryWithBackoffOptions {
  /** Delay before retry number `attempt` (1-based), e.g. exponential with jitter. */
  delayMs: (attempt: number) => number;
  /**
   * New work: when this emits during an attempt or during the wait after it, the retry runs at once (waiting helps
   * nobody once there is more to do). Watched from the start of each attempt.
   */
  until?: Observable<unknown>;
  /** Told about each failure before its retry is scheduled (to log or count it). */
  onRetry?: (error: unknown, attempt: number) => void;
  scheduler?: SchedulerLike;
}

/**
 * Resubscribes to the source after each error, without limit, waiting `delayMs(attempt)` first, or not at all when
 * `until` emitted since that attempt began (or emits during the wait). For work that must eventually succeed (a
 * reconcile against an API server that is down for a while): giving up would leave the output stale until some
 * unrelated change happened to trigger another run, and waiting out a long backoff while new changes arrive would
 * hold those changes back.
 */
export function retryWithBackoff<T>(options: RetryWithBackoffOptions): MonoTypeOperatorFunction<T> {
  const { delayMs, until = NEVER, onRetry, scheduler = asyncScheduler } = options;
  return (source) => defer(() => {
    let arrived = false;
    let watching: Subscription | undefined;
    const attempt$ = defer(() => {
      arrived = false;
      watching?.unsubscribe();
      watching = until.subscribe(() => (arrived = true));
      return source;
    });
    return attempt$.pipe(
      retry({
        delay: (error: unknown, attempt: number) => {
          onRetry?.(error, attempt);
          return arrived ? timer(0, scheduler) : race(timer(delayMs(attempt), scheduler), until).pipe(take(1));
        },
      }),
      finalize(() => watching?.unsubscribe()),
    );
  });
}
