import { describe, expect, it } from '@jest/globals';
import { NEVER, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { HealthTarget, SettledCheck } from '../../../src/health/health-book.ts';
import type { HealthVerdict } from '../../../src/health/verdict.ts';
import { controllerPipeline, type PipelineTiming, type PipelineWork } from '../../../src/controller/pipeline.ts';
import type { ReconcileRequest, ReconcileResult } from '../../../src/controller/reconcile-step.ts';
import type { InPlaceResult } from '../../../src/output/in-place-reloader.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const timing = (scheduler: TestScheduler, overrides: Partial<PipelineTiming> = {}): PipelineTiming => ({
  quietWindowMs: 5, maxDelayMs: 20, resyncIntervalMs: 1_000_000, healthIntervalMs: 1_000_000, checkConcurrency: 2, checkTimeoutMs: 100,
  retryDelayMs: (attempt) => 10 * attempt, scheduler, ...overrides,
});
const ok: HealthVerdict = { healthy: true, status: 200, durationMs: 1 };
const target = (key: string): HealthTarget => ({ key, type: 'prometheus', toolset: 'prometheus/metrics', healthUrl: `http://${key}/-/healthy` });
const change = (at: number): ReconcileRequest => ({ fullRecheck: false, firstEventAt: at });
const plain: ReconcileRequest = { fullRecheck: false };
const full: ReconcileRequest = { fullRecheck: true };
const done: ReconcileResult = { outcome: 'written' };
const planned: ReconcileResult = { outcome: 'planned' };

/** Work whose reconciles take `runMs` of virtual time, start the checks `due(n)` names, and are recorded with the frame they started at. */
function recordingWork(scheduler: TestScheduler, cold: (marbles: string, values?: Record<string, unknown>) => Observable<unknown>, runMs = 1, due: (n: number) => HealthTarget[] = () => []) {
  const runs: { at: number; request: ReconcileRequest }[] = [];
  const relists: number[] = [];
  const work: PipelineWork = {
    reconcile: (request, startChecks) => {
      runs.push({ at: scheduler.now(), request });
      startChecks(due(runs.length));
      return cold(`${runMs}ms (r|)`, { r: done }) as Observable<ReconcileResult>;
    },
    check: () => NEVER,
    settle: () => ({ changed: false, idle: false }),
    relist: () => relists.push(scheduler.now()),
    onRetry: () => {},
  };
  return { work, runs, relists };
}

/** Subscribes for `ms` of virtual time: the resync and health timers never end, so every run must. */
function runFor(scheduler: TestScheduler, pipeline: Observable<ReconcileResult>, ms: number): void {
  const subscription = pipeline.subscribe();
  scheduler.schedule(() => subscription.unsubscribe(), ms);
}

