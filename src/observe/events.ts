import type { KubeClient } from '../kube/client.ts';
import type { EventRecord } from '../kube/objects.ts';
import type { Logger } from './logger.ts';

export const REPORTING_CONTROLLER = 'kubernaut-toolset';

/**
 * Kubernetes Events for state changes only: an object gets a new Event when its reason or message changes, not on
 * every reconcile, so a steady state records nothing. Recording never blocks or fails a reconcile.
 */
export class EventRecorder {
  readonly #kube: KubeClient;
  readonly #log: Logger;
  readonly #mayWrite: () => boolean;
  readonly #last = new Map<string, string>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(kube: KubeClient, log: Logger, mayWrite: () => boolean) {
    this.#kube = kube;
    this.#log = log;
    this.#mayWrite = mayWrite;
  }

  /** Records `event` unless the last one recorded for `key` said the same. Returns whether it was new. */
  report(key: string, event: EventRecord): boolean {
    const signature = `${event.type}|${event.reason}|${event.message}`;
    if (this.#last.get(key) === signature) return false;
    this.#last.set(key, signature);
    const context = { reason: event.reason, object: `${event.regarding.kind} ${event.regarding.namespace}/${event.regarding.name}`, detail: event.message };
    if (!this.#mayWrite()) {
      this.#log.info('event not recorded (dry run or not leader)', context);
      return true;
    }
    const pending = this.#kube
      .recordEvent(event, REPORTING_CONTROLLER)
      .catch((error: unknown) => {
        this.#log.warn('could not record Event', { ...context, error: (error as Error).message });
      })
      .finally(() => this.#inFlight.delete(pending));
    this.#inFlight.add(pending);
    return true;
  }

  /** The object is gone or back to a state that needs no Event; a later problem is reported afresh. */
  forget(key: string): void {
    this.#last.delete(key);
  }

  /** Keys currently remembered, so callers can forget the ones that vanished. */
  keys(): string[] {
    return [...this.#last.keys()];
  }

  /** Waits for Events still being sent (at shutdown). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }
}
