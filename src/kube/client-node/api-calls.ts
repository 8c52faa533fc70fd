// The two call shapes the resource parts share: a server-side apply of owned fields, and a read where 404 means absent.
import { type KubernetesObject, type KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { ApplyOptions } from '../client.ts';
import { toKubeApiError } from '../errors.ts';

/** Server-side apply of `body` (the fields the operator owns), as `what` in an error; returns the stored object. */
export async function serverSideApply<T extends KubernetesObject>(objects: KubernetesObjectApi, body: T, options: ApplyOptions, what: string): Promise<T> {
  try {
    return await objects.patch(body, undefined, options.dryRun ? 'All' : undefined, options.fieldManager, options.force ?? false, PatchStrategy.ServerSideApply);
  } catch (error) {
    throw toKubeApiError(`apply ${what}`, error);
  }
}

/** A read that answers undefined for 404, and a KubeApiError naming `what` otherwise. */
export async function readOrUndefined<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    const e = toKubeApiError(`get ${what}`, error);
    if (e.notFound) return undefined;
    throw e;
  }
}
