// The contract between a Reflector and the API: one list, then a watch from its resourceVersion.

/** One page-joined list: the objects and the resourceVersion to watch from. */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** The event types of a watch stream. */
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

/** Why a reflector starts over: its watch expired (410 Gone), failed, was asked to relist, or went silent. */
export type RestartReason = 'expired' | 'error' | 'relist' | 'stalled';
