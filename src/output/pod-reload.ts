import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import type { ConsumerPod } from '../kube/objects.ts';
import { MARKER_PREFIX } from '../reconcile/output-document.ts';
import { backoffDelay } from '../retry/backoff.ts';
import { HASH_ANNOTATION } from './configmap-writer.ts';
import type { ConsumerHttp, LoadedToolset } from './consumer-http.ts';

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
const POLL_MS = 100;
/**
 * HolmesGPT 0.45.0 checks every toolset's prerequisites at a reload, all at once under one deadline
 * (holmes/core/toolset_manager.py, DEFAULT_TOOLSET_PREREQ_TIMEOUT_SECONDS = 20, HOLMES_TOOLSET_PREREQ_TIMEOUT_SECONDS):
 * one stalling datasource (a tenant's MCP server) holds the whole reload that long. The reload call is never cut
 * before that deadline could pass, so such a reload ends, and the toolsets that caused it are named, instead of
 * failing and rolling the Deployment.
 */
const RELOAD_CALL_MIN_MS = 25_000;

/** What a run is for: the content hash, and its marker when the file carries one. */
export interface Wanted {
  hash: string;
  marker?: string;
}

export interface PodReloadDeps {
  kube: Pick<KubeClient, 'annotatePod'>;
  http: ConsumerHttp;
  adminPort: number;
  hashPort: number;
  /** How a pod's new file is confirmed: its file-hash sidecar before the reload, or the content marker after it. */
  confirm?: 'sidecar' | 'marker';
  confirmTimeoutMs: number;
  now: () => number;
  pollMs?: number;
  nudgeMs?: number;
}

/**
 * The reload of one consumer pod: a pod annotation carrying the new hash makes the kubelet sync the pod, which
 * refreshes its ConfigMap volume at once; the file-hash sidecar confirms the file holds the new content, then
 * HolmesGPT's admin API reloads it (or, with the content marker, HolmesGPT reloads until its own listing names the
 * new file's marker); then the pod is annotated with the hash it now serves.
 */
export class PodReload {
  readonly #deps: PodReloadDeps;

  constructor(deps: PodReloadDeps) {
    this.#deps = deps;
  }

  /** Reloads `pod`; returns what HolmesGPT then lists (undefined when its server has no detailed info route). */
  async run(pod: ConsumerPod, wanted: Wanted, apiKey: string | undefined): Promise<LoadedToolset[] | undefined> {
    const { kube, http, adminPort, confirmTimeoutMs } = this.#deps;
    const { hash } = wanted;
    const ip = pod.ip ?? '';
    const deadline = this.#deps.now() + confirmTimeoutMs;
    if (pod.annotations[HASH_ANNOTATION] !== hash) await kube.annotatePod(pod.namespace, pod.name, { [HASH_ANNOTATION]: hash });
    const nudge = this.#nudger(pod);
    let loaded: LoadedToolset[] | undefined;
    if (this.#deps.confirm === 'marker') {
      loaded = await this.#reloadUntilMarked(ip, wanted, deadline, apiKey, nudge);
    } else {
      await this.#awaitFileHash(ip, hash, deadline, nudge);
      await http.reloadToolsets(ip, adminPort, reloadBudget(deadline - this.#deps.now()), apiKey);
      // Only to name what held the reload up: a server without the route still reloaded.
      loaded = await http.loadedToolsets(ip, adminPort, this.#left(deadline), apiKey).catch(() => undefined);
    }
    await kube.annotatePod(pod.namespace, pod.name, { [RELOADED_ANNOTATION]: hash });
    return loaded;
  }

  /** What is left until `deadline` for one call, but at least a second (a call must have time to be answered). */
  #left(deadline: number): number {
    return Math.max(1_000, deadline - this.#deps.now());
  }

  /** Annotates the pod with SYNC_ANNOTATION, at most once per nudge interval (the first call only starts the clock). */
  #nudger(pod: ConsumerPod): () => Promise<void> {
    let last = this.#deps.now();
    return async () => {
      const now = this.#deps.now();
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
        const seen = await http.fileHash(ip, hashPort, Math.max(1, Math.min(deadline - this.#deps.now(), 2_000)));
        if (seen === hash) return;
        last = `the file still has sha256 ${seen.slice(0, 12)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (this.#deps.now() + pollMs >= deadline) {
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
      await http.reloadToolsets(ip, adminPort, reloadBudget(deadline - this.#deps.now()), apiKey);
      const loaded = await http.loadedToolsets(ip, adminPort, this.#left(deadline), apiKey);
      const names = loaded.map((t) => t.name);
      if (names.includes(marker)) return loaded;
      const wait = backoffDelay(attempt, { initialMs: pollMs, maxMs: 2_000, jitter: 0 });
      if (this.#deps.now() + wait >= deadline) {
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
