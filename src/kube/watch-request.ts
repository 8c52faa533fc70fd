import { KubeApiError, toKubeApiError } from './errors.ts';
import type { Keyed } from './object-cache.ts';
import type { ListWatchSource, RestartReason } from './list-watch.ts';

export interface WatchHandlers<T> {
  /** Anything arrived: an event, a bookmark, or the API server's answer to the request. */
  onActivity: () => void;
  onObject: (type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK', object: T) => void;
}

/**
 * One watch request and its stream. It ends 'closed' (a normal close or idle timeout: resume from the last
 * resource version), with a RestartReason (410 Gone, or a restart asked for), or rejects with the API error.
 * A request the API server has not answered yet (a frozen server accepts the connection and says nothing) is
 * given up at once on stop or restart; should it answer later, that stream is aborted unread.
 */
export class WatchRequest<T extends Keyed> {
  readonly #source: ListWatchSource<T>;
  readonly #signal: AbortSignal;
  readonly #handlers: WatchHandlers<T>;
  #stream: { abort(): void } | undefined;
  #restart: RestartReason | undefined;
  #expired = false;
  #finish: ((outcome: () => void) => void) | undefined;
  #end: ((outcome: 'closed' | RestartReason) => void) | undefined;

  constructor(source: ListWatchSource<T>, signal: AbortSignal, handlers: WatchHandlers<T>) {
    this.#source = source;
    this.#signal = signal;
    this.#handlers = handlers;
  }

  run(from: string): Promise<'closed' | RestartReason> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const onStop = () => this.#end?.('closed');
      this.#finish = (outcome) => {
        if (settled) return;
        settled = true;
        this.#signal.removeEventListener('abort', onStop);
        this.#stream?.abort();
        outcome();
      };
      this.#end = (outcome) => this.#finish?.(() => resolve(outcome));
      this.#signal.addEventListener('abort', onStop, { once: true });
      const fail = (error: unknown) => this.#finish?.(() => reject(toKubeApiError(`watch ${this.#source.description}`, error)));
      const onDone = (error?: unknown) =>
        this.#finish?.(() => {
          if (this.#restart) resolve(this.#restart);
          else if (this.#expired) resolve('expired');
          else if (error && !isQuietEnd(error)) reject(toKubeApiError(`watch ${this.#source.description}`, error));
          else resolve('closed');
        });
      this.#source.watch(from, (type, raw) => {
        if (!settled) this.#deliver(type, raw, fail);
      }, onDone).then((stream) => {
        if (settled) return stream.abort();
        // The API server answered: the connection is alive even if no object changes for a while.
        this.#stream = stream;
        this.#handlers.onActivity();
      }, fail);
    });
  }

  /** Ends this watch with `reason`: at once if unanswered, else by aborting the stream (which then reports done). */
  restart(reason: RestartReason): void {
    this.#restart = reason;
    if (this.#stream) this.#stream.abort();
    else this.#end?.(reason);
  }

  #deliver(type: string, raw: unknown, fail: (error: unknown) => void): void {
    this.#handlers.onActivity();
    if (type === 'ERROR') {
      const status = raw as { code?: number; reason?: string; message?: string };
      if (status.code === 410) this.#expired = true;
      else fail(new KubeApiError(`watch ${this.#source.description}`, status.code ?? 0, status.reason ?? '', status.message ?? ''));
      return;
    }
    this.#handlers.onObject(type as 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK', this.#source.convert(raw));
  }
}

/** client-node ends an idle watch with TimeoutError, and our own abort shows up as AbortError: both are normal. */
function isQuietEnd(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'TimeoutError' || name === 'AbortError';
}
