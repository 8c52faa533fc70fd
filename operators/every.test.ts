import { describe, expect, it } from '@jest/globals';
import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { every } from './every.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const values = { r: 'tick' };

describe('every', () => {
  it('emits every period, the first time after one period rather than at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(every(100, scheduler), '^ 350ms !').toBe('100ms r 99ms r 99ms r', values);
    });
  });

  it('emits every five minutes when asked to', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(every(300_000, scheduler).pipe(take(2))).toBe('5m r 299999ms (r|)', values);
    });
  });

  it('starts its period afresh for each subscriber', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const trigger = every(100, scheduler);
      expectObservable(trigger, '30ms ^ 150ms !').toBe('130ms r', values);
    });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects a period of %p', (ms) => {
    expect(() => every(ms)).toThrow(RangeError);
  });
});
