import { asyncScheduler, interval, map } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';

/**
 * Emits 'tick' every `ms`, the first time after one full period, not at once (an interval trigger: the periodic
 * resync, the health interval). At start-up the initial list already triggers a reconciliation, so an immediate
 * tick would only repeat it.
 */
export function every(ms: number, scheduler: SchedulerLike = asyncScheduler): Observable<'tick'> {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`every(ms): ms must be a positive number of milliseconds, got ${ms}`);
  }
  return interval(ms, scheduler).pipe(map(() => 'tick' as const));
}
