import type { OutputTarget } from '../config/operator-config.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeApiError } from '../kube/errors.ts';
import type { ConfigMap } from '../kube/objects.ts';

export const FIELD_MANAGER = 'kubernaut-toolset';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const HASH_ANNOTATION = 'kubernaut.io/toolset-hash';
export const OVERRIDES_KEY = 'overrides.yaml';

export type WriteResult = 'created' | 'updated' | 'unchanged' | 'conflict' | 'error' | 'refused';

export type WriteOutcome =
  | { ok: true; result: 'created' | 'updated' | 'unchanged'; stored?: ConfigMap; dryRun: boolean }
  | { ok: false; result: 'refused'; reason: 'NotOwned' | 'TooLarge'; message: string }
  /** `retryable`: a later attempt can succeed without the object changing (all but 413 and 422: see PERMANENT_STATUS). */
  | { ok: false; result: 'conflict' | 'error'; message: string; retryable: boolean; notFound?: boolean };

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
 * API server answer 409. One attempt per write: the outcome says whether another can help, and the pipeline owns the
 * retry (with backoff, cut short by the next change, planned afresh from the watch cache).
 */
export class ConfigMapWriter {
  readonly #kube: KubeClient;
  readonly #target: OutputTarget;

  constructor(kube: KubeClient, target: OutputTarget) {
    this.#kube = kube;
    this.#target = target;
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
    if (!ownedBy(live, this.#target.adopt)) {
      const manager = live?.metadata.labels[MANAGED_BY_LABEL];
      return {
        ok: false, result: 'refused', reason: 'NotOwned',
        message: `ConfigMap ${namespace}/${name} exists and is not managed by ${FIELD_MANAGER} (${MANAGED_BY_LABEL}=${manager ?? 'unset'}); set output.adopt: true to take it over`,
      };
    }
    if (upToDate(live, key, content, hash)) return { ok: true, result: 'unchanged', dryRun: this.#target.dryRun, ...(live ? { stored: live } : {}) };
    // A dry run stops here: not even a server-side dry-run request, so nothing mutating ever leaves the process.
    if (this.#target.dryRun) return { ok: true, result: live ? 'updated' : 'created', dryRun: true };
    try {
      const stored = await this.#kube.applyConfigMap(
        {
          namespace, name,
          ...(live ? { resourceVersion: live.metadata.resourceVersion } : {}),
          labels: { [MANAGED_BY_LABEL]: FIELD_MANAGER },
          annotations: { [HASH_ANNOTATION]: hash },
          data: { [key]: content },
        },
        // force: the key is ours even after someone edited it by hand; the resourceVersion still guards races.
        { fieldManager: FIELD_MANAGER, force: true },
      );
      return { ok: true, result: live ? 'updated' : 'created', stored, dryRun: this.#target.dryRun };
    } catch (caught) {
      const error = caught as Partial<KubeApiError> & Error;
      const status = error.status ?? 0;
      return {
        ok: false, result: error.conflict ? 'conflict' : 'error', message: error.message,
        retryable: !PERMANENT_STATUS.has(status),
        ...(error.notFound ? { notFound: true } : {}),
      };
    }
  }
}

/**
 * Statuses no later attempt gets past without the operator's object changing: the API server found it invalid (422)
 * or too large (413). Anything else can heal meanwhile: a conflict, an unavailable or throttling API server, a
 * missing namespace, an RBAC grant, an admission webhook whose policy changes (400 or 403).
 */
const PERMANENT_STATUS = new Set([413, 422]);
