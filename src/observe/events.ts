import type { KubeClient } from '../kube/client.ts';
import type { EventRecord } from '../kube/objects.ts';
import { objectRef, type Logger } from './logger.ts';

export const REPORTING_CONTROLLER = 'kubernaut-toolset';

/** What the output ConfigMap's Events are about: one key each, so each holds only the latest state. */
export type OutputTopic = 'Updated' | 'Reload' | 'ReloadStall' | 'OverridesInvalid' | 'BaseLayerInvalid' | 'WriteProblem' | 'PolicyProblem';

/**
 * One key per thing an Event can be about: a Service (namespace/name) or one topic of the output. Keys are bounded
 * by the Services in scope plus the four topics, whatever the content history (a key per content hash grew forever).
 */
export type EventKey = `service:${string}` | `output:${OutputTopic}`;

export const serviceEventKey = (key: string): EventKey => `service:${key}`;
export const outputEventKey = (topic: OutputTopic): EventKey => `output:${topic}`;
/** Events sent at once: a start-up with a thousand Services must not flood the API server or the event loop. */
const MAX_IN_FLIGHT = 4;
/** Beyond this backlog new Events are dropped (and counted): they describe state, which /status also shows. */
const MAX_QUEUED = 2_000;

/**
 * Kubernetes Events for state changes only: an object gets a new Event when its reason or message changes, not on
 * every reconcile, so a steady state records nothing. Recording never blocks or fails a reconcile.
 */
export class EventRecorder {
  readonly #kube: KubeClient;
  readonly #log: Logger;
  readonly #mayWrite: () => boolean;
  readonly #onDropped: () => void;
  readonly #last = new Map<EventKey, string>();
  /** Seen while this replica could not record (not yet leader): recorded at the first report after it can. */
  readonly #unrecorded = new Set<EventKey>();
  readonly #queue: EventRecord[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #idle = Promise.withResolvers<void>();

  constructor(kube: KubeClient, log: Logger, mayWrite: () => boolean, onDropped: () => void = () => {}) {
    this.#kube = kube;
    this.#log = log;
    this.#mayWrite = mayWrite;
    this.#onDropped = onDropped;
    this.#idle.resolve();
  }

  /**
   * Records `event` unless the last one for `key` said the same. Returns whether it was new (a state change). A
   * state first seen before this replica led (the first reconcile runs before the Lease is won) is recorded once it
   * leads, so a Service rejected at start-up still gets its Event.
   */
  report(key: EventKey, event: EventRecord): boolean {
    const signature = `${event.type}|${event.reason}|${event.message}`;
    const isNew = this.#last.get(key) !== signature;
    if (!isNew && !(this.#unrecorded.has(key) && this.#mayWrite())) return false;
    this.#last.set(key, signature);
    const context = { reason: event.reason, ...objectRef(event.regarding.kind, event.regarding.namespace, event.regarding.name), detail: event.message };
    if (!this.#mayWrite()) {
      this.#unrecorded.add(key);
      this.#log.info('event not recorded (dry run or not leader)', context);
      return true;
    }
    this.#unrecorded.delete(key);
    if (this.#queue.length >= MAX_QUEUED) {
      this.#onDropped();
      this.#log.warn('Event dropped: too many waiting to be recorded', context);
      return isNew;
    }
    if (this.#queue.length === 0 && this.#inFlight.size === 0) this.#idle = Promise.withResolvers<void>();
    this.#queue.push(event);
    this.#pump();
    return isNew;
  }

  #pump(): void {
    while (this.#inFlight.size < MAX_IN_FLIGHT && this.#queue.length > 0) {
      const event = this.#queue.shift() as EventRecord;
      const pending: Promise<void> = this.#kube
        .recordEvent(event, REPORTING_CONTROLLER)
        .catch((error: unknown) => {
          this.#log.warn('could not record Event', { reason: event.reason, ...objectRef(event.regarding.kind, event.regarding.namespace, event.regarding.name), error: (error as Error).message });
        })
        .finally(() => {
          this.#inFlight.delete(pending);
          this.#pump();
          if (this.#inFlight.size === 0 && this.#queue.length === 0) this.#idle.resolve();
        });
      this.#inFlight.add(pending);
    }
  }

  /** The object is gone or back to a state that needs no Event; a later problem is reported afresh. */
  forget(key: EventKey): void {
    this.#last.delete(key);
    this.#unrecorded.delete(key);
  }

  /** Forgets every Service key not in `current`: a Service that comes back later is reported afresh. */
  retainServices(current: ReadonlySet<EventKey>): void {
    for (const key of this.#last.keys()) if (key.startsWith('service:') && !current.has(key)) this.forget(key);
  }

  /** How many keys are remembered (bounded by the Services in scope plus the output topics). */
  get size(): number {
    return this.#last.size;
  }

  /** Waits until every queued Event has been sent (at shutdown; the caller bounds the wait). */
  flush(): Promise<void> {
    return this.#idle.promise;
  }
}
