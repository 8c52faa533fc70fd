import { describe, expect, it } from '@jest/globals';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { debounceWithMaxDelay } from './debounce-with-max-delay.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('debounceWithMaxDelay', () => {
  it('emits a single event once the source has been quiet', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a').pipe(debounceWithMaxDelay(5, 20))).toBe('5ms a');
    });
  });

  it('emits only the latest value of a burst shorter than the max delay', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 2ms b 2ms c');
      expectObservable(source.pipe(debounceWithMaxDelay(5, 20))).toBe('11ms c');
    });
  });

  it('starts a new burst, with its own max window, after each emission', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // a alone; then b, c, d, e 4 ms apart from 10 ms on: the burst opened by b closes at 20 ms.
      const source = cold('a 9ms b 3ms c 3ms d 3ms e');
      expectObservable(source.pipe(debounceWithMaxDelay(5, 10))).toBe('5ms a 14ms d 6ms e');
    });
  });

  it('emits every max delay through a steady event storm', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // One event every 100 ms for 20 s (at 0, 100, …, 19 900), numbered 0 to 199; then silence.
      const storm = cold('e 99ms '.repeat(200)).pipe(map((_, index) => index));
      const debounced = storm.pipe(debounceWithMaxDelay(500, 5000));
      // Each burst closes 5 s after its first event, with the last event before that instant.
      expectObservable(debounced).toBe('5s a 4999ms b 4999ms c 4999ms d', { a: 49, b: 99, c: 149, d: 199 });
    });
  });

  it('flushes a pending value immediately when the source completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a 2ms b|').pipe(debounceWithMaxDelay(5, 20))).toBe('4ms (b|)');
    });
  });

  it('completes without a spurious emission when nothing is pending', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a 9ms |').pipe(debounceWithMaxDelay(5, 20))).toBe('5ms a 4ms |');
    });
  });

  it('propagates an error and drops the pending value', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a 2ms #', undefined, new Error('watch failed'));
      expectObservable(source.pipe(debounceWithMaxDelay(5, 20))).toBe('3ms #', undefined, new Error('watch failed'));
      expectSubscriptions(source.subscriptions).toBe('^ 2ms !');
    });
  });

  it('emits nothing after the consumer unsubscribes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a').pipe(debounceWithMaxDelay(5, 20)), '^ 3ms !').toBe('');
    });
  });

  it('accepts a max delay equal to the quiet period: each burst then lasts exactly that long', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a 3ms b').pipe(debounceWithMaxDelay(5, 5))).toBe('5ms b');
    });
  });

  it.each([
    [0, 10],
    [-1, 10],
    [Number.NaN, 10],
    [10, 0],
    [10, Number.POSITIVE_INFINITY],
    [10, 5],
  ])('rejects quietWindowMs %p with maxDelayMs %p', (quietWindowMs, maxDelayMs) => {
    expect(() => debounceWithMaxDelay(quietWindowMs, maxDelayMs)).toThrow(RangeError);
  });

  it('folds the values of a burst with combine, and starts the next burst afresh', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 2ms b 2ms c 9ms d', { a: 1, b: 2, c: 4, d: 8 });
      const summed = source.pipe(debounceWithMaxDelay(5, 20, { combine: (x: number, y: number) => x + y }));
      expectObservable(summed).toBe('11ms s 9ms t', { s: 7, t: 8 });
    });
  });
});
