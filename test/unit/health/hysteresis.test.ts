import { describe, expect, it } from '@jest/globals';
import type { HealthVerdict } from '../../../src/health/verdict.ts';
import { needsCheck, nextRecord, type HealthRecord } from '../../../src/health/hysteresis.ts';

const OK: HealthVerdict = { healthy: true, status: 200, durationMs: 3 };
const FAIL: HealthVerdict = { healthy: false, status: 503, reason: 'HttpStatus', message: 'GET http://x/: HTTP 503', durationMs: 4 };
const URL_A = 'http://prom.monitoring.svc.cluster.local:9090/-/healthy';
const URL_B = 'http://prom.monitoring.svc.cluster.local:9091/-/healthy';
const T0 = new Date('2025-03-04T05:06:07.000Z');

/** Feeds a sequence of verdicts ('S' success, 'F' failure) for one URL and returns every record. */
function run(sequence: string, threshold: number, url = URL_A, start?: HealthRecord): HealthRecord[] {
  const records: HealthRecord[] = [];
  let previous = start;
  [...sequence].forEach((step, i) => {
    previous = nextRecord(previous, url, step === 'S' ? OK : FAIL, threshold, new Date(T0.getTime() + i * 1000));
    records.push(previous);
  });
  return records;
}

const included = (records: HealthRecord[]) => records.map((r) => r.included);
const failures = (records: HealthRecord[]) => records.map((r) => r.consecutiveFailures);

describe('nextRecord', () => {
  it('a new candidate enters after one success', () => {
    expect(nextRecord(undefined, URL_A, OK, 2, T0)).toEqual({
      healthUrl: URL_A,
      included: true,
      consecutiveFailures: 0,
      lastVerdict: OK,
      lastCheckedAt: '2025-03-04T05:06:07.000Z',
    });
  });

  it('a new candidate that fails stays out, however high the threshold', () => {
    for (const threshold of [1, 2, 5, 100]) {
      expect(nextRecord(undefined, URL_A, FAIL, threshold, T0)).toEqual({
        healthUrl: URL_A,
        included: false,
        consecutiveFailures: 1,
        lastVerdict: FAIL,
        lastCheckedAt: T0.toISOString(),
      });
    }
  });

  it('a candidate that never succeeded stays out while it keeps failing, and enters on its first success', () => {
    const records = run('FFFFS', 2);
    expect(included(records)).toEqual([false, false, false, false, true]);
    expect(failures(records)).toEqual([1, 2, 3, 4, 0]);
  });

  it.each([
    [1, 'SF', [true, false]],
    [2, 'SFF', [true, true, false]],
    [3, 'SFFF', [true, true, true, false]],
    [4, 'SFFFF', [true, true, true, true, false]],
  ])('with failureThreshold %i an included candidate leaves after that many consecutive failures (%s)', (threshold, sequence, expected) => {
    expect(included(run(sequence, threshold))).toEqual(expected);
  });

  it.each([
    [1, 'SFS', [true, false, true]],
    [2, 'SFSFSF', [true, true, true, true, true, true]],
    [3, 'SFFSFFSFF', [true, true, true, true, true, true, true, true, true]],
    [3, 'SFFSFFF', [true, true, true, true, true, true, false]],
  ])('with failureThreshold %i a success resets the failure count (%s)', (threshold, sequence, expected) => {
    const records = run(sequence, threshold);
    expect(included(records)).toEqual(expected);
    const lastSuccess = sequence.lastIndexOf('S');
    expect(records[lastSuccess]?.consecutiveFailures).toBe(0);
  });

  it('counts failures past the threshold and stays out until a success', () => {
    const records = run('SFFFFS', 2);
    expect(failures(records)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(included(records)).toEqual([true, true, false, false, false, true]);
  });

  it('records the last verdict and check time', () => {
    const [first, second] = run('SF', 3);
    expect(first?.lastVerdict).toBe(OK);
    expect(first?.lastCheckedAt).toBe('2025-03-04T05:06:07.000Z');
    expect(second?.lastVerdict).toBe(FAIL);
    expect(second?.lastCheckedAt).toBe('2025-03-04T05:06:08.000Z');
  });

  it('a changed healthUrl restarts the record: failures do not carry over', () => {
    const [before] = run('SF', 3).slice(-1);
    expect(before).toMatchObject({ included: true, consecutiveFailures: 1 });
    const after = nextRecord(before, URL_B, FAIL, 3, T0);
    expect(after).toMatchObject({ healthUrl: URL_B, consecutiveFailures: 1, included: false });
  });

  it('a changed healthUrl restarts the record: a success enters at once', () => {
    const [before] = run('SFFF', 3).slice(-1);
    expect(before?.included).toBe(false);
    expect(nextRecord(before, URL_B, OK, 3, T0)).toMatchObject({ healthUrl: URL_B, included: true, consecutiveFailures: 0 });
  });

  it('does not change the previous record', () => {
    const previous = nextRecord(undefined, URL_A, OK, 2, T0);
    const copy = structuredClone(previous);
    nextRecord(previous, URL_A, FAIL, 2, T0);
    expect(previous).toEqual(copy);
  });
});

describe('needsCheck', () => {
  const record = nextRecord(undefined, URL_A, OK, 2, T0);

  it.each([
    ['never checked', undefined, URL_A, false, true],
    ['never checked, full recheck', undefined, URL_A, true, true],
    ['unchanged URL', record, URL_A, false, false],
    ['unchanged URL, full recheck (resync)', record, URL_A, true, true],
    ['changed URL', record, URL_B, false, true],
    ['changed URL, full recheck', record, URL_B, true, true],
  ] as const)('%s → %s', (_title, previous, url, full, expected) => {
    expect(needsCheck(previous, url, full, T0)).toBe(expected);
  });

  it('an unhealthy but unchanged candidate is not re-checked on an event before its early re-check is due', () => {
    const failed = nextRecord(undefined, URL_A, FAIL, 2, T0);
    expect(needsCheck(failed, URL_A, false, T0)).toBe(false);
    const recheckAt = new Date(T0.getTime() + 1_000);
    const scheduled = { ...failed, recheckAt: recheckAt.toISOString() };
    expect(needsCheck(scheduled, URL_A, false, new Date(recheckAt.getTime() - 1))).toBe(false);
    expect(needsCheck(scheduled, URL_A, false, recheckAt)).toBe(true);
  });
});
