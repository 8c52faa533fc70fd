import { asyncScheduler, defer, finalize, share, Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { oneAtATime } from '../../operators/index.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ConsumerPod } from '../kube/objects.ts';
import { backoffDelay } from '../retry/backoff.ts';
import { AdminRefused, type ConsumerHttp } from './consumer-http.ts';
import { PodReload, RELOADED_ANNOTATION, type Wanted } from './pod-reload.ts';
import { stallsOf, type ReloadStall } from './reload-stalls.ts';

/** With no new content, pods are looked at again at most this often (a pod that became ready since gets its reload). */
const RECHECK_MS = 30_000;
/** While a pod not yet at the hash is not ready (it may have loaded the old file), it is looked for after this, doubling. */
const WAITING_RECHECK_MS = 1_000;

export type InPlaceResult =
  | { result: 'reloaded'; hash: string; pods: string[]; seconds: number; stalls: ReloadStall[] }
  | { result: 'unchanged' | 'skipped'; hash: string }
  | { result: 'missing'; hash: string }
  /** `refused`: HolmesGPT answered 401/403 (its API key), which a retry cannot fix. */
  | { result: 'failed'; hash: string; failures: string[]; reloaded: string[]; refused: boolean }
  | { result: 'error'; hash: string; message: string };

export interface InPlaceReloaderDeps {
  kube: Pick<KubeClient, 'listDeploymentPods' | 'annotatePod' | 'readSecretKey'>;
  http: ConsumerHttp;
  namespace: string;
  deployment: string;
  adminPort: number;
  hashPort: number;
  /** How a pod's new file is confirmed: its file-hash sidecar before the reload, or the content marker after it. */
  confirm?: 'sidecar' | 'marker';
  confirmTimeoutMs: number;
  /** The Secret (in the consumer's namespace) and key holding HolmesGPT's API key, when its server requires one. */
  apiKeySecret?: { name: string; key: string };
  now?: () => number;
  pollMs?: number;
  nudgeMs?: number;
  waitingRecheckMs?: number;
  /** Where the look-agains of starting pods are timed: the pipeline's scheduler. */
  scheduler?: SchedulerLike;
}

/**
 * Reloads HolmesGPT in the consumer's ready pods without restarting them, each pod by a PodReload. A pod's reloaded
 * annotation is the record: pods already at the hash are left alone, across operator restarts too; pods still
 * starting are looked at again until they are ready or at the hash.
 *
 * Runs off the reconcile path, one at a time; requests that arrive meanwhile fold into one run for the newest hash.
 * What a run means (Events, metrics, the rollout fallback) is up to whoever subscribes to `outcomes`.
 */
export class InPlaceReloader {
  readonly namespace: string;
  readonly deployment: string;
  readonly #deps: InPlaceReloaderDeps;
  readonly #requests = new Subject<Wanted>();
  /** One outcome per run; runs happen only while this is subscribed (the controller's pipeline subscribes). */
  readonly outcomes: Observable<InPlaceResult>;
  readonly #now: () => number;
  readonly #scheduler: SchedulerLike;
  readonly #pod: PodReload;
  #checked: { hash: string; at: number } | undefined;
  #followUp: { scheduled: Subscription; attempt: number } | undefined;
  /** Each consumer pod of the last run and the content hash HolmesGPT in it last loaded (its reloaded annotation). */
  #loaded: { pod: string; hash: string | undefined }[] = [];

  constructor(deps: InPlaceReloaderDeps) {
    this.#deps = deps;
    this.namespace = deps.namespace;
    this.deployment = deps.deployment;
    this.#scheduler = deps.scheduler ?? asyncScheduler;
    this.#now = deps.now ?? (() => this.#scheduler.now());
    this.#pod = new PodReload({ ...deps, now: this.#now });
    // reload() handles its own failures; a bug must not end the stream, and with it every later reload.
    this.outcomes = this.#requests.pipe(
      oneAtATime(({ hash, marker }) => defer(() => this.reload(hash, marker).catch((error: unknown) => ({
        result: 'error' as const, hash, message: `in-place reload: ${(error as Error).message}`,
      })))),
      // Nobody watching any more (the composition ended): a pending look-again is dropped with it.
      finalize(() => {
        this.#followUp?.scheduled.unsubscribe();
        this.#followUp = undefined;
      }),
      // One stream of runs, however many watch it (the pipeline composes it; tests also wait on it).
      share(),
    );
  }

  /** Whether a look again is scheduled (a pod of the Deployment was starting at the last run). */
  get followUpScheduled(): boolean {
    return this.#followUp !== undefined;
  }

  /** Each consumer pod seen at the last run, by name, with the content hash its HolmesGPT has loaded (if known). */
  get loadedHashes(): readonly { pod: string; hash: string | undefined }[] {
    return this.#loaded;
  }

  /** Asks for the consumer to serve `hash` (whose content marker is `marker`, with confirm=marker); returns at once. */
  request(hash: string, marker?: string): void {
    this.#requests.next({ hash, ...(marker ? { marker } : {}) });
  }

  /** One run: every ready pod not yet at `hash` is refreshed, confirmed and reloaded. Never throws. */
  async reload(hash: string, marker?: string): Promise<InPlaceResult> {
    const started = this.#now();
    const checked = this.#checked;
    if (checked?.hash === hash && started - checked.at < RECHECK_MS) return { result: 'skipped', hash };
    let pods: ConsumerPod[] | undefined;
    try {
      pods = await this.#deps.kube.listDeploymentPods(this.namespace, this.deployment);
    } catch (error) {
      return { result: 'error', hash, message: (error as Error).message };
    }
    if (pods === undefined) {
      this.#loaded = [];
      return { result: 'missing', hash };
    }
    this.#loaded = pods.map((p) => ({ pod: p.name, hash: p.annotations[RELOADED_ANNOTATION] })).sort((a, b) => a.pod.localeCompare(b.pod));
    const behind = pods.filter((p) => p.annotations[RELOADED_ANNOTATION] !== hash);
    const due = behind.filter((p) => p.ready && p.ip);
    // A pod that is starting may read the old file before it is ready: look again until it is ready or at the hash.
    const waiting = due.length < behind.length;
    this.#scheduleFollowUp({ hash, ...(marker ? { marker } : {}) }, waiting);
    if (due.length === 0) {
      if (!waiting) this.#checked = { hash, at: started };
      return { result: 'unchanged', hash };
    }
    let apiKey: string | undefined;
    try {
      apiKey = await this.#apiKey();
    } catch (error) {
      return { result: 'failed', hash, failures: [(error as Error).message], reloaded: [], refused: true };
    }
    const outcomes = await Promise.all(due.map(async (pod) => {
      try {
        const loaded = await this.#pod.run(pod, { hash, ...(marker ? { marker } : {}) }, apiKey);
        return { pod: pod.name, loaded };
      } catch (error) {
        return { pod: pod.name, failure: `pod ${pod.name}: ${(error as Error).message}`, refused: error instanceof AdminRefused };
      }
    }));
    const reloaded = outcomes.filter((o) => o.failure === undefined).map((o) => o.pod);
    this.#loaded = this.#loaded.map((l) => (reloaded.includes(l.pod) ? { pod: l.pod, hash } : l));
    const failures = outcomes.flatMap((o) => (o.failure === undefined ? [] : [o.failure]));
    const refused = outcomes.some((o) => o.refused === true);
    // A failed run is retried no sooner than a recheck either (the caller has rolled the Deployment meanwhile), unless
    // a starting pod is still to be looked at.
    if (!waiting) this.#checked = { hash, at: this.#now() };
    if (failures.length > 0) return { result: 'failed', hash, failures, reloaded, refused };
    return { result: 'reloaded', hash, pods: reloaded, seconds: (this.#now() - started) / 1000, stalls: stallsOf(outcomes) };
  }

  #scheduleFollowUp(wanted: Wanted, needed: boolean): void {
    const previous = this.#followUp;
    previous?.scheduled.unsubscribe();
    this.#followUp = undefined;
    if (!needed) return;
    const attempt = (previous?.attempt ?? 0) + 1;
    const initialMs = this.#deps.waitingRecheckMs ?? WAITING_RECHECK_MS;
    const delay = backoffDelay(attempt, { initialMs, maxMs: RECHECK_MS, jitter: 0 });
    // On the pipeline's scheduler (virtual time in tests); a pending look-again ends with the composition.
    const scheduled = this.#scheduler.schedule(() => this.request(wanted.hash, wanted.marker), delay);
    this.#followUp = { scheduled, attempt };
  }

  /** Read at every run, so a rotated key is used at once; a missing one fails the run like a refusal. */
  async #apiKey(): Promise<string | undefined> {
    const secret = this.#deps.apiKeySecret;
    if (!secret) return undefined;
    const value = await this.#deps.kube.readSecretKey(this.namespace, secret.name, secret.key);
    if (!value) throw new AdminRefused(`reload.apiKeySecret: Secret ${this.namespace}/${secret.name} has no key ${secret.key}`);
    return value.trim();
  }
}
