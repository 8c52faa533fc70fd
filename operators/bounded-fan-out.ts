import { asyncScheduler, catchError, defer, finalize, first, map, mergeMap, of, tap, throwError, timeout } from 'rxjs';
import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';

/** The outcome of one item's work; failures are values so that one bad item never ends the stream. */
export type Settled<T, R> =
  | { item: T; ok: true; value: R; durationMs: number }
  | { item: T; ok: false; error: Error; timedOut: boolean; durationMs: number };

export interface BoundedFanOutOptions {
  /** Most items in flight at once, so that a large batch cannot flood the targets or the event loop. */
  concurrency: number;
  /** Budget of each item, from the start of its work. */
  timeoutMs: number;
  scheduler?: SchedulerLike;
}

/**
 * Runs `work` for each item, at most `concurrency` at a time, and emits one `Settled` per item in completion order.
 * The first value of `work` is its result. The signal is aborted when the item times out or the consumer unsubscribes
 * before it settles, so that an HTTP request is really cancelled rather than merely ignored.
 */
export function boundedFanOut<T, R>(
  work: (item: T, signal: AbortSignal) => Observable<R> | Promise<R>,
  options: BoundedFanOutOptions,
): OperatorFunction<T, Settled<T, R>> {
  const { concurrency, timeoutMs, scheduler = asyncScheduler } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }

  return mergeMap(
    (item) =>
      defer(() => {
        const controller = new AbortController();
        const started = scheduler.now();
        const elapsed = () => scheduler.now() - started;
        // Compared by identity, so that a TimeoutError raised inside `work` itself counts as an ordinary failure.
        const expired = new Error(`timed out after ${timeoutMs}ms`);
        let settled = false;

        // Deferred so that a synchronous throw in `work` becomes an error notification like any other.
        return defer(() => work(item, controller.signal)).pipe(
          first(),
          timeout({
            first: timeoutMs,
            scheduler,
            with: () => {
              controller.abort(expired);
              return throwError(() => expired);
            },
          }),
          map((value): Settled<T, R> => ({ item, ok: true, value, durationMs: elapsed() })),
          catchError((error: unknown) =>
            of<Settled<T, R>>({ item, ok: false, error: asError(error), timedOut: error === expired, durationMs: elapsed() }),
          ),
          tap(() => {
            settled = true;
          }),
          // Not after settling: the caller may still be reading a response body tied to the signal.
          finalize(() => {
            if (!settled) controller.abort(new Error('cancelled: the consumer unsubscribed'));
          }),
        );
      }),
    concurrency,
  );
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error), { cause: error });
}
