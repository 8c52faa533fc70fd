import type { OutputTarget } from '../config/operator-config.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeApiError } from '../kube/errors.ts';
import type { ConfigMap } from '../kube/objects.ts';
import { backoffDelay, sleep, type BackoffPolicy } from '../retry/backoff.ts';

export const FIELD_MANAGER = 'kubernaut-toolset';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const HASH_ANNOTATION = 'kubernaut.io/toolset-hash';
export const OVERRIDES_KEY = 'overrides.yaml';

export type WriteResult = 'created' | 'updated' | 'unchanged' | 'conflict' | 'error' | 'refused';

export type WriteOutcome =
  | { ok: true; result: 'created' | 'updated' | 'unchanged'; stored?: ConfigMap; dryRun: boolean }
  | { ok: false; result: 'refused'; reason: 'NotOwned' | 'TooLarge'; message: string }
  | { ok: false; result: 'conflict' | 'error'; message: string; attempts: number; notFound?: boolean };

/** Whether `live` is ours to write: managed by us, or adoption allowed. */
export function ownedBy(live: ConfigMap | undefined, adopt: boolean): boolean {
  return !live || adopt || live.metadata.labels[MANAGED_BY_LABEL] === FIELD_MANAGER;
}

/** The live ConfigMap already holds exactly this content (hash and the key itself, so hand edits count as drift). */
export function upToDate(live: ConfigMap | undefined, key: string, content: string, hash: string): boolean {
  return !!live && live.metadata.annotations[HASH_ANNOTATION] === hash && live.data[key] === content;
}

/**
 * Writes the generated key of the output ConfigMap with server-side apply, owning only that key, its label and
 * its hash annotation. Each apply carries the resourceVersion it was decided on, so a concurrent change makes the
 * API server answer 409; the writer then re-reads, re-decides and retries with backoff.
 */
export class ConfigMapWriter {
  readonly #kube: KubeClient;
  readonly #target: OutputTarget;
  readonly #backoff: BackoffPolicy;
  readonly #attempts: number;

  constructor(kube: KubeClient, target: OutputTarget, options: { backoff?: BackoffPolicy; attempts?: number } = {}) {
    this.#kube = kube;
    this.#target = target;
    this.#backoff = options.backoff ?? { initialMs: 100, maxMs: 2_000, jitter: 0.2 };
    this.#attempts = options.attempts ?? 5;
  }

  get target(): OutputTarget {
    return this.#target;
  }

  async write(content: string, hash: string, live: ConfigMap | undefined): Promise<WriteOutcome> {
    const { namespace, name, key, sizeBudgetBytes } = this.#target;
    const bytes = Buffer.byteLength(content);
    if (bytes > sizeBudgetBytes) {
      return { ok: false, result: 'refused', reason: 'TooLarge', message: `${key} would be ${bytes} bytes, over the ${sizeBudgetBytes}-byte budget; keeping the last written content` };
    }
    let current = live;
    let lastError: KubeApiError | undefined;
    let attempt = 0;
    while (attempt < this.#attempts) {
      attempt += 1;
      if (!ownedBy(current, this.#target.adopt)) {
        const manager = current?.metadata.labels[MANAGED_BY_LABEL];
        return {
          ok: false, result: 'refused', reason: 'NotOwned',
          message: `ConfigMap ${namespace}/${name} exists and is not managed by ${FIELD_MANAGER} (${MANAGED_BY_LABEL}=${manager ?? 'unset'}); set output.adopt: true to take it over`,
        };
      }
      if (upToDate(current, key, content, hash)) return { ok: true, result: 'unchanged', dryRun: this.#target.dryRun, ...(current ? { stored: current } : {}) };
      // A dry run stops here: not even a server-side dry-run request, so nothing mutating ever leaves the process.
      if (this.#target.dryRun) return { ok: true, result: current ? 'updated' : 'created', dryRun: true };
      try {
        const stored = await this.#kube.applyConfigMap(
          {
            namespace, name,
            ...(current ? { resourceVersion: current.metadata.resourceVersion } : {}),
            labels: { [MANAGED_BY_LABEL]: FIELD_MANAGER },
            annotations: { [HASH_ANNOTATION]: hash },
            data: { [key]: content },
          },
          // force: the key is ours even after someone edited it by hand; the resourceVersion still guards races.
          { fieldManager: FIELD_MANAGER, force: true },
        );
        return { ok: true, result: current ? 'updated' : 'created', stored, dryRun: this.#target.dryRun };
      } catch (error) {
        lastError = error as KubeApiError;
        if (attempt === this.#attempts) break;
        if (lastError.conflict || lastError.status === 0 || lastError.status >= 500 || lastError.status === 429) {
          await sleep(backoffDelay(attempt, this.#backoff));
          try {
            current = await this.#kube.getConfigMap(namespace, name);
          } catch (readError) {
            lastError = readError as KubeApiError;
          }
          continue;
        }
        break;
      }
    }
    const message = lastError?.message ?? 'unknown error';
    return { ok: false, result: lastError?.conflict ? 'conflict' : 'error', message, attempts: attempt, ...(lastError?.notFound ? { notFound: true } : {}) };
  }
}
