import { describe, expect, it } from '@jest/globals';
import { of } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { oneAtATime } from './one-at-a-time.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('oneAtATime', () => {
  it('runs one value at a time and folds everything that arrived meanwhile into one trailing run', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot('a 2ms b 2ms c 20ms d', { a: 'a', b: 'b', c: 'c', d: 'd' });
      const started: string[] = [];
      const run = (v: string): Observable<string> => {
        started.push(v);
        return cold('10ms (x|)', { x: v.toUpperCase() });
      };
      const merged = source.pipe(oneAtATime(run, (p, n) => p + n));
      // a runs 0-10; b and c wait and run together 10-20; d (at 27) runs alone, 27-37.
      expectObservable(merged).toBe('10ms A 9ms B 16ms D', { A: 'A', B: 'BC', D: 'D' });
    });
  });

  it('tells each run, through its arrivals$, of every value that arrived while it was in flight, and of no other', () => {
    const scheduler = testScheduler();
    const heard: string[] = [];
    scheduler.run(({ cold, hot, expectObservable }) => {
      const source = hot('a 2ms b 2ms c 20ms d', { a: 'a', b: 'b', c: 'c', d: 'd' });
      const merged = source.pipe(oneAtATime((v: string, arrivals$) => {
        arrivals$.subscribe({ next: () => heard.push(`${v} heard of a value at ${scheduler.now()}`), complete: () => heard.push(`${v} done at ${scheduler.now()}`) });
        return cold('10ms (x|)', { x: v });
      }, (p, n) => p + n));
      expectObservable(merged).toBe('10ms a 9ms b 16ms d', { a: 'a', b: 'bc', d: 'd' });
    });
    // Run a (0-10) hears of b (3) and c (6); run bc (10-20) and run d (27-37) hear of nothing.
    expect(heard).toEqual(['a heard of a value at 3', 'a heard of a value at 6', 'a done at 10', 'bc done at 20', 'd done at 37']);
  });

  it('keeps the latest waiting value by default', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot('a 2ms b 2ms c', { a: 1, b: 2, c: 3 });
      expectObservable(source.pipe(oneAtATime((v: number) => cold('10ms (x|)', { x: v })))).toBe('10ms a 9ms c', { a: 1, c: 3 });
    });
  });

  it('completes after the source completed and the trailing run finished', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot('a 2ms (b|)');
      expectObservable(source.pipe(oneAtATime((v: string) => cold('10ms (x|)', { x: v })))).toBe('10ms a 9ms (b|)');
    });
  });

  it('runs a value at once again after a run that finished synchronously', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('a 1ms b').pipe(oneAtATime((v: string) => of(v)))).toBe('a 1ms b');
    });
  });

  it('propagates an error of a run and stops', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a 2ms b');
      const failing = cold('5ms #', undefined, new Error('reconcile failed'));
      expectObservable(source.pipe(oneAtATime(() => failing))).toBe('5ms #', undefined, new Error('reconcile failed'));
      expectSubscriptions(failing.subscriptions).toBe('^ 4ms !');
    });
  });

  it('cancels the run in flight when the consumer unsubscribes', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const work = cold('10ms (x|)');
      expectObservable(hot('a').pipe(oneAtATime(() => work)), '^ 4ms !').toBe('');
      expectSubscriptions(work.subscriptions).toBe('^ 4ms !');
    });
  });
});
