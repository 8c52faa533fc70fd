import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, filter } from 'rxjs';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { ListResult, ListWatchSource, WatchEventType } from '../../../src/kube/list-watch.ts';
import { Reflector, type CacheEvent } from '../../../src/kube/reflector.ts';

interface Obj {
  metadata: { namespace: string; name: string; resourceVersion: string };
}

const obj = (name: string, rv: string): Obj => ({ metadata: { namespace: 'ns', name, resourceVersion: rv } });

/** A scripted API server: each list() answers from `lists`, each watch() hands its callbacks to the test. */
class FakeSource implements ListWatchSource<Obj> {
  readonly description = 'fake objects';
  lists: (ListResult<Obj> | Error)[] = [];
  listCalls = 0;
  watches: { from: string; emit: (t: WatchEventType, o: unknown) => void; done: (e?: unknown) => void; aborted: boolean }[] = [];
  /** While set, every watch request is refused with it (lists still answer). */
  refuseWatches: Error | undefined;
  /** While set, watch requests get no answer at all (a frozen API server). */
  silentWatches = false;

  list(): Promise<ListResult<Obj>> {
    this.listCalls += 1;
    const next = this.lists.shift();
    if (!next) return Promise.reject(new Error('no scripted list left'));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  watch(from: string, onEvent: (t: WatchEventType, o: unknown) => void, onDone: (e?: unknown) => void) {
    const w = { from, emit: onEvent, done: onDone, aborted: false };
    this.watches.push(w);
    if (this.refuseWatches) return Promise.reject(this.refuseWatches);
    if (this.silentWatches) return new Promise<never>(() => {});
    return Promise.resolve({
      abort: () => {
        w.aborted = true;
        const abort = new Error('aborted');
        abort.name = 'AbortError';
        onDone(abort);
      },
    });
  }

  convert(raw: unknown): Obj {
    return raw as Obj;
  }

  async nextWatch(count: number): Promise<FakeSource['watches'][number]> {
    const deadline = Date.now() + 2_000;
    while (this.watches.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    const w = this.watches[count - 1];
    if (!w) throw new Error(`watch #${count} never opened`);
    return w;
  }
}

const fast = { initialMs: 1, maxMs: 4, jitter: 0 };

describe('Reflector', () => {
  let reflector: Reflector<Obj> | undefined;
  afterEach(async () => reflector?.stop());

  it('lists, then watches from the list resource version, keeping the cache in step', async () => {
    const source = new FakeSource();
    source.lists = [{ items: [obj('a', '1')], resourceVersion: '10' }];
    reflector = new Reflector(source, fast);
    const events: CacheEvent<Obj>[] = [];
    reflector.events$.subscribe((e) => events.push(e));
    await reflector.start();
    expect(reflector.synced).toBe(true);
    const watch = await source.nextWatch(1);
    expect(watch.from).toBe('10');

    watch.emit('ADDED', obj('b', '11'));
    watch.emit('MODIFIED', obj('a', '12'));
    watch.emit('DELETED', obj('b', '13'));
    watch.emit('BOOKMARK', obj('', '14'));
    expect(reflector.list()).toEqual([obj('a', '12')]);
    expect(events.map((e) => e.type)).toEqual(['added', 'synced', 'added', 'modified', 'deleted']);

    // A normal close resumes from the last resource version seen, bookmarks included, without a list.
    watch.done();
    expect((await source.nextWatch(2)).from).toBe('14');
    expect(source.listCalls).toBe(1);
  });

  it('relists on 410 Gone and reports objects deleted during the gap', async () => {
    const source = new FakeSource();
    source.lists = [
      { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10' },
      { items: [obj('a', '1')], resourceVersion: '20' },
    ];
    reflector = new Reflector(source, fast);
    await reflector.start();
    const deleted = firstValueFrom(reflector.events$.pipe(filter((e) => e.type === 'deleted')));
    const watch = await source.nextWatch(1);
    watch.emit('ERROR', { code: 410, reason: 'Expired', message: 'too old resource version' });
    watch.done();
    expect(await deleted).toEqual({ type: 'deleted', object: obj('b', '2') });
    expect((await source.nextWatch(2)).from).toBe('20');
    expect(reflector.list()).toEqual([obj('a', '1')]);
  });

  it('keeps retrying a failing list with backoff, reporting every error, and recovers', async () => {
    const source = new FakeSource();
    const forbidden = new KubeApiError('list fake objects', 403, 'Forbidden', 'no');
    source.lists = [forbidden, forbidden, { items: [], resourceVersion: '5' }];
    reflector = new Reflector(source, fast);
    const errors: CacheEvent<Obj>[] = [];
    reflector.events$.pipe(filter((e) => e.type === 'error')).subscribe((e) => errors.push(e));
    await reflector.start();
    expect(source.listCalls).toBe(3);
    expect(errors).toEqual([
      { type: 'error', error: forbidden, retryInMs: 1 },
      { type: 'error', error: forbidden, retryInMs: 2 },
    ]);
  });

  it('treats a watch failure other than 410 as an error: backs off, then relists', async () => {
    const source = new FakeSource();
    source.lists = [{ items: [], resourceVersion: '1' }, { items: [obj('x', '3')], resourceVersion: '3' }];
    reflector = new Reflector(source, fast);
    await reflector.start();
    const restarted = firstValueFrom(reflector.events$.pipe(filter((e) => e.type === 'restarted')));
    (await source.nextWatch(1)).done(new KubeApiError('watch fake objects', 500, 'InternalError', 'boom'));
    expect(await restarted).toEqual({ type: 'restarted', reason: 'error' });
    expect((await source.nextWatch(2)).from).toBe('3');
    expect(reflector.list()).toEqual([obj('x', '3')]);
  });

  it('backs off further on each refused watch even though every list works (403 on watch only), and resets once the watch delivers', async () => {
    const source = new FakeSource();
    const page = { items: [obj('a', '1')], resourceVersion: '1' };
    source.lists = Array.from({ length: 10 }, () => page);
    source.refuseWatches = new KubeApiError('watch fake objects', 403, 'Forbidden', 'services is forbidden: cannot watch');
    reflector = new Reflector(source, { initialMs: 1, maxMs: 16, jitter: 0 });
    const delays: number[] = [];
    reflector.events$.subscribe((e) => {
      if (e.type === 'error') delays.push(e.retryInMs);
    });
    await reflector.start();
    await source.nextWatch(6);
    expect(delays.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    source.refuseWatches = undefined;
    const open = await source.nextWatch(source.watches.length + 1);
    open.emit('ADDED', obj('b', '2'));
    open.done(new KubeApiError('watch fake objects', 500, 'InternalError', 'boom'));
    await source.nextWatch(source.watches.length + 1);
    expect(delays.at(-1)).toBe(1);
  });

  it('gives up on a watch request the API server never answers: restart() relists and stop() returns at once', async () => {
    const source = new FakeSource();
    source.lists = [{ items: [obj('a', '1')], resourceVersion: '1' }, { items: [], resourceVersion: '2' }];
    source.silentWatches = true;
    reflector = new Reflector(source, fast);
    await reflector.start();
    await source.nextWatch(1);
    const restarted = firstValueFrom(reflector.events$.pipe(filter((e) => e.type === 'restarted')));
    reflector.restart('stalled');
    expect(await restarted).toEqual({ type: 'restarted', reason: 'stalled' });
    await source.nextWatch(2);
    expect(source.listCalls).toBe(2);
    expect(reflector.list()).toEqual([]);
    await reflector.stop();
    expect(source.watches).toHaveLength(2);
  });

  it('restart("relist") drops the current watch and lists from the API server again', async () => {
    const source = new FakeSource();
    source.lists = [{ items: [], resourceVersion: '1' }, { items: [obj('late', '9')], resourceVersion: '9' }];
    reflector = new Reflector(source, fast);
    await reflector.start();
    const first = await source.nextWatch(1);
    const synced = firstValueFrom(reflector.events$.pipe(filter((e) => e.type === 'synced')));
    reflector.restart('relist');
    expect(first.aborted).toBe(true);
    expect(await synced).toEqual({ type: 'synced', count: 1 });
    expect(source.listCalls).toBe(2);
  });

  it('stops for good: no list or watch after stop()', async () => {
    const source = new FakeSource();
    source.lists = [{ items: [], resourceVersion: '1' }];
    reflector = new Reflector(source, fast);
    await reflector.start();
    await source.nextWatch(1);
    await reflector.stop();
    expect(source.watches[0]?.aborted).toBe(true);
    expect(source.watches).toHaveLength(1);
    expect(source.listCalls).toBe(1);
  });

  it('stop() does not wait for a list that never answers, and a list past listTimeoutMs is retried', async () => {
    const source = new FakeSource();
    let lists = 0;
    source.list = () => {
      lists += 1;
      return lists === 1 ? new Promise<ListResult<Obj>>(() => {}) : Promise.resolve({ items: [], resourceVersion: '2' });
    };
    reflector = new Reflector(source, fast);
    reflector.listTimeoutMs = 20;
    const errors: CacheEvent<Obj>[] = [];
    reflector.events$.pipe(filter((e) => e.type === 'error')).subscribe((e) => errors.push(e));
    await reflector.start();
    expect(lists).toBe(2);
    expect(errors[0]).toMatchObject({ type: 'error', error: { reason: 'Timeout', status: 0 } });

    const stuck = new FakeSource();
    stuck.list = () => new Promise<ListResult<Obj>>(() => {});
    const stuckReflector = new Reflector(stuck, fast);
    void stuckReflector.start();
    await Promise.resolve();
    await stuckReflector.stop();
    expect(stuckReflector.synced).toBe(false);
  });
});
