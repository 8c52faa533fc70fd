import { describe, expect, it } from '@jest/globals';
import { HealthBook, type HealthTarget, type SettledCheck } from '../../../src/health/health-book.ts';
import type { HealthVerdict } from '../../../src/health/http-check.ts';
import { Metrics } from '../../../src/observe/metrics.ts';

const ok: HealthVerdict = { healthy: true, status: 200, durationMs: 1 };
const bad: HealthVerdict = { healthy: false, reason: 'HttpStatus', status: 503, message: 'HTTP 503', durationMs: 1 };
const target = (key: string, healthUrl = `http://${key}/health`): HealthTarget => ({ key, type: 'prometheus', toolset: 'prometheus/metrics', healthUrl });
const settled = (item: HealthTarget, value: HealthVerdict): SettledCheck => ({ item, ok: true, value, durationMs: 1 });
const book = () => new HealthBook({ failureThreshold: 2, metrics: new Metrics({ processMetrics: false }), now: () => new Date('2026-11-30T00:00:00Z') });

describe('HealthBook', () => {
  it('hands out new targets as due, counts them in flight, and says which result was the last', () => {
    const b = book();
    const due = b.due([target('a'), target('b')], false);
    expect(due.map((t) => t.key)).toEqual(['a', 'b']);
    expect(b.record('a')).toBeUndefined();
    expect([b.checking('a'), b.idle]).toEqual([true, false]);
    expect(b.settle(settled(target('a'), ok))).toEqual({ changed: true, idle: false });
    expect(b.settle(settled(target('b'), bad))).toEqual({ changed: true, idle: true });
    expect(b.record('a')).toMatchObject({ included: true, consecutiveFailures: 0, lastCheckedAt: '2026-11-30T00:00:00.000Z' });
    expect(b.record('b')).toMatchObject({ included: false, consecutiveFailures: 1 });
    expect(b.checking('a')).toBe(false);
  });

  it('re-checks only what changed, unless asked for a full round; never hands out the same URL twice', () => {
    const b = book();
    b.due([target('a'), target('b')], false);
    expect(b.due([target('a'), target('b')], false)).toEqual([]);
    b.settle(settled(target('a'), ok));
    b.settle(settled(target('b'), ok));
    expect(b.due([target('a'), target('b')], false)).toEqual([]);
    expect(b.due([target('a', 'http://a/new'), target('b')], false)).toEqual([target('a', 'http://a/new')]);
    b.settle(settled(target('a', 'http://a/new'), ok));
    expect(b.due([target('a', 'http://a/new'), target('b')], true)).toHaveLength(2);
  });

  it('says which results can change the output: a first verdict, a new URL, a toolset going in or out', () => {
    const b = book();
    const round = (url: string, verdict: HealthVerdict) => {
      b.due([target('a', url)], true);
      return b.settle(settled(target('a', url), verdict)).changed;
    };
    const changes = [
      round('http://a/1', ok), // first verdict: in
      round('http://a/1', ok), // still in
      round('http://a/1', bad), // one failure of two: still in
      round('http://a/1', bad), // second failure: out
      round('http://a/1', bad), // still out
      round('http://a/2', bad), // new URL: a fresh record
      round('http://a/2', ok), // back in
    ];
    expect(changes).toEqual([true, false, false, true, false, true, true]);
  });

  it('records a timeout or a failed request as an unhealthy verdict with its reason', () => {
    const b = book();
    b.due([target('a'), target('b')], false);
    b.settle({ item: target('a'), ok: false, error: new Error('timed out after 5000ms'), timedOut: true, durationMs: 5000 });
    b.settle({ item: target('b'), ok: false, error: new Error('connect ECONNREFUSED'), timedOut: false, durationMs: 2 });
    expect(b.record('a')?.lastVerdict).toMatchObject({ healthy: false, reason: 'Timeout' });
    expect(b.record('b')?.lastVerdict).toMatchObject({ healthy: false, reason: 'ConnectionFailed', message: 'connect ECONNREFUSED' });
  });

  it('forgets targets that are no longer candidates', () => {
    const b = book();
    b.due([target('a')], false);
    b.settle(settled(target('a'), ok));
    b.due([], false);
    expect(b.record('a')).toBeUndefined();
  });

  it('a result for an URL replaced meanwhile leaves the newer check in flight', () => {
    const b = book();
    b.due([target('a', 'http://a/1')], false);
    b.due([target('a', 'http://a/2')], false);
    expect(b.settle(settled(target('a', 'http://a/1'), ok)).idle).toBe(false);
    expect(b.checking('a')).toBe(true);
  });
});
