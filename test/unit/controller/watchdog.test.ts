import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { watchdog, watchesAlive, type Watched } from '../../../src/controller/watchdog.ts';
import { createLogger } from '../../../src/observe/logger.ts';

function watch(description: string, lastActivity: () => number, synced = true): Watched & { restarts: string[] } {
  const restarts: string[] = [];
  return {
    description, restarts, synced,
    get lastActivity() {
      return lastActivity();
    },
    restart: (reason) => void restarts.push(reason),
  };
}

describe('watchdog', () => {
  it('restarts a synced watch silent for longer than the stall timeout, checking every quarter of it', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const restartsAt: number[] = [];
    scheduler.run(() => {
      const quiet = watch('Services', () => 0);
      const busy = watch('ConfigMap', () => scheduler.now());
      const listing = watch('Namespaces', () => 0, false);
      quiet.restart = () => void restartsAt.push(scheduler.now());
      const subscription = watchdog(() => [quiet, busy, listing], 1_000, createLogger({ silent: true }), scheduler);
      scheduler.schedule(() => subscription.unsubscribe(), 1_600);
      scheduler.schedule(() => expect([busy.restarts, listing.restarts]).toEqual([[], []]), 1_599);
    });
    // Checks at 250, 500, …: silent for more than 1,000 ms first at 1,250, then at 1,500.
    expect(restartsAt).toEqual([1_250, 1_500]);
  });
});

describe('watchesAlive', () => {
  it('fails when a watch was silent for twice the stall timeout, naming it', () => {
    const now = 10_000;
    expect(watchesAlive([watch('Services', () => now - 1_999)], 1_000, now)).toEqual({ ok: true });
    expect(watchesAlive([watch('Services', () => now - 2_001), watch('ConfigMap', () => now)], 1_000, now))
      .toEqual({ ok: false, reason: 'watch stalled for more than 2s: Services' });
  });
});
