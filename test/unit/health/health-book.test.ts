import { describe, expect, it } from '@jest/globals';
import { HealthBook, type HealthTarget, type SettledCheck } from '../../../src/health/health-book.ts';
import type { HealthVerdict } from '../../../src/health/verdict.ts';
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

  it('an included MCP server whose tool list changed is a change of the output (its Event names the new tools); the same list is not', () => {
    const b = book();
    const mcp = { ...target('m'), type: 'mcp', mcpMode: 'streamable-http' as const };
    const tools = (...names: string[]): HealthVerdict => ({ healthy: true, status: 200, durationMs: 1, tools: names });
    b.due([mcp], false);
    expect(b.settle(settled(mcp, tools('list_incidents'))).changed).toBe(true);
    b.due([mcp], true);
    expect(b.settle(settled(mcp, tools('list_incidents'))).changed).toBe(false);
    b.due([mcp], true);
    expect(b.settle(settled(mcp, tools('list_incidents', 'delete_everything'))).changed).toBe(true);
    expect(b.record('m')?.lastVerdict).toMatchObject({ tools: ['list_incidents', 'delete_everything'] });
  });

  it('records a timeout or a failed request as an unhealthy verdict with its reason', () => {
    const b = book();
    b.due([target('a'), target('b')], false);
    b.settle({ item: target('a'), ok: false, error: new Error('timed out after 5000ms'), timedOut: true, durationMs: 5000 });
    b.settle({ item: target('b'), ok: false, error: new Error('connect ECONNREFUSED'), timedOut: false, durationMs: 2 });
    expect(b.record('a')?.lastVerdict).toMatchObject({ healthy: false, reason: 'Timeout' });
    expect(b.record('b')?.lastVerdict).toMatchObject({ healthy: false, reason: 'ConnectionFailed', message: 'connect ECONNREFUSED' });
  });

  it('schedules an early re-check, with the backoff it is given, only for a candidate that is out', () => {
    let now = new Date('2026-11-30T00:00:00Z');
    const b = new HealthBook({ failureThreshold: 2, metrics: new Metrics({ processMetrics: false }), now: () => now, recheckFailedMs: (n) => 1_000 * 2 ** (n - 1) });
    const check = (key: string, verdict: HealthVerdict) => {
      expect(b.due([target(key)], false)).toEqual([target(key)]);
      return b.settle(settled(target(key), verdict));
    };
    // A new Service whose pods are not ready yet: out, re-checked after 1 s, then 2 s.
    expect(check('new', bad)).toEqual({ changed: true, idle: true, recheckInMs: 1_000 });
    expect(b.due([target('new')], false)).toEqual([]);
    now = new Date(now.getTime() + 1_000);
    expect(check('new', bad)).toEqual({ changed: false, idle: true, recheckInMs: 2_000 });
    now = new Date(now.getTime() + 2_000);
    // Its pods became ready: in, and no more early re-checks.
    expect(check('new', ok)).toEqual({ changed: true, idle: true });
    now = new Date(now.getTime() + 60_000);
    expect(b.due([target('new')], false)).toEqual([]);
    // An included one that fails once keeps its hysteresis: no early re-check until it is out.
    expect(b.due([target('new')], true)).toEqual([target('new')]);
    expect(b.settle(settled(target('new'), bad))).toEqual({ changed: false, idle: true });
    now = new Date(now.getTime() + 60_000);
    expect(b.due([target('new')], false)).toEqual([]);
    // The next round's failure takes it out; from then on it is re-checked early again.
    expect(b.due([target('new')], true)).toEqual([target('new')]);
    expect(b.settle(settled(target('new'), bad))).toEqual({ changed: true, idle: true, recheckInMs: 2_000 });
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
