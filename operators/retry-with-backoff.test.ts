import { describe, expect, it } from '@jest/globals';
import { defer, of, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { retryWithBackoff } from './retry-with-backoff.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('retryWithBackoff', () => {
  it('resubscribes after each failure with the delay of that attempt, until the work succeeds', () => {
    const scheduler = testScheduler();
    const failures: [string, number][] = [];
    scheduler.run(({ expectObservable }) => {
      let calls = 0;
      const work = defer(() => (++calls < 4 ? throwError(() => new Error(`failure ${calls}`)) : of('done')));
      const retried = work.pipe(retryWithBackoff({
        delayMs: (attempt) => 10 * 2 ** (attempt - 1),
        onRetry: (error, attempt) => failures.push([(error as Error).message, attempt]),
        scheduler,
      }));
      // Failures at 0, 10 and 30 ms; success after waits of 10, 20 and 40 ms.
      expectObservable(retried).toBe('70ms (d|)', { d: 'done' });
    });
    expect(failures).toEqual([['failure 1', 1], ['failure 2', 2], ['failure 3', 3]]);
  });

  it('does not delay or repeat work that succeeds', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('5ms (x|)');
      expectObservable(work.pipe(retryWithBackoff({ delayMs: () => 100, scheduler }))).toBe('5ms (x|)');
      expectSubscriptions(work.subscriptions).toBe('^ 4ms !');
    });
  });

  it('stops retrying when the consumer unsubscribes during a wait', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('#', undefined, new Error('down'));
      expectObservable(work.pipe(retryWithBackoff({ delayMs: () => 10, scheduler })), '^ 15ms !').toBe('');
      expectSubscriptions(work.subscriptions).toBe(['(^!)', '10ms (^!)']);
    });
  });
});

describe('retryWithBackoff until', () => {
  it('retries at once when `until` emits during a wait, and keeps counting attempts', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const attempts: number[] = [];
    scheduler.run(({ hot, expectObservable }) => {
      let calls = 0;
      const work = defer(() => (++calls < 3 ? throwError(() => new Error('conflict')) : of('written')));
      const newWork = hot('5ms w');
      const retried = work.pipe(retryWithBackoff({ delayMs: () => 100, until: newWork, onRetry: (_e, n) => attempts.push(n), scheduler }));
      // Fails at 0; the wait of 100 ms is cut at 5 by new work; fails again; waits the full 100 ms; succeeds at 105.
      expectObservable(retried).toBe('105ms (d|)', { d: 'written' });
    });
    expect(attempts).toEqual([1, 2]);
  });

  it('retries at once, without a wait, when `until` emitted while the failing attempt ran', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, hot, expectObservable }) => {
      let calls = 0;
      // Each attempt takes 10 ms; the first two fail.
      const work = defer(() => (++calls < 3 ? cold('10ms #', {}, new Error('conflict')) : cold('10ms (d|)', { d: 'written' })));
      const newWork = hot('5ms w');
      const retried = work.pipe(retryWithBackoff({ delayMs: () => 100, until: newWork, scheduler }));
      // Attempt 1 (0-10) saw new work at 5: attempt 2 starts at 10 at once; it saw none: a full wait (20-120);
      // attempt 3 runs 120-130.
      expectObservable(retried).toBe('130ms (d|)', { d: 'written' });
    });
  });
});
