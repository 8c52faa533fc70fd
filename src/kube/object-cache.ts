import { objectKey, type ObjectMeta } from './objects.ts';

export interface Keyed {
  metadata: Pick<ObjectMeta, 'namespace' | 'name' | 'resourceVersion'>;
}

export type ObjectChange<T> = { type: 'added' | 'modified' | 'deleted'; object: T };

/**
 * The objects a reflector has seen, keyed by namespace/name, and what each list or watch event changed in it. A
 * relist is diffed against the cache, so a client sees only real changes: objects that vanished while the watch
 * was down come out as deletions, unchanged ones (same resourceVersion) not at all.
 */
export class ObjectCache<T extends Keyed> {
  readonly #objects = new Map<string, T>();

  get size(): number {
    return this.#objects.size;
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  get(namespace: string, name: string): T | undefined {
    return this.#objects.get(objectKey({ namespace, name }));
  }

  /** Replaces the whole content with a fresh list; returns the changes, deletions last. */
  replace(items: readonly T[]): ObjectChange<T>[] {
    const changes: ObjectChange<T>[] = [];
    const seen = new Set<string>();
    for (const object of items) {
      const key = objectKey(object.metadata);
      seen.add(key);
      const old = this.#objects.get(key);
      this.#objects.set(key, object);
      if (!old) changes.push({ type: 'added', object });
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) changes.push({ type: 'modified', object });
    }
    for (const [key, object] of this.#objects) {
      if (seen.has(key)) continue;
      this.#objects.delete(key);
      changes.push({ type: 'deleted', object });
    }
    return changes;
  }

  /** Applies one watch event. */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): ObjectChange<T> {
    const key = objectKey(object.metadata);
    if (type === 'DELETED') {
      this.#objects.delete(key);
      return { type: 'deleted', object };
    }
    const known = this.#objects.has(key);
    this.#objects.set(key, object);
    return { type: known ? 'modified' : 'added', object };
  }
}
