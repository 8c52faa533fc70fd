import { asyncScheduler, interval, map } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';

/**
 * Emits 'resync' every `periodMs`, the first time after one full period: at start-up the initial list already
 * triggers a reconciliation, so an immediate resync would only repeat it.
 */
export function resyncTrigger(periodMs: number, scheduler: SchedulerLike = asyncScheduler): Observable<'resync'> {
  if (!Number.isFinite(periodMs) || periodMs <= 0) {
    throw new RangeError(`periodMs must be a positive number of milliseconds, got ${periodMs}`);
  }
  return interval(periodMs, scheduler).pipe(map(() => 'resync' as const));
}
