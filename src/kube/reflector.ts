import { Subject, type Observable } from 'rxjs';
import { backoffDelay, defaultBackoff, sleep, type BackoffPolicy } from '../retry/backoff.ts';
import { KubeApiError, toKubeApiError } from './errors.ts';
import { objectKey, type ObjectMeta } from './objects.ts';

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** The two API calls a reflector needs; the client-node adapter provides them, unit tests fake them. */
export interface ListWatchSource<T> {
  /** Names what is watched in messages, e.g. "Services in all namespaces". */
  readonly description: string;
  list(): Promise<ListResult<T>>;
  /**
   * Opens a watch from `resourceVersion`. `onEvent` gets each decoded event (ERROR events carry a Status);
   * `onDone` is called once when the stream ends: without an error for a normal close or an idle timeout.
   */
  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: unknown) => void,
    onDone: (error?: unknown) => void,
  ): Promise<{ abort(): void }>;
  /** Converts a raw object from list or watch into the domain type. */
  convert(raw: unknown): T;
}

export type RestartReason = 'expired' | 'error' | 'relist' | 'stalled';

export type CacheEvent<T> =
  | { type: 'added' | 'modified' | 'deleted'; object: T }
  /** A full list replaced the cache; sent after the first list and after every relist. */
  | { type: 'synced'; count: number }
  | { type: 'error'; error: KubeApiError; retryInMs: number }
  | { type: 'restarted'; reason: RestartReason };

