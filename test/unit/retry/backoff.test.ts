import { describe, expect, it } from '@jest/globals';
import { backoffDelay, sleep } from '../../../src/retry/backoff.ts';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1_000, jitter: 0.2 };

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [50, 1_000],
  ])('attempt %i without jitter waits %i ms', (attempt, expected) => {
    expect(backoffDelay(attempt, policy, () => 0.5)).toBe(expected);
  });

  it('spreads delays by the jitter fraction and never exceeds the cap', () => {
    expect(backoffDelay(2, policy, () => 0)).toBe(160);
    expect(backoffDelay(2, policy, () => 1)).toBe(240);
    expect(backoffDelay(9, policy, () => 1)).toBe(1_000);
  });
});

describe('sleep', () => {
  it('ends early and reports false when aborted', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await expect(pending).resolves.toBe(false);
  });

  it('reports true after the full delay', async () => {
    await expect(sleep(1)).resolves.toBe(true);
  });
});
