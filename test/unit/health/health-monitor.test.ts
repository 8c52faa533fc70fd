import { afterEach, describe, expect, it } from '@jest/globals';
import { HealthMonitor, type HealthTarget } from '../../../src/health/health-monitor.ts';
import type { HealthVerdict } from '../../../src/health/http-check.ts';
import { Metrics } from '../../../src/observe/metrics.ts';

/** A checker whose answers the test releases by hand, so ordering is exact and nothing sleeps. */
class ManualChecker {
  readonly calls: { url: string; signal: AbortSignal; answer: (v: HealthVerdict) => void }[] = [];
  check = (url: string, signal: AbortSignal): Promise<HealthVerdict> =>
    new Promise((resolve) => this.calls.push({ url, signal, answer: resolve }));
}

const ok: HealthVerdict = { healthy: true, status: 200, durationMs: 1 };
const bad: HealthVerdict = { healthy: false, reason: 'HttpStatus', status: 503, message: 'HTTP 503', durationMs: 1 };
const target = (key: string, healthUrl = `http://${key}/health`): HealthTarget => ({ key, type: 'prometheus', healthUrl });

describe('HealthMonitor', () => {
  let monitor: HealthMonitor | undefined;
  afterEach(() => monitor?.stop());

  function make(checker: ManualChecker, results: boolean[] = [], options: { concurrency?: number; enabled?: boolean } = {}) {
    monitor = new HealthMonitor({
      enabled: options.enabled ?? true, concurrency: options.concurrency ?? 8, timeoutMs: 60_000, failureThreshold: 2,
      check: checker.check, metrics: new Metrics({ processMetrics: false }), onResult: (idle) => results.push(idle),
    });
    return monitor;
  }

  it('schedules new targets without waiting for them, and reports each result with whether it was the last', async () => {
    const checker = new ManualChecker();
    const results: boolean[] = [];
    const m = make(checker, results);
    expect(m.schedule([target('a'), target('b')], false)).toBe(2);
    expect(m.record('a')).toBeUndefined();
    expect(m.checking('a')).toBe(true);
    checker.calls[0]?.answer(ok);
    checker.calls[1]?.answer(bad);
    await m.idle();
    expect(results).toEqual([false, true]);
    expect(m.record('a')).toMatchObject({ included: true, consecutiveFailures: 0 });
    expect(m.record('b')).toMatchObject({ included: false, consecutiveFailures: 1 });
    expect(m.checking('a')).toBe(false);
  });

  it('re-checks only what changed, unless asked for a full round; never queues the same URL twice', async () => {
    const checker = new ManualChecker();
    const m = make(checker);
    m.schedule([target('a'), target('b')], false);
    expect(m.schedule([target('a'), target('b')], false)).toBe(0);
    for (const c of checker.calls) c.answer(ok);
    await m.idle();
    expect(m.schedule([target('a'), target('b')], false)).toBe(0);
    expect(m.schedule([target('a', 'http://a/new'), target('b')], false)).toBe(1);
    expect(checker.calls.at(-1)?.url).toBe('http://a/new');
    checker.calls.at(-1)?.answer(ok);
    await m.idle();
    expect(m.schedule([target('a', 'http://a/new'), target('b')], true)).toBe(2);
  });

  it('says which results can change the output: a first verdict, a new URL, a toolset going in or out', async () => {
    const checker = new ManualChecker();
    const changes: boolean[] = [];
    monitor = new HealthMonitor({
      enabled: true, concurrency: 8, timeoutMs: 60_000, failureThreshold: 2, check: checker.check,
      metrics: new Metrics({ processMetrics: false }), onResult: (_idle, changed) => changes.push(changed),
    });
    const round = async (url: string, verdict: HealthVerdict) => {
      monitor?.schedule([target('a', url)], true);
      checker.calls.at(-1)?.answer(verdict);
      await monitor?.idle();
    };
    await round('http://a/1', ok); // first verdict: in
    await round('http://a/1', ok); // still in
    await round('http://a/1', bad); // one failure of two: still in
    await round('http://a/1', bad); // second failure: out
    await round('http://a/1', bad); // still out
    await round('http://a/2', bad); // new URL: a fresh record
    await round('http://a/2', ok); // back in
    expect(changes).toEqual([true, false, false, true, false, true, true]);
  });

  it('keeps at most `concurrency` checks in flight', async () => {
    const checker = new ManualChecker();
    const m = make(checker, [], { concurrency: 2 });
    m.schedule([target('a'), target('b'), target('c'), target('d')], false);
    expect(checker.calls).toHaveLength(2);
    checker.calls[0]?.answer(ok);
    // The freed slot is taken within a few microtasks, and only one.
    for (let i = 0; i < 20 && checker.calls.length < 3; i++) await Promise.resolve();
    expect(checker.calls).toHaveLength(3);
  });

  it('forgets targets that are no longer candidates', async () => {
    const checker = new ManualChecker();
    const m = make(checker);
    m.schedule([target('a')], false);
    checker.calls[0]?.answer(ok);
    await m.idle();
    m.schedule([], false);
    expect(m.record('a')).toBeUndefined();
  });

  it('with checking disabled, every target is healthy at once and nothing is requested', () => {
    const checker = new ManualChecker();
    const m = make(checker, [], { enabled: false });
    expect(m.schedule([target('a')], true)).toBe(0);
    expect(m.record('a')).toMatchObject({ included: true });
    expect(checker.calls).toHaveLength(0);
  });

  it('stop() aborts checks in flight', () => {
    const checker = new ManualChecker();
    const m = make(checker);
    m.schedule([target('a')], false);
    m.stop();
    expect(checker.calls[0]?.signal.aborted).toBe(true);
  });
});