interface Keyed {
  metadata: Pick<ObjectMeta, 'namespace' | 'name' | 'resourceVersion'>;
}

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
  readonly #cache = new Map<string, T>();
  #stop = new AbortController();
  #running: Promise<void> | undefined;
  #currentWatch: { abort(): void } | undefined;
  #pendingRestart: RestartReason | undefined;
  #wakeUp: (() => void) | undefined;
  /** Set while a watch request waits for the API server's answer. */
  #abandonWatch: ((reason: RestartReason) => void) | undefined;
  #synced = false;
  #firstSync: { promise: Promise<void>; resolve: () => void };
  #lastActivity = Date.now();

  /** A list that has not answered in this long is abandoned and retried (a stopped API server never answers). */
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
    this.#currentWatch?.abort();
    this.#wakeUp?.();
    await this.#running;
    this.#running = undefined;
  }

  /** The cached objects, in no particular order. */
  list(): T[] {
    return [...this.#cache.values()];
  }

  get(namespace: string, name: string): T | undefined {
    return this.#cache.get(objectKey({ namespace, name }));
  }

  /** Drops the current watch and lists again from the API server (a resync, or a stalled watch). */
  restart(reason: Extract<RestartReason, 'relist' | 'stalled'>): void {
    if (!this.#running) return;
    if (this.#abandonWatch) {
      this.#abandonWatch(reason);
      return;
    }
    this.#pendingRestart = reason;
    this.#currentWatch?.abort();
    this.#wakeUp?.();
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let resourceVersion = '';
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!resourceVersion) {
          const listed = await this.#listWithTimeout(signal);
          if (signal.aborted) break;
          this.#replace(listed.items);
          resourceVersion = listed.resourceVersion;
          // Not a reset of `failures`: a list that works while every watch is refused (403 on watch only) must
          // still back off further each time instead of relisting at the first delay forever.
        }
        const outcome = await this.#watchOnce(resourceVersion, (rv) => (resourceVersion = rv), () => (failures = 0), signal);
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

  /** The list, abandoned when it takes longer than listTimeoutMs or when the reflector stops. */
  #listWithTimeout(signal: AbortSignal): Promise<ListResult<T>> {
    let timer: NodeJS.Timeout | undefined;
    let onStop: (() => void) | undefined;
    const abandoned = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new KubeApiError(`list ${this.#source.description}`, 0, 'Timeout', `no answer within ${this.listTimeoutMs} ms`)), this.listTimeoutMs);
      onStop = () => reject(new KubeApiError(`list ${this.#source.description}`, 0, 'Stopped', 'the reflector stopped'));
      signal.addEventListener('abort', onStop, { once: true });
    });
    return Promise.race([this.#source.list(), abandoned]).finally(() => {
      clearTimeout(timer);
      if (onStop) signal.removeEventListener('abort', onStop);
    });
  }

  /** Sleeps, but wakes early for stop() or restart(). */
  async #pause(ms: number, signal: AbortSignal): Promise<void> {
    const wake = new AbortController();
    const onStop = () => wake.abort();
    signal.addEventListener('abort', onStop, { once: true });
    this.#wakeUp = () => wake.abort();
    await sleep(ms, wake.signal);
    this.#wakeUp = undefined;
    this.#pendingRestart = undefined;
    signal.removeEventListener('abort', onStop);
  }

  /**
   * One watch request. Resolves 'closed' to resume from the last resource version, or why a relist is due.
   * A request the API server has not answered yet (a frozen server accepts the connection and says nothing) is
   * given up on stop() or restart(); should it answer later, that stream is aborted unread.
   */
  #watchOnce(
    from: string,
    advance: (resourceVersion: string) => void,
    healthy: () => void,
    signal: AbortSignal,
  ): Promise<'closed' | RestartReason> {
    return new Promise((resolve, reject) => {
      let expired = false;
      let settled = false;
      let handle: { abort(): void } | undefined;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onStop);
        this.#abandonWatch = undefined;
        if (this.#currentWatch === handle) this.#currentWatch = undefined;
        outcome();
      };
      const onStop = () => {
        handle?.abort();
        settle(() => resolve('closed'));
      };
      signal.addEventListener('abort', onStop, { once: true });
      this.#abandonWatch = (reason) => settle(() => resolve(reason));
      const onEvent = (type: WatchEventType, raw: unknown) => {
        if (settled) return;
        this.#lastActivity = Date.now();
        healthy();
        if (type === 'ERROR') {
          const status = raw as { code?: number; reason?: string; message?: string };
          if (status.code === 410) expired = true;
          else settle(() => reject(new KubeApiError(`watch ${this.#source.description}`, status.code ?? 0, status.reason ?? '', status.message ?? '')));
          return;
        }
        const object = this.#source.convert(raw);
        advance(object.metadata.resourceVersion);
        if (type === 'BOOKMARK') return;
        const key = objectKey(object.metadata);
        if (type === 'DELETED') {
          this.#cache.delete(key);
          this.#events.next({ type: 'deleted', object });
        } else {
          const known = this.#cache.has(key);
          this.#cache.set(key, object);
          this.#events.next({ type: known ? 'modified' : 'added', object });
        }
      };
      const onDone = (error?: unknown) => {
        const restart = this.#pendingRestart;
        settle(() => {
          this.#pendingRestart = undefined;
          if (restart) resolve(restart);
          else if (expired) resolve('expired');
          else if (error && !isQuietEnd(error)) reject(toKubeApiError(`watch ${this.#source.description}`, error));
          else resolve('closed');
        });
      };
      this.#source.watch(from, onEvent, onDone).then(
        (answered) => {
          if (settled) {
            answered.abort();
            return;
          }
          handle = answered;
          this.#abandonWatch = undefined;
          // The API server answered the watch: the connection is alive even if no object changes for a while.
          this.#lastActivity = Date.now();
          this.#currentWatch = answered;
          if (this.#pendingRestart) answered.abort();
        },
        (error: unknown) => settle(() => reject(toKubeApiError(`watch ${this.#source.description}`, error))),
      );
    });
  }

  #replace(items: T[]): void {
    this.#lastActivity = Date.now();
    const seen = new Set<string>();
    for (const object of items) {
      const key = objectKey(object.metadata);
      seen.add(key);
      const old = this.#cache.get(key);
      this.#cache.set(key, object);
      if (!old) this.#events.next({ type: 'added', object });
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) this.#events.next({ type: 'modified', object });
    }
    for (const [key, object] of this.#cache) {
      if (!seen.has(key)) {
        this.#cache.delete(key);
        this.#events.next({ type: 'deleted', object });
      }
    }
    this.#synced = true;
    this.#events.next({ type: 'synced', count: this.#cache.size });
    this.#firstSync.resolve();
  }
}

/** client-node ends an idle watch with TimeoutError, and our own abort shows up as AbortError: both are normal. */
function isQuietEnd(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'TimeoutError' || name === 'AbortError';
}
