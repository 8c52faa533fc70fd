import { setTimeout as sleep } from 'node:timers/promises';
import { defer, Subject, type Observable } from 'rxjs';
import { oneAtATime } from '../../operators/index.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ConsumerPod } from '../kube/objects.ts';
import { backoffDelay } from '../retry/backoff.ts';
import { AdminRefused, type ConsumerHttp, type LoadedToolset } from './consumer-http.ts';
import { MARKER_PREFIX } from '../reconcile/output-document.ts';
import { HASH_ANNOTATION } from './configmap-writer.ts';

/**
 * On a consumer pod, rewritten while its new file is awaited: each pod update makes the kubelet sync the pod again.
 * The first sync can run before the kubelet's ConfigMap cache has the new content, and then writes the old file
 * again; without another update the next sync is the periodic one, a minute or more later.
 */
export const SYNC_ANNOTATION = 'kubernaut.io/toolset-sync';
/** While a pod's new file is awaited, it is nudged (SYNC_ANNOTATION) at most this often. */
const NUDGE_MS = 2_000;

/** On a consumer pod: the content hash HolmesGPT in that pod was last reloaded with (written after the reload). */
export const RELOADED_ANNOTATION = 'kubernaut.io/toolset-reloaded';
/** With no new content, pods are looked at again at most this often (a pod that became ready since gets its reload). */
const RECHECK_MS = 30_000;
/** While a pod not yet at the hash is not ready (it may have loaded the old file), it is looked for after this, doubling. */
const WAITING_RECHECK_MS = 1_000;
const POLL_MS = 100;
/**
 * HolmesGPT 0.45.0 checks every toolset's prerequisites at a reload, all at once under one deadline
 * (holmes/core/toolset_manager.py, DEFAULT_TOOLSET_PREREQ_TIMEOUT_SECONDS = 20, HOLMES_TOOLSET_PREREQ_TIMEOUT_SECONDS):
 * one stalling datasource (a tenant's MCP server) holds the whole reload that long. The reload call is never cut
 * before that deadline could pass, so such a reload ends, and the toolsets that caused it are named, instead of
 * failing and rolling the Deployment.
 */
const RELOAD_CALL_MIN_MS = 25_000;
/** HolmesGPT's error for a toolset whose prerequisite check missed that deadline (check_toolset_prerequisites). */
const PREREQ_TIMED_OUT = /did not complete within/;

/** A toolset that held a reload up: HolmesGPT's prerequisite deadline passed while its check was still running. */
export interface ReloadStall {
  toolset: string;
  pods: string[];
  /** HolmesGPT's error for it. */
  error: string;
}

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
}

/**
 * Reloads HolmesGPT in the consumer's ready pods without restarting them. Per pod: a pod annotation carrying the
 * new hash makes the kubelet sync the pod, which refreshes its ConfigMap volume at once (instead of at its periodic
 * sync, up to a minute or more later); the file-hash sidecar confirms the file holds the new content; then HolmesGPT's
 * admin API reloads it, and the pod is annotated with the hash it now serves. With the content marker instead of a
 * sidecar, HolmesGPT reloads until its own toolset listing names the new file's marker. That annotation is the record: pods
 * already at the hash are left alone, across operator restarts too.
 *
 * Runs off the reconcile path, one at a time; requests that arrive meanwhile fold into one run for the newest hash.
 * What a run means (Events, metrics, the rollout fallback) is up to whoever subscribes to `outcomes`.
 */
export class InPlaceReloader {
  readonly namespace: string;
  readonly deployment: string;
  readonly #deps: InPlaceReloaderDeps;
  readonly #requests = new Subject<Wanted>();
  /** One outcome per run; runs happen only while this is subscribed. */
  readonly outcomes: Observable<InPlaceResult>;
  readonly #now: () => number;
  #checked: { hash: string; at: number } | undefined;
  #followUp: { timer: NodeJS.Timeout; attempt: number } | undefined;
  /** Each consumer pod of the last run and the content hash HolmesGPT in it last loaded (its reloaded annotation). */
  #loaded: { pod: string; hash: string | undefined }[] = [];

