import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { checkTimeoutMs, onDeadline } from '../../../src/health/deadline.ts';

describe('onDeadline, the one deadline of both health checks', () => {
  beforeEach(() => void jest.useFakeTimers());
  afterEach(() => void jest.useRealTimers());

  const recorder = () => {
    const calls: string[] = [];
    return { calls, on: { expired: () => calls.push('expired'), aborted: (s: AbortSignal) => calls.push(`aborted: ${String(s.reason)}`), then: () => calls.push('then') } };
  };

  it('expires at the deadline, not before, then calls then once', () => {
    const { calls, on } = recorder();
    onDeadline(performance.now() + 100, undefined, on);
    jest.advanceTimersByTime(99);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['expired', 'then']);
    jest.advanceTimersByTime(1_000);
    expect(calls).toEqual(['expired', 'then']);
  });

  it('ends at an abort of the signal before the deadline, and never expires after it', () => {
    const { calls, on } = recorder();
    const controller = new AbortController();
    onDeadline(performance.now() + 100, controller.signal, on);
    controller.abort('shutdown');
    expect(calls).toEqual(['aborted: shutdown', 'then']);
    jest.advanceTimersByTime(200);
    expect(calls).toEqual(['aborted: shutdown', 'then']);
  });

  it('ends at once for a signal that was aborted already', () => {
    const { calls, on } = recorder();
    onDeadline(performance.now() + 100, AbortSignal.abort('gone'), on);
    expect(calls).toEqual(['aborted: gone', 'then']);
  });

  it('does nothing once released', () => {
    const { calls, on } = recorder();
    const controller = new AbortController();
    const release = onDeadline(performance.now() + 100, controller.signal, on);
    release();
    controller.abort();
    jest.advanceTimersByTime(200);
    expect(calls).toEqual([]);
  });

  it('takes a timeout in whole milliseconds, capped to what a timer can wait; no usable one ends the check at once (no default here: the schema has it)', () => {
    expect([checkTimeoutMs(250), checkTimeoutMs(250.2), checkTimeoutMs(3e12), checkTimeoutMs(Number.POSITIVE_INFINITY)]).toEqual([250, 251, 2_147_483_647, 2_147_483_647]);
    expect([checkTimeoutMs(0.5), checkTimeoutMs(0), checkTimeoutMs(-1), checkTimeoutMs(Number.NaN)]).toEqual([1, 1, 1, 1]);
  });
});
