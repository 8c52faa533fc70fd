import { asyncScheduler, catchError, defer, finalize, first, map, mergeMap, Observable, of, Subscription, tap, throwError, timeout } from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';

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

/** Which waiting item starts next when a slot frees: the lowest rank first, and within a rank one group after another. */
export interface FairOrder<T> {
  group: (item: T) => string;
  rank: (item: T) => number;
}

/**
 * Runs `work` for each item, at most `concurrency` at a time, and emits one `Settled` per item in completion order.
 * The first value of `work` is its result. The signal is aborted when the item times out or the consumer unsubscribes
 * before it settles, so that an HTTP request is really cancelled rather than merely ignored. Items wait in arrival
 * order, or, with `fair`, by rank and then one group after another, so that one group's many (or slow) items cannot
 * hold back another group's.
 */
export function boundedFanOut<T, R>(
  work: (item: T, signal: AbortSignal) => Observable<R> | Promise<R>,
  options: BoundedFanOutOptions & { fair?: FairOrder<T> },
): OperatorFunction<T, Settled<T, R>> {
  const { concurrency, timeoutMs, scheduler = asyncScheduler, fair } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const settle = (item: T) => settleOne(work, item, timeoutMs, scheduler);
  return fair ? fairMerge(settle, concurrency, fair) : mergeMap(settle, concurrency);
}

function settleOne<T, R>(work: (item: T, signal: AbortSignal) => Observable<R> | Promise<R>, item: T, timeoutMs: number, scheduler: SchedulerLike): Observable<Settled<T, R>> {
  return defer(() => {
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
  });
}

/** mergeMap with a concurrency limit whose waiting items are taken by rank, then round-robin over their groups. */
function fairMerge<T, O>(project: (item: T) => Observable<O>, concurrency: number, order: FairOrder<T>): OperatorFunction<T, O> {
  return (source) => new Observable<O>((subscriber) => {
    // Insertion order is the round-robin order: a group that starts an item moves to the back.
    const waiting = new Map<string, { rank: number; items: T[] }>();
    const inner = new Subscription();
    let running = 0;
    let sourceDone = false;
    const take = (): T | undefined => {
      let best: [string, { rank: number; items: T[] }] | undefined;
      for (const entry of waiting) if (!best || entry[1].rank < best[1].rank) best = entry;
      if (!best) return undefined;
      const [group, queue] = best;
      const item = queue.items.shift() as T;
      waiting.delete(group);
      if (queue.items.length > 0) waiting.set(group, queue);
      return item;
    };
    const finishIfDone = () => {
      if (sourceDone && running === 0 && waiting.size === 0) subscriber.complete();
    };
    const pump = (): void => {
      while (running < concurrency) {
        const item = take();
        if (item === undefined) break;
        running += 1;
        inner.add(project(item).subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            running -= 1;
            pump();
            finishIfDone();
          },
        }));
      }
    };
    const outer = source.subscribe({
      next: (item) => {
        const group = order.group(item);
        const queue = waiting.get(group) ?? { rank: order.rank(item), items: [] };
        queue.items.push(item);
        if (!waiting.has(group)) waiting.set(group, queue);
        pump();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => {
        sourceDone = true;
        finishIfDone();
      },
    });
    return () => {
      outer.unsubscribe();
      inner.unsubscribe();
    };
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error), { cause: error });
}