  constructor(deps: InPlaceReloaderDeps) {
    this.#deps = deps;
    this.namespace = deps.namespace;
    this.deployment = deps.deployment;
    this.#now = deps.now ?? Date.now;
    // reload() handles its own failures; a bug must not end the stream, and with it every later reload.
    this.outcomes = this.#requests.pipe(oneAtATime(({ hash, marker }) => defer(() => this.reload(hash, marker).catch((error: unknown) => ({
      result: 'error' as const, hash, message: `in-place reload: ${(error as Error).message}`,
    })))));
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
        const loaded = await this.#reloadPod(pod, { hash, ...(marker ? { marker } : {}) }, apiKey);
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
    if (previous) clearTimeout(previous.timer);
    this.#followUp = undefined;
    if (!needed) return;
    const attempt = (previous?.attempt ?? 0) + 1;
    const initialMs = this.#deps.waitingRecheckMs ?? WAITING_RECHECK_MS;
    const timer = setTimeout(() => this.request(wanted.hash, wanted.marker), backoffDelay(attempt, { initialMs, maxMs: RECHECK_MS, jitter: 0 }));
    timer.unref();
    this.#followUp = { timer, attempt };
  }

  /** Read at every run, so a rotated key is used at once; a missing one fails the run like a refusal. */
  async #apiKey(): Promise<string | undefined> {
    const secret = this.#deps.apiKeySecret;
    if (!secret) return undefined;
    const value = await this.#deps.kube.readSecretKey(this.namespace, secret.name, secret.key);
    if (!value) throw new AdminRefused(`reload.apiKeySecret: Secret ${this.namespace}/${secret.name} has no key ${secret.key}`);
    return value.trim();
  }

  /** Reloads one pod; returns what HolmesGPT then lists (undefined when its server has no detailed info route). */
  async #reloadPod(pod: ConsumerPod, wanted: Wanted, apiKey: string | undefined): Promise<LoadedToolset[] | undefined> {
    const { kube, http, adminPort, confirmTimeoutMs } = this.#deps;
    const { hash } = wanted;
    const ip = pod.ip ?? '';
    const deadline = this.#now() + confirmTimeoutMs;
    if (pod.annotations[HASH_ANNOTATION] !== hash) await kube.annotatePod(pod.namespace, pod.name, { [HASH_ANNOTATION]: hash });
    const nudge = this.#nudger(pod);
    let loaded: LoadedToolset[] | undefined;
    if (this.#deps.confirm === 'marker') {
      loaded = await this.#reloadUntilMarked(ip, wanted, deadline, apiKey, nudge);
    } else {
      await this.#awaitFileHash(ip, hash, deadline, nudge);
      await http.reloadToolsets(ip, adminPort, reloadBudget(deadline - this.#now()), apiKey);
      // Only to name what held the reload up: a server without the route still reloaded.
      loaded = await http.loadedToolsets(ip, adminPort, Math.max(1_000, deadline - this.#now()), apiKey).catch(() => undefined);
    }
    await kube.annotatePod(pod.namespace, pod.name, { [RELOADED_ANNOTATION]: hash });
    return loaded;
  }

  /** Annotates the pod with SYNC_ANNOTATION, at most once per nudge interval (the first call only starts the clock). */
  #nudger(pod: ConsumerPod): () => Promise<void> {
    let last = this.#now();
    return async () => {
      const now = this.#now();
      if (now - last < (this.#deps.nudgeMs ?? NUDGE_MS)) return;
      last = now;
      await this.#deps.kube.annotatePod(pod.namespace, pod.name, { [SYNC_ANNOTATION]: String(now) });
    };
  }

  /** Polls the pod's file-hash sidecar until the kubelet has put the file with `hash` in place. */
  async #awaitFileHash(ip: string, hash: string, deadline: number, nudge: () => Promise<void>): Promise<void> {
    const { http, hashPort, confirmTimeoutMs } = this.#deps;
    const pollMs = this.#deps.pollMs ?? POLL_MS;
    for (;;) {
      let last: string;
      try {
        const seen = await http.fileHash(ip, hashPort, Math.max(1, Math.min(deadline - this.#now(), 2_000)));
        if (seen === hash) return;
        last = `the file still has sha256 ${seen.slice(0, 12)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (this.#now() + pollMs >= deadline) {
        throw new Error(`the kubelet did not put the new file (sha256 ${hash.slice(0, 12)}) in the pod within ${confirmTimeoutMs} ms; ${last}`);
      }
      await nudge();
      await sleep(pollMs);
    }
  }

  /**
   * Without a sidecar nothing tells when the kubelet has swapped the file, so HolmesGPT reloads, and is asked which
   * marker it now lists; an old one means it read the old file, and it reloads again (backing off) until the deadline.
   */
  async #reloadUntilMarked(ip: string, wanted: Wanted, deadline: number, apiKey: string | undefined, nudge: () => Promise<void>): Promise<LoadedToolset[]> {
    const { http, adminPort, confirmTimeoutMs } = this.#deps;
    const { marker } = wanted;
    if (!marker) throw new Error('reload.confirm=marker, but the file carries no content marker');
    const pollMs = this.#deps.pollMs ?? POLL_MS;
    for (let attempt = 1; ; attempt++) {
      await http.reloadToolsets(ip, adminPort, reloadBudget(deadline - this.#now()), apiKey);
      const loaded = await http.loadedToolsets(ip, adminPort, Math.max(1_000, deadline - this.#now()), apiKey);
      const names = loaded.map((t) => t.name);
      if (names.includes(marker)) return loaded;
      const wait = backoffDelay(attempt, { initialMs: pollMs, maxMs: 2_000, jitter: 0 });
      if (this.#now() + wait >= deadline) {
        const held = names.filter((n) => n.startsWith(MARKER_PREFIX));
        throw new Error(`HolmesGPT did not load the new file (${marker}) within ${confirmTimeoutMs} ms; it lists ${held.length > 0 ? held.join(', ') : 'no content marker'}`);
      }
      await nudge();
      await sleep(wait);
    }
  }
}

/** The time a reload call may take: what is left of the confirm budget, but never less than HolmesGPT's own deadline. */
const reloadBudget = (leftMs: number) => Math.max(RELOAD_CALL_MIN_MS, leftMs);

/** The toolsets whose prerequisite check HolmesGPT gave up on in any reloaded pod, sorted, with the pods. */
export function stallsOf(outcomes: readonly { pod: string; loaded?: LoadedToolset[] | undefined }[]): ReloadStall[] {
  const stalls = new Map<string, ReloadStall>();
  for (const { pod, loaded } of outcomes) {
    for (const t of loaded ?? []) {
      if (t.status !== 'failed' || !PREREQ_TIMED_OUT.test(t.error)) continue;
      const stall = stalls.get(t.name) ?? { toolset: t.name, pods: [], error: t.error };
      stall.pods.push(pod);
      stalls.set(t.name, stall);
    }
  }
  return [...stalls.values()].sort((a, b) => a.toolset.localeCompare(b.toolset));
}

/** What a run is for: the content hash, and its marker when the file carries one. */
interface Wanted {
  hash: string;
  marker?: string;
}
