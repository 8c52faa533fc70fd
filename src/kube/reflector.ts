import { Subject, type Observable } from 'rxjs';
import { backoffDelay, defaultBackoff, wakeableSleep, type BackoffPolicy } from '../retry/backoff.ts';
import { KubeApiError, toKubeApiError } from './errors.ts';
import { ObjectCache, type Keyed } from './object-cache.ts';
import type { ListResult, ListWatchSource, RestartReason } from './list-watch.ts';
import { WatchRequest } from './watch-request.ts';

export type CacheEvent<T> =
  | { type: 'added' | 'modified' | 'deleted'; object: T }
  /** A full list replaced the cache; sent after the first list and after every relist. */
  | { type: 'synced'; count: number }
  | { type: 'error'; error: KubeApiError; retryInMs: number }
  | { type: 'restarted'; reason: RestartReason };

/**
 * A list-then-watch cache of one kind of object, in the manner of client-go's reflector. It never stops by
 * itself: a 410 relists at once, any other failure relists after a capped, jittered exponential backoff, and
 * only one list/watch loop ever runs.
 */
export class Reflector<T extends Keyed> {
  readonly events$: Observable<CacheEvent<T>>;
  readonly #events = new Subject<CacheEvent<T>>();
  readonly #source: ListWatchSource<T>;
  readonly #backoff: BackoffPolicy;
  readonly #cache = new ObjectCache<T>();
  #stop = new AbortController();
  #running: Promise<void> | undefined;
  #watch: WatchRequest<T> | undefined;
  /** A restart asked for while no watch was open (during a list or a back-off pause): the pause ends early. */
  #pendingRestart: RestartReason | undefined;
  #wakeUp: (() => void) | undefined;
  #synced = false;
  #firstSync: { promise: Promise<void>; resolve: () => void };
  #lastActivity = Date.now();

  /** A list that has not answered in this long is abandoned and retried. */
  listTimeoutMs = 60_000;

  constructor(source: ListWatchSource<T>, backoff: BackoffPolicy = defaultBackoff) {
    this.#source = source;
    this.#backoff = backoff;
    this.events$ = this.#events.asObservable();
    this.#firstSync = Promise.withResolvers<void>();
  }

  get description(): string {
    return this.#source.description;
  }

  /** True once a list has filled the cache; stays true across later watch restarts. */
  get synced(): boolean {
    return this.#synced;
  }

  /** When the watch last delivered anything (an event, a bookmark, a list), for stall detection. */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** Starts the loop; resolves once the first list has filled the cache. */
  start(): Promise<void> {
    if (!this.#running) {
      this.#stop = new AbortController();
      this.#running = this.#loop(this.#stop.signal);
    }
    return this.#firstSync.promise;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wakeUp?.();
    await this.#running;
    this.#running = undefined;
  }

  /** The cached objects, in no particular order. */
  list(): T[] {
    return this.#cache.list();
  }

  get(namespace: string, name: string): T | undefined {
    return this.#cache.get(namespace, name);
  }

  /** Drops the current watch and lists again from the API server (a resync, or a stalled watch). */
  restart(reason: Extract<RestartReason, 'relist' | 'stalled'>): void {
    if (!this.#running) return;
    if (this.#watch) {
      this.#watch.restart(reason);
      return;
    }
    this.#pendingRestart = reason;
    this.#wakeUp?.();
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let resourceVersion = '';
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!resourceVersion) {
          const listed = await listWithin(this.#source, this.listTimeoutMs, signal);
          if (signal.aborted) break;
          this.#replace(listed.items);
          resourceVersion = listed.resourceVersion;
          // Not a reset of `failures`: a list that works while every watch is refused (403 on watch only) must
          // still back off further each time instead of relisting at the first delay forever.
        }
        const outcome = await this.#watchFrom(resourceVersion, (rv) => (resourceVersion = rv), () => (failures = 0), signal);
        if (signal.aborted) break;
        if (outcome !== 'closed') {
          resourceVersion = '';
          this.#events.next({ type: 'restarted', reason: outcome });
        }
      } catch (caught) {
        if (signal.aborted) break;
        const error = toKubeApiError(this.#source.description, caught);
        resourceVersion = '';
        if (error.expired) {
          this.#events.next({ type: 'restarted', reason: 'expired' });
          continue;
        }
        failures += 1;
        const retryInMs = backoffDelay(failures, this.#backoff);
        this.#events.next({ type: 'error', error, retryInMs });
        await this.#pause(retryInMs, signal);
        if (!signal.aborted) this.#events.next({ type: 'restarted', reason: 'error' });
      }
    }
  }

  /** Sleeps, but wakes early for stop() or restart(). */
  async #pause(ms: number, signal: AbortSignal): Promise<void> {
    await wakeableSleep(ms, signal, (wake) => (this.#wakeUp = wake));
    this.#pendingRestart = undefined;
  }

  /** One watch request, from `from`: 'closed' to resume from the last resource version, or why a relist is due. */
  async #watchFrom(from: string, advance: (rv: string) => void, healthy: () => void, signal: AbortSignal): Promise<'closed' | RestartReason> {
    const restart = this.#pendingRestart;
    this.#pendingRestart = undefined;
    if (restart) return restart;
    const watch = new WatchRequest(this.#source, signal, {
      onActivity: () => {
        this.#lastActivity = Date.now();
        healthy();
      },
      onObject: (type, object) => {
        advance(object.metadata.resourceVersion);
        if (type !== 'BOOKMARK') this.#events.next(this.#cache.apply(type, object));
      },
    });
    this.#watch = watch;
    try {
      return await watch.run(from);
    } finally {
      this.#watch = undefined;
    }
  }

  #replace(items: T[]): void {
    this.#lastActivity = Date.now();
    for (const change of this.#cache.replace(items)) this.#events.next(change);
    this.#synced = true;
    this.#events.next({ type: 'synced', count: this.#cache.size });
    this.#firstSync.resolve();
  }
}

/** The list, abandoned when it takes longer than `timeoutMs` (a stopped API server never answers) or on stop. */
function listWithin<T>(source: ListWatchSource<T>, timeoutMs: number, signal: AbortSignal): Promise<ListResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const abandoned = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KubeApiError(`list ${source.description}`, 0, 'Timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
    onStop = () => reject(new KubeApiError(`list ${source.description}`, 0, 'Stopped', 'the reflector stopped'));
    signal.addEventListener('abort', onStop, { once: true });
  });
  return Promise.race([source.list(), abandoned]).finally(() => {
    clearTimeout(timer);
    if (onStop) signal.removeEventListener('abort', onStop);
  });
}