describe('controllerPipeline in virtual time', () => {
  it('coalesces a burst of changes into one reconcile after the quiet window, carrying the first change time', () => {
    const scheduler = testScheduler();
    let runs: { at: number; request: ReconcileRequest }[] = [];
    scheduler.run(({ hot, cold, expectObservable }) => {
      const w = recordingWork(scheduler, cold);
      runs = w.runs;
      const changes$ = hot('a 1ms b 1ms c', { a: change(0), b: change(2), c: change(4) });
      expectObservable(controllerPipeline({ changes$, urgent$: NEVER }, w.work, timing(scheduler)), '^ 30ms !').toBe('10ms r', { r: done });
    });
    expect(runs).toEqual([{ at: 9, request: change(0) }]);
  });

  it('reconciles at the max delay through a steady storm of changes', () => {
    const scheduler = testScheduler();
    let runs: { at: number; request: ReconcileRequest }[] = [];
    scheduler.run(({ hot, cold }) => {
      const w = recordingWork(scheduler, cold);
      runs = w.runs;
      const changes$ = hot('x 2ms '.repeat(20), { x: change(0) });
      runFor(scheduler, controllerPipeline({ changes$, urgent$: NEVER }, w.work, timing(scheduler)), 100);
    });
    // Changes every 3 ms for 60 ms: never 5 ms of quiet, so each burst closes 20 ms after it opened.
    expect(runs.map((r) => r.at)).toEqual([20, 41, 62]);
  });

  it('runs one reconcile at a time and folds what arrived meanwhile into one trailing run', () => {
    const scheduler = testScheduler();
    let runs: { at: number; request: ReconcileRequest }[] = [];
    scheduler.run(({ hot, cold }) => {
      const w = recordingWork(scheduler, cold, 30);
      runs = w.runs;
      // One change at 0; urgent triggers at 10, 15 and 20 while that run (5-35) is in flight.
      const urgent$ = hot('10ms u 4ms u 4ms u');
      runFor(scheduler, controllerPipeline({ changes$: hot('a', { a: change(0) }), urgent$ }, w.work, timing(scheduler)), 100);
    });
    expect(runs).toEqual([{ at: 5, request: change(0) }, { at: 35, request: plain }]);
  });

  it('retries a failed reconcile with backoff until it succeeds; a new trigger cuts the wait short, and still gets its own run', () => {
    const scheduler = testScheduler();
    let runs: { at: number; request: ReconcileRequest }[] = [];
    const retries: number[] = [];
    scheduler.run(({ hot, cold, expectObservable }) => {
      const w = recordingWork(scheduler, cold);
      runs = w.runs;
      let attempt = 0;
      w.work.reconcile = (request) => {
        runs.push({ at: scheduler.now(), request });
        return ++attempt <= 2 ? cold('1ms #', undefined, new Error('API server down')) : cold('1ms (r|)', { r: done });
      };
      w.work.onRetry = (_error, n) => retries.push(n);
      const urgent$ = hot('u 15ms u');
      expectObservable(controllerPipeline({ changes$: NEVER, urgent$ }, w.work, timing(scheduler)), '^ 60ms !').toBe('17ms r r', { r: done });
    });
    // Fails at 1 and, after a wait of 10 ms, at 12; the urgent trigger at 16 ends the 20-ms wait: succeeds 16-17;
    // that trigger's own (trailing) run follows at 17.
    expect(runs.map((r) => r.at)).toEqual([0, 11, 16, 17]);
    expect(retries).toEqual([1, 2]);
  });

  it('a trigger that arrived while the failing attempt ran retries at once after it, without a backoff wait', () => {
    const scheduler = testScheduler();
    let runs: { at: number; request: ReconcileRequest }[] = [];
    scheduler.run(({ hot, cold }) => {
      const w = recordingWork(scheduler, cold);
      runs = w.runs;
      let attempt = 0;
      w.work.reconcile = (request) => {
        runs.push({ at: scheduler.now(), request });
        return ++attempt === 1 ? cold('5ms #', undefined, new Error('conflict')) : cold('1ms (r|)', { r: done });
      };
      // The second trigger (at 2) arrives during the first attempt (0-5), which then fails.
      runFor(scheduler, controllerPipeline({ changes$: NEVER, urgent$: hot('u 1ms u') }, w.work, timing(scheduler)), 100);
    });
    // Retried at 5 (not after the 10 ms backoff), then the folded trigger's own run at 6.
    expect(runs.map((r) => r.at)).toEqual([0, 5, 6]);
  });

  it('relists and re-checks everything at each resync, and re-checks everything at each health interval', () => {
    const scheduler = testScheduler();
    let w: ReturnType<typeof recordingWork> | undefined;
    scheduler.run(({ cold }) => {
      w = recordingWork(scheduler, cold);
      runFor(scheduler, controllerPipeline({ changes$: NEVER, urgent$: NEVER }, w.work, timing(scheduler, { resyncIntervalMs: 100, healthIntervalMs: 70 })), 150);
    });
    expect(w?.relists).toEqual([100]);
    expect(w?.runs).toEqual([{ at: 75, request: full }, { at: 105, request: full }, { at: 145, request: full }]);
  });

  it('fans out the checks a reconcile hands back, at most `concurrency` at once, and reacts to their results', () => {
    const scheduler = testScheduler();
    const started: [string, number][] = [];
    const settledAt: [string, number, boolean][] = [];
    let runs: { at: number; request: ReconcileRequest }[] = [];
    scheduler.run(({ hot, cold }) => {
      const w = recordingWork(scheduler, cold, 1, (n) => (n === 1 ? [target('a'), target('b'), target('c')] : []));
      runs = w.runs;
      w.work.check = (t) => {
        started.push([t.key, scheduler.now()]);
        return cold('10ms (v|)', { v: ok });
      };
      let inFlight = 3;
      w.work.settle = (s: SettledCheck) => {
        inFlight -= 1;
        settledAt.push([s.item.key, scheduler.now(), s.ok]);
        // a's verdict changes the output; b's does not; c's is the last of the round.
        return { changed: s.item.key === 'a', idle: inFlight === 0 };
      };
      runFor(scheduler, controllerPipeline({ changes$: NEVER, urgent$: hot('u') }, w.work, timing(scheduler, { checkConcurrency: 2 })), 100);
    });
    // The reconcile at 0 starts a, b, c before it ends; two run at once, c after a frees a slot.
    expect(started).toEqual([['a', 0], ['b', 0], ['c', 10]]);
    expect(settledAt).toEqual([['a', 10, true], ['b', 10, true], ['c', 20, true]]);
    // a's change is debounced (10 + 5 quiet = 15); the end of the round (20) reconciles at once.
    expect(runs.map((r) => r.at)).toEqual([0, 15, 20]);
  });

  it('times out a check that never answers and records it as failed', () => {
    const scheduler = testScheduler();
    const settled: SettledCheck[] = [];
    scheduler.run(({ hot, cold }) => {
      const w = recordingWork(scheduler, cold, 1, (n) => (n === 1 ? [target('hang')] : []));
      w.work.settle = (s) => {
        settled.push(s);
        return { changed: true, idle: true };
      };
      runFor(scheduler, controllerPipeline({ changes$: NEVER, urgent$: hot('u') }, w.work, timing(scheduler, { checkTimeoutMs: 50 })), 2_000);
    });
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ item: target('hang'), ok: false, timedOut: true, durationMs: 1_050 });
  });

  it('re-checks a candidate left out after a failed check when its early re-check is due', () => {
    const scheduler = testScheduler();
    let runs: { at: number; request: ReconcileRequest }[] = [];
    const checked: number[] = [];
    scheduler.run(({ hot, cold }) => {
      // A one-candidate book: due when new, and again once its re-check time has come.
      let recheckAt = Infinity;
      const w = recordingWork(scheduler, cold, 1, (n) => {
        if (n > 1 && scheduler.now() < recheckAt) return [];
        recheckAt = Infinity;
        return [target('new')];
      });
      runs = w.runs;
      w.work.check = () => {
        checked.push(scheduler.now());
        return cold('2ms (v|)', { v: ok });
      };
      // Fails twice (re-check after 10 ms, then 20 ms); the third check brings it in.
      let settled = 0;
      w.work.settle = () => {
        settled += 1;
        if (settled === 3) return { changed: true, idle: true };
        recheckAt = scheduler.now() + 10 * settled;
        return { changed: settled === 1, idle: true, recheckInMs: 10 * settled };
      };
      runFor(scheduler, controllerPipeline({ changes$: NEVER, urgent$: hot('u') }, w.work, timing(scheduler)), 200);
    });
    // Checked at 0, failed at 2 (end of the round: reconcile at once); the re-check timer fires at 12 and its
    // reconcile (after the 5 ms quiet window) checks again at 17; failed at 19, timer at 39, checked at 44; in at 46.
    expect(checked).toEqual([0, 17, 44]);
    expect(runs.map((r) => r.at)).toEqual([0, 2, 17, 19, 44, 46]);
  });

  it('runs the checks a failing reconcile started, and the reconcile their result triggers picks them up', () => {
    const scheduler = testScheduler();
    const checked: [string, number][] = [];
    let runs: { at: number; request: ReconcileRequest }[] = [];
    scheduler.run(({ hot, cold }) => {
      const w = recordingWork(scheduler, cold);
      runs = w.runs;
      // Every attempt fails until 40 (a storm of conflicting writes); the first one found a new Service due.
      w.work.reconcile = (request, startChecks) => {
        runs.push({ at: scheduler.now(), request });
        if (runs.length === 1) startChecks([target('new')]);
        return scheduler.now() < 40 ? cold('1ms #', undefined, new Error('conflict')) : cold('1ms (r|)', { r: planned });
      };
      w.work.check = (t) => {
        checked.push([t.key, scheduler.now()]);
        return cold('3ms (v|)', { v: ok });
      };
      w.work.settle = () => ({ changed: true, idle: true });
      runFor(scheduler, controllerPipeline({ changes$: NEVER, urgent$: hot('u') }, w.work, timing(scheduler)), 200);
    });
    expect(checked).toEqual([['new', 0]]);
    // Attempts at 0, 3 (the check's result cut the 10-ms backoff short), 24 and 55 (20 and 30 ms backoff), which
    // succeeds; the check's result, folded meanwhile, gets its own trailing run right after.
    expect(runs.map((r) => r.at)).toEqual([0, 3, 24, 55, 56]);
  });

  it('handles in-place reload outcomes one at a time, in order, off the reconcile path, and stops with the composition', () => {
    const scheduler = testScheduler();
    const handled: { at: number; result: string }[] = [];
    let runs: { at: number; request: ReconcileRequest }[] = [];
    scheduler.run(({ hot, cold }) => {
      const w = recordingWork(scheduler, cold);
      runs = w.runs;
      // Handling an outcome takes 5 ms (a rollout after a failed reload, say).
      w.work.reloaded = (outcome) => {
        handled.push({ at: scheduler.now(), result: outcome.result });
        return cold('5ms |');
      };
      const outcome = (result: 'unchanged' | 'missing') => ({ result, hash: 'h' }) as InPlaceResult;
      const reloadOutcomes$ = hot('10ms a 1ms b 30ms c', { a: outcome('missing'), b: outcome('unchanged'), c: outcome('missing') });
      runFor(scheduler, controllerPipeline({ changes$: NEVER, urgent$: hot('u'), reloadOutcomes$ }, w.work, timing(scheduler)), 30);
    });
    // a at 10; b (at 12) waits for a's handling to end at 15; c (at 43) comes after the composition ended at 30.
    expect(handled).toEqual([{ at: 10, result: 'missing' }, { at: 15, result: 'unchanged' }]);
    // Reconciles do not wait for them.
    expect(runs.map((r) => r.at)).toEqual([0]);
  });
});
