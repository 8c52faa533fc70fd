import { asyncScheduler, concatMap, defer, EMPTY, filter, ignoreElements, map, merge, mergeMap, share, Subject, tap, timer } from 'rxjs';
import type { Observable, ObservableInput, SchedulerLike } from 'rxjs';
import { boundedFanOut, debounceWithMaxDelay, oneAtATime, every, retryWithBackoff } from '../../operators/index.ts';
import { backstopMs } from '../health/deadline.ts';
import type { HealthTarget, SettledCheck, SettleOutcome } from '../health/health-book.ts';
import type { HealthVerdict } from '../health/verdict.ts';
import type { InPlaceResult } from '../output/in-place-reloader.ts';
import { foldRequests, type ReconcileRequest, type ReconcileResult, type StartChecks } from './reconcile-step.ts';

export interface PipelineSources {
  /** Watch events that can change the output (relevant Services, the output ConfigMap, trust labels) and relists. */
  changes$: Observable<ReconcileRequest>;
  /** Reconcile at once, skipping the quiet window: the caches just synced, or this replica just became leader. */
  urgent$: Observable<unknown>;
  /** The outcomes of HolmesGPT's in-place reloads (reload.inPlace), which run off the reconcile path. */
  reloadOutcomes$?: Observable<InPlaceResult>;
}

export interface PipelineWork {
  /** One reconcile; rejects when it must be retried. Hands the health checks that became due to `startChecks`. */
  reconcile: (request: ReconcileRequest, startChecks: StartChecks) => ObservableInput<ReconcileResult>;
  check: (target: HealthTarget, signal: AbortSignal) => Promise<HealthVerdict> | Observable<HealthVerdict>;
  /** Records a check's verdict: whether it can change the output, was the last in flight, or is to be repeated soon. */
  settle: (settled: SettledCheck) => SettleOutcome;
  /** Relists every watch from the API server (the periodic resync). */
  relist: () => void;
  onRetry: (error: unknown, attempt: number) => void;
  /** What an in-place reload's outcome means (status, Events, the rollout fallback); handled one at a time, in order. */
  reloaded?: (outcome: InPlaceResult) => ObservableInput<void>;
}

export interface PipelineTiming {
  quietWindowMs: number;
  maxDelayMs: number;
  resyncIntervalMs: number;
  healthIntervalMs: number;
  checkConcurrency: number;
  checkTimeoutMs: number;
  retryDelayMs: (attempt: number) => number;
  scheduler?: SchedulerLike;
}

const CHANGED: ReconcileRequest = { fullRecheck: false };
const RECHECK_ALL: ReconcileRequest = { fullRecheck: true };

const FAIR_CHECKS = {
  group: (t: HealthTarget) => t.key.slice(0, t.key.indexOf('/')),
  rank: (t: HealthTarget) => (t.trusted ? 0 : 1),
};

/**
 * The controller as one composition (SPEC §1). Changes, the resync and health-interval timers, health results that
 * can change the output, and the early re-checks of failed candidates are debounced with a maximum delay; urgent
 * triggers and the end of a health round skip the quiet window. Reconciles run one at a time, with everything that arrived meanwhile folded into one
 * trailing run, and are retried with backoff until they succeed (a new trigger cuts a backoff wait short). Each
 * reconcile starts the checks that became due, before its write (whether or not the write then works); they fan
 * out with bounded concurrency and their results feed back in. Writing only what differs from the live ConfigMap
 * happens inside the reconcile, against the read-your-writes cache. The outcomes of HolmesGPT's in-place reloads,
 * which run off the reconcile path, are handled one at a time, in order, within the same composition.
 */
export function controllerPipeline(sources: PipelineSources, work: PipelineWork, timing: PipelineTiming): Observable<ReconcileResult> {
  const scheduler = timing.scheduler ?? asyncScheduler;
  return defer(() => {
    const due$ = new Subject<HealthTarget>();
    const startChecks: StartChecks = (targets) => {
      for (const target of targets) due$.next(target);
    };
    const settled$ = due$.pipe(
      // The checker reports its own timeouts precisely; the fan-out's is a backstop a little past it.
      // Waiting checks go trusted namespaces first, then one namespace after another: one tenant's thousand hanging
      // targets hold back its own checks, not everybody's.
      boundedFanOut(work.check, { concurrency: timing.checkConcurrency, timeoutMs: backstopMs(timing.checkTimeoutMs), scheduler, fair: FAIR_CHECKS }),
      map(work.settle),
      share(),
    );
    const quiet$ = merge(
      sources.changes$,
      every(timing.resyncIntervalMs, scheduler).pipe(tap(() => work.relist()), map(() => RECHECK_ALL)),
      every(timing.healthIntervalMs, scheduler).pipe(map(() => RECHECK_ALL)),
      settled$.pipe(filter((s) => s.changed && !s.idle), map(() => CHANGED)),
      // A candidate left out after a failed check is checked again by the reconcile its timer triggers.
      settled$.pipe(mergeMap((s) => (s.recheckInMs === undefined ? [] : timer(s.recheckInMs, scheduler))), map(() => CHANGED)),
    ).pipe(debounceWithMaxDelay(timing.quietWindowMs, timing.maxDelayMs, { scheduler, combine: foldRequests }));
    const now$ = merge(sources.urgent$, settled$.pipe(filter((s) => s.idle))).pipe(map(() => CHANGED));
    // In-place reloads run on their own (a reconcile only asks for one); what each outcome means is handled here, in
    // order, and ends with the composition.
    const reloaded$ = (sources.reloadOutcomes$ ?? EMPTY).pipe(
      concatMap((outcome) => defer(() => work.reloaded?.(outcome) ?? EMPTY)),
      ignoreElements(),
    );
    const reconciles$ = merge(quiet$, now$).pipe(
      oneAtATime(
        // A trigger during a failed attempt or its backoff wait retries at once: under a storm of conflicting writes
        // the next attempt must follow the next change, not a backoff that has grown meanwhile.
        (request: ReconcileRequest, arrivals$) => defer(() => work.reconcile(request, startChecks))
          .pipe(retryWithBackoff({ delayMs: timing.retryDelayMs, until: arrivals$, onRetry: work.onRetry, scheduler })),
        foldRequests,
      ),
    );
    return merge(reconciles$, reloaded$);
  });
}
