import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { distinctByHash } from './distinct-by-hash.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

interface Desired {
  name: string;
  config: string;
}
const hashOf = (desired: Desired) => desired.config;
const values: Record<string, Desired> = {
  a: { name: 'a', config: 'v1' },
  b: { name: 'b', config: 'v1' },
  c: { name: 'c', config: 'v2' },
  d: { name: 'd', config: 'v1' },
};

describe('distinctByHash', () => {
  it('drops a value whose hash equals the last one let through, and lets changes pass', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abcd|', values);
      // d is back to v1: it differs from the last value (c), which is all that matters.
      expectObservable(source.pipe(distinctByHash(hashOf))).toBe('a-cd|', values);
    });
  });

  it('compares the first value with the initial hash of what is already live', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('acb|', values);
      expectObservable(source.pipe(distinctByHash(hashOf, () => 'v1'))).toBe('-cb|', values);
    });
  });

  it('lets the first value through when nothing is live yet', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab|', values).pipe(distinctByHash(hashOf, () => undefined))).toBe('a-|', values);
    });
  });

  it('propagates errors, including one thrown by the hash function', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const failing = () => {
        throw new Error('cannot hash');
      };
      expectObservable(cold('a-#', values).pipe(distinctByHash(hashOf))).toBe('a-#', values);
      expectObservable(cold('a', values).pipe(distinctByHash(failing))).toBe('#', undefined, new Error('cannot hash'));
    });
  });

  it('reads the initial hash lazily, once per subscription', () => {
    const scheduler = testScheduler();
    let live = 'v1';
    let reads = 0;
    const initial = () => {
      reads += 1;
      return live;
    };
    scheduler.run(({ cold, expectObservable }) => {
      const deduped = cold('a|', values).pipe(distinctByHash(hashOf, initial));
      expect(reads).toBe(0);

      expectObservable(deduped).toBe('-|');
      // Someone edits the live configuration between the two subscriptions.
      scheduler.schedule(() => (live = 'v0'), 5);
      expectObservable(deduped, '10ms ^').toBe('10ms a|', values);
    });
    expect(reads).toBe(2);
  });
});
