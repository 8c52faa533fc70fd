import { Observable, Subject } from 'rxjs';
import type { OperatorFunction, Subscription } from 'rxjs';

/**
 * Runs `project` for one value at a time. Values that arrive while a run is in flight are not dropped (as with
 * exhaustMap) nor queued one by one (as with concatMap): they are folded with `combine` into a single pending value
 * that runs right after, so a burst during a long run costs exactly one more run. Completes once the source has
 * completed and nothing is running or pending; an error of a run propagates (retry inside `project` to avoid it).
 *
 * `project` also gets the run's `arrivals$`, which emits each time a value arrives (and is folded) while that run is
 * in flight: a run that is retrying can stop waiting, since another run is owed anyway.
 */
export function oneAtATime<T, R>(
  project: (value: T, arrivals$: Observable<void>) => Observable<R>,
  combine: (pending: T, next: T) => T = (_pending, next) => next,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let running: { run: Subscription; arrivals: Subject<void> } | undefined;
      let pending: { value: T } | undefined;
      let sourceDone = false;
      const start = (value: T) => {
        let finished = false;
        const arrivals = new Subject<void>();
        const run = project(value, arrivals.asObservable()).subscribe({
          next: (result) => subscriber.next(result),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            finished = true;
            running = undefined;
            arrivals.complete();
            const next = pending;
            pending = undefined;
            if (next) start(next.value);
            else if (sourceDone) subscriber.complete();
          },
        });
        // A run that completed synchronously has already started its successor; do not overwrite that one.
        if (!finished) running = { run, arrivals };
      };
      const subscription = source.subscribe({
        next: (value) => {
          if (running) {
            pending = pending ? { value: combine(pending.value, value) } : { value };
            running.arrivals.next();
          } else {
            start(value);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!running) subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        running?.run.unsubscribe();
      };
    });
}
