import { describe, expect, it } from '@jest/globals';
import { EMPTY, ReplaySubject, firstValueFrom, lastValueFrom, map, of, throwError, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { boundedFanOut } from './bounded-fan-out.ts';
import type { Settled } from './bounded-fan-out.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const ok = <R>(item: string, value: R, durationMs: number): Settled<string, R> => ({ item, ok: true, value, durationMs });
const failed = (item: string, message: string, durationMs: number, timedOut = false): Settled<string, never> => ({
  item,
  ok: false,
  error: new Error(message),
  timedOut,
  durationMs,
});

/** Work scripted per item (an Error is thrown synchronously); records the signal each item was given. */
function scripted(script: Record<string, Observable<string> | Error>, signals = new Map<string, AbortSignal>()) {
  return (item: string, signal: AbortSignal): Observable<string> => {
    signals.set(item, signal);
    const step = script[item];
    if (step === undefined) throw new Error(`test bug: no script for ${item}`);
    if (step instanceof Error) throw step;
    return step;
  };
}

describe('boundedFanOut', () => {
  it('keeps at most `concurrency` items in flight', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const inner = { a: cold('10ms (x|)'), b: cold('10ms (x|)'), c: cold('10ms (x|)'), d: cold('10ms (x|)') };

      const settled = cold('(abcd|)').pipe(boundedFanOut(scripted(inner), { concurrency: 2, timeoutMs: 100, scheduler }));

      // Durations run from the start of each item's work, not from its arrival.
      expectObservable(settled).toBe('10ms (AB) 6ms (CD|)', {
        A: ok('a', 'x', 10),
        B: ok('b', 'x', 10),
        C: ok('c', 'x', 10),
        D: ok('d', 'x', 10),
      });
      expectSubscriptions(inner.a.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(inner.b.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(inner.c.subscriptions).toBe('10ms ^ 9ms !');
      expectSubscriptions(inner.d.subscriptions).toBe('10ms ^ 9ms !');
    });
  });

  it('turns a timeout into a value and aborts the signal of that item only', () => {
    const scheduler = testScheduler();
    const signals = new Map<string, AbortSignal>();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('50ms (x|)');
      const work = scripted({ f: cold('5ms (x|)'), s: slow }, signals);

      const settled = cold('(fs|)').pipe(boundedFanOut(work, { concurrency: 2, timeoutMs: 20, scheduler }));

      expectObservable(settled).toBe('5ms F 14ms (S|)', {
        F: ok('f', 'x', 5),
        S: failed('s', 'timed out after 20ms', 20, true),
      });
      expectSubscriptions(slow.subscriptions).toBe('^ 19ms !');
    });
    expect(signals.get('s')?.aborted).toBe(true);
    expect(signals.get('s')?.reason).toEqual(new Error('timed out after 20ms'));
    expect(signals.get('f')?.aborted).toBe(false);
  });

  it('turns thrown errors, error notifications and empty results into values and carries on', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const work = scripted({
        a: new Error('thrown synchronously'),
        d: EMPTY,
        b: cold('5ms #', undefined, new Error('connection refused')),
        c: cold('3ms #', undefined, 'not an Error'),
        e: cold('2ms (x|)'),
      });

      const settled = cold('(adbce|)').pipe(boundedFanOut(work, { concurrency: 1, timeoutMs: 100, scheduler }));

      expectObservable(settled).toBe('(AD) 1ms B 2ms C 1ms (E|)', {
        A: failed('a', 'thrown synchronously', 0),
        D: failed('d', 'no elements in sequence', 0),
        B: failed('b', 'connection refused', 5),
        C: failed('c', 'not an Error', 3),
        E: ok('e', 'x', 2),
      });
    });
  });

  it('keeps a thrown non-Error as the cause of its Error', async () => {
    const work = () => throwError(() => ({ status: 503 }));
    const [settled] = await lastValueFrom(of('a').pipe(boundedFanOut(work, { concurrency: 1, timeoutMs: 60_000 }), toArray()));
    expect(settled).toMatchObject({ item: 'a', ok: false, timedOut: false });
    // Jest compares errors by message only, hence the separate look at the cause.
    expect(settled?.ok === false && settled.error.cause).toEqual({ status: 503 });
  });

  it('completes only after every item has settled', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const work = scripted({ a: cold('30ms (x|)') });
      const settled = cold('a|').pipe(boundedFanOut(work, { concurrency: 4, timeoutMs: 100, scheduler }));
      expectObservable(settled).toBe('30ms (A|)', { A: ok('a', 'x', 30) });
    });
  });

  it('aborts the items still in flight when the consumer unsubscribes', () => {
    const scheduler = testScheduler();
    const signals = new Map<string, AbortSignal>();
    scheduler.run(({ cold, expectObservable }) => {
      const work = scripted({ a: cold('5ms (x|)'), b: cold('50ms (x|)') }, signals);
      const settled = cold('(ab|)').pipe(boundedFanOut(work, { concurrency: 2, timeoutMs: 100, scheduler }));
      expectObservable(settled, '^ 9ms !').toBe('5ms A', { A: ok('a', 'x', 5) });
    });
    expect(signals.get('a')?.aborted).toBe(false);
    expect(signals.get('b')?.aborted).toBe(true);
  });

  it('settles promise-returning work as its promises resolve or reject', async () => {
    const deferred = new Map<string, PromiseWithResolvers<number>>();
    const started: string[] = [];
    const work = (item: string) => {
      started.push(item);
      const d = Promise.withResolvers<number>();
      deferred.set(item, d);
      return d.promise;
    };
    const settle = (item: string) => {
      const d = deferred.get(item);
      if (!d) throw new Error(`test bug: ${item} has not started`);
      return d;
    };
    const results = new ReplaySubject<Settled<string, number>>();

    of('a', 'b', 'c').pipe(boundedFanOut(work, { concurrency: 2, timeoutMs: 60_000 })).subscribe(results);
    expect(started).toEqual(['a', 'b']);

    settle('b').reject(new Error('503 from Prometheus'));
    const first = await firstValueFrom(results);
    expect(first).toMatchObject({ item: 'b', ok: false, error: new Error('503 from Prometheus'), timedOut: false });
    expect(started).toEqual(['a', 'b', 'c']);

    settle('c').resolve(3);
    settle('a').resolve(1);
    // Resolves only once the stream has completed, i.e. after the last item settled.
    const all = await lastValueFrom(results.pipe(toArray()));
    expect(all.map(({ item, ok }) => [item, ok])).toEqual([
      ['b', false],
      ['c', true],
      ['a', true],
    ]);
    expect(all.filter((s) => s.ok).map((s) => s.value)).toEqual([3, 1]);
    for (const { durationMs } of all) expect(durationMs).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [{ concurrency: 0, timeoutMs: 10 }],
    [{ concurrency: 1.5, timeoutMs: 10 }],
    [{ concurrency: Number.POSITIVE_INFINITY, timeoutMs: 10 }],
    [{ concurrency: 1, timeoutMs: 0 }],
    [{ concurrency: 1, timeoutMs: Number.NaN }],
  ])('rejects %p', (options) => {
    expect(() => boundedFanOut(() => EMPTY, options)).toThrow(RangeError);
  });

  describe('with a fair order', () => {
    // Items are "<group><n>"; group t is ranked first (trusted), the others second.
    const fair = { group: (item: string) => item.charAt(0), rank: (item: string) => (item.startsWith('t') ? 0 : 1) };

    it('starts the lowest rank first, then one group after another, instead of arrival order', () => {
      const scheduler = testScheduler();
      const started: string[] = [];
      scheduler.run(({ cold, expectObservable }) => {
        const work = (item: string) => {
          started.push(item);
          return cold('10ms (x|)');
        };
        // Five of a's items arrive first (one tenant's many targets), then b's, then the trusted namespace's.
        const settled = of('a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2', 't1', 't2').pipe(
          boundedFanOut(work, { concurrency: 1, timeoutMs: 100, scheduler, fair }),
          map((s) => s.item),
        );
        // a1 starts on arrival (the slot is free); then t's two, then a and b take turns.
        expectObservable(settled).toBe('10ms a 9ms b 9ms c 9ms d 9ms e 9ms f 9ms g 9ms h 9ms (i|)', {
          a: 'a1', b: 't1', c: 't2', d: 'a2', e: 'b1', f: 'a3', g: 'b2', h: 'a4', i: 'a5',
        });
      });
      expect(started).toEqual(['a1', 't1', 't2', 'a2', 'b1', 'a3', 'b2', 'a4', 'a5']);
    });

    it('keeps the concurrency bound and completes once every item settled', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const inner = { a1: cold('10ms (x|)'), a2: cold('20ms (x|)'), b1: cold('10ms (x|)'), t1: cold('5ms (x|)') };
        const settled = of('a1', 'a2', 'b1', 't1').pipe(
          boundedFanOut(scripted(inner), { concurrency: 2, timeoutMs: 100, scheduler, fair }),
          map((s) => s.item),
        );
        // a1 and a2 take both slots; when a1 ends, t1 goes before b1, which waits for the next free slot (t1's).
        expectObservable(settled).toBe('10ms a 4ms b 4ms c 4ms (d|)', { a: 'a1', b: 't1', c: 'a2', d: 'b1' });
      });
    });
  });
});
