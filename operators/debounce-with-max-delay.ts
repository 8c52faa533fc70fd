import { asyncScheduler, Observable } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';

export interface DebounceOptions<T> {
  scheduler?: SchedulerLike;
  /** Folds each value into the pending one (default: keep the latest), so a burst can carry what all its values said. */
  combine?: (pending: T, next: T) => T;
}

/**
 * Emits the latest value once the source has been quiet for `quietWindowMs`, and at the latest `maxDelayMs` after the first
 * value of the burst. A plain debounce would let a steady storm of events (a flapping Pod, a busy namespace) postpone
 * the emission forever. After each emission the next value starts a new burst; on completion a pending value is
 * flushed at once; an error drops the pending value and propagates.
 */
export function debounceWithMaxDelay<T>(
  quietWindowMs: number,
  maxDelayMs: number,
  options: DebounceOptions<T> = {},
): OperatorFunction<T, T> {
  const { scheduler = asyncScheduler, combine = (_pending: T, next: T) => next } = options;
  if (!isPositive(quietWindowMs)) throw new RangeError(`quietWindowMs must be a positive number of milliseconds, got ${quietWindowMs}`);
  if (!isPositive(maxDelayMs) || maxDelayMs < quietWindowMs) {
    throw new RangeError(`maxDelayMs must be a number of milliseconds of at least quietWindowMs (${quietWindowMs}), got ${maxDelayMs}`);
  }

  return (source) =>
    new Observable<T>((subscriber) => {
      // Boxed so that `undefined` stays a value like any other.
      let pending: { value: T } | undefined;
      let burstStart = 0;
      let quietTimer: Subscription | undefined;
      let maxTimer: Subscription | undefined;

      const cancelTimers = () => {
        quietTimer?.unsubscribe();
        maxTimer?.unsubscribe();
        quietTimer = maxTimer = undefined;
      };

      const emit = () => {
        cancelTimers();
        if (!pending) return;
        const { value } = pending;
        // Cleared before next() so that a value fed back synchronously opens a fresh burst.
        pending = undefined;
        subscriber.next(value);
      };

      const subscription = source.subscribe({
        next: (value) => {
          // An event arriving at the very instant of the deadline may be delivered before the deadline's own timer;
          // closing the burst here keeps its window [start, start + max) whatever order the scheduler picks.
          if (pending && scheduler.now() - burstStart >= maxDelayMs) emit();
          if (!pending) {
            burstStart = scheduler.now();
            maxTimer = scheduler.schedule(emit, maxDelayMs);
          }
          pending = pending ? { value: combine(pending.value, value) } : { value };
          quietTimer?.unsubscribe();
          quietTimer = scheduler.schedule(emit, quietWindowMs);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          emit();
          subscriber.complete();
        },
      });

      return () => {
        subscription.unsubscribe();
        cancelTimers();
      };
    });
}

function isPositive(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0;
}
