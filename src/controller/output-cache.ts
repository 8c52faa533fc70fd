import type { ConfigMap } from '../kube/objects.ts';

/** Versions remembered: enough for the writes and edits that can overtake each other within one watch round trip. */
const VERSIONS_KEPT = 32;

/**
 * Read-your-writes for the output ConfigMap. The informer lags our own writes by a watch round trip; a reconcile
 * that read the informer in between would compare against the old content and write again. What the last write
 * returned is trusted until the informer has delivered that version (or anything newer, or a deletion).
 */
export class OutputCache {
  readonly #informer: () => ConfigMap | undefined;
  #stored: ConfigMap | undefined;
  /** Versions the informer has delivered, newest last (the write's response may come after its watch event). */
  readonly #seen: string[] = [];

  constructor(informer: () => ConfigMap | undefined) {
    this.#informer = informer;
  }

  /** The output ConfigMap as it is now, as far as this process can know. */
  live(): ConfigMap | undefined {
    return this.#stored ?? this.#informer();
  }

  /** A write returned this object. */
  stored(configMap: ConfigMap): void {
    if (!this.#seen.includes(configMap.metadata.resourceVersion)) this.#stored = configMap;
  }

  /** The informer delivered a watch event; events arrive in order, so from our own write on it is the truth again. */
  observed(type: 'added' | 'modified' | 'deleted', configMap: ConfigMap): void {
    const version = configMap.metadata.resourceVersion;
    this.#seen.push(version);
    if (this.#seen.length > VERSIONS_KEPT) this.#seen.shift();
    if (type === 'deleted' || version === this.#stored?.metadata.resourceVersion) this.#stored = undefined;
  }

  /** The informer relisted: its cache is complete and current. */
  resynced(): void {
    this.#stored = undefined;
  }
}
