import { afterEach, describe, expect, it } from '@jest/globals';
import { concatMap, firstValueFrom, take, takeWhile, toArray, VirtualTimeScheduler, type Subscription } from 'rxjs';
import type { ApplyOptions } from '../../../src/kube/client.ts';
import type { ConfigMap, ConfigMapApply, ConsumerPod, EventRecord } from '../../../src/kube/objects.ts';
import { EventRecorder } from '../../../src/observe/events.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { Metrics } from '../../../src/observe/metrics.ts';
import { ConfigMapWriter, HASH_ANNOTATION } from '../../../src/output/configmap-writer.ts';
import { AdminRefused, type ConsumerHttp, type LoadedToolset } from '../../../src/output/consumer-http.ts';
import { MARKER_PREFIX } from '../../../src/reconcile/output-document.ts';
import { InPlaceReloader, type InPlaceReloaderDeps, type InPlaceResult } from '../../../src/output/in-place-reloader.ts';
import { RELOADED_ANNOTATION, SYNC_ANNOTATION } from '../../../src/output/pod-reload.ts';
import { OutputPublisher } from '../../../src/output/publisher.ts';
import { ReloadStamper } from '../../../src/output/reload-stamper.ts';
import { contentHash } from '../../../src/toolset/document.ts';
import { UnusedKube } from '../../support/unused-kube.ts';

const OLD = contentHash('toolsets: {}\n');
const NEW = contentHash('toolsets:\n  a: {}\n');
/** The fake's content marker of a hash (the real one hashes the file without the marker). */
const markerOf = (hash: string) => `${MARKER_PREFIX}${hash.slice(0, 16)}`;

interface FakePod extends ConsumerPod {
  /** The sha256 of the file the kubelet has put in the pod. */
  file: string;
  /** The hash HolmesGPT in the pod last loaded. */
  loaded: string;
  /** Polls of the sidecar before the kubelet's sync lands, once the pod was annotated. */
  syncAfterPolls: number;
  /** The kubelet's first sync wrote the old file (its ConfigMap cache lagged): only a later pod update helps. */
  staleFirstSync?: boolean;
}

/**
 * A consumer Deployment as the API server and the kubelet show it: annotating a pod with a new hash makes its file
 * that hash after a few sidecar polls (the pod sync); the Deployment's template can be stamped (a rollout).
 */
class ConsumerCluster extends UnusedKube implements ConsumerHttp {
  pods: FakePod[] = [];
  deploymentExists = true;
  listFailure: Error | undefined;
  reloadFailure: Error | undefined;
  /** Secrets by "namespace/name", each a map of key to value. */
  secrets = new Map<string, Record<string, string>>();
  /** The API key HolmesGPT requires, when it requires one (HOLMES_API_KEY). */
  requiredKey: string | undefined;
  template: Record<string, string> = {};
  readonly calls: string[] = [];
  readonly events: EventRecord[] = [];
  #pending = new Map<string, { hash: string; polls: number }>();

  pod(name: string, extra: Partial<FakePod> = {}): FakePod {
    const pod: FakePod = {
      name, namespace: 'holmes', uid: `uid-${name}`, ip: `10.0.0.${this.pods.length + 1}`, ready: true, annotations: {},
      file: OLD, loaded: OLD, syncAfterPolls: 2, ...extra,
    };
    this.pods.push(pod);
    return pod;
  }

  override listDeploymentPods(namespace: string, deployment: string): Promise<ConsumerPod[] | undefined> {
    this.calls.push(`list ${namespace}/${deployment}`);
    if (this.listFailure) return Promise.reject(this.listFailure);
    return Promise.resolve(this.deploymentExists ? this.pods.map((p) => ({ ...p, annotations: { ...p.annotations } })) : undefined);
  }

  override annotatePod(_namespace: string, name: string, annotations: Record<string, string>): Promise<void> {
    this.calls.push(`annotate ${name} ${JSON.stringify(annotations)}`);
    const pod = this.#named(name);
    Object.assign(pod.annotations, annotations);
    const hash = annotations[HASH_ANNOTATION];
    if (hash && !pod.staleFirstSync) this.#pending.set(name, { hash, polls: 0 });
    if (annotations[SYNC_ANNOTATION] && pod.annotations[HASH_ANNOTATION]) this.#pending.set(name, { hash: pod.annotations[HASH_ANNOTATION], polls: pod.syncAfterPolls });
    return Promise.resolve();
  }

  fileHash(ip: string, port: number): Promise<string> {
    const pod = this.#at(ip);
    this.calls.push(`hash ${pod.name}:${port}`);
    this.#sync(pod);
    return Promise.resolve(pod.file);
  }

  /** Without a sidecar (confirm=marker) the kubelet's sync lands after `syncAfterPolls` reloads instead. */
  #sync(pod: FakePod): void {
    const pending = this.#pending.get(pod.name);
    if (pending && ++pending.polls >= pod.syncAfterPolls) {
      pod.file = pending.hash;
      this.#pending.delete(pod.name);
    }
  }

  reloadToolsets(ip: string, port: number, _timeoutMs: number, apiKey?: string): Promise<string> {
    const pod = this.#at(ip);
    this.calls.push(`reload ${pod.name}:${port}${apiKey ? ` key=${apiKey}` : ''}`);
    if (this.reloadFailure) return Promise.reject(this.reloadFailure);
    if (this.requiredKey !== undefined && apiKey !== this.requiredKey) return Promise.reject(new AdminRefused(`HTTP 401 from ${pod.name}`));
    if (this.syncOnReload) this.#sync(pod);
    pod.loaded = pod.file;
    return Promise.resolve('40 toolsets loaded, 3 enabled, 0 skills');
  }

  syncOnReload = false;

  /** Toolsets HolmesGPT lists after every reload besides its built-in and the marker (a stalled one, say). */
  listedToo: LoadedToolset[] = [];

  loadedToolsets(ip: string, port: number, _timeoutMs: number, apiKey?: string): Promise<LoadedToolset[]> {
    const pod = this.#at(ip);
    this.calls.push(`info ${pod.name}:${port}${apiKey ? ` key=${apiKey}` : ''}`);
    const toolset = (name: string, status: string): LoadedToolset => ({ name, status, error: '' });
    return Promise.resolve([toolset('kubernetes/core', 'enabled'), toolset(markerOf(pod.loaded), 'disabled'), ...this.listedToo]);
  }

  override readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined> {
    this.calls.push(`secret ${namespace}/${name}`);
    return Promise.resolve(this.secrets.get(`${namespace}/${name}`)?.[key]);
  }

  override getPodTemplateAnnotations(): Promise<Record<string, string> | undefined> {
    return Promise.resolve(this.deploymentExists ? { ...this.template } : undefined);
  }

  override annotatePodTemplate(_namespace: string, _deployment: string, annotations: Record<string, string>): Promise<void> {
    this.calls.push(`rollout ${JSON.stringify(annotations)}`);
    Object.assign(this.template, annotations);
    return Promise.resolve();
  }

  override recordEvent(event: EventRecord): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }

  override applyConfigMap(cm: ConfigMapApply, _options: ApplyOptions): Promise<ConfigMap> {
    return Promise.resolve({
      metadata: { name: cm.name, namespace: cm.namespace, uid: 'cm', resourceVersion: '1', creationTimestamp: '', labels: cm.labels ?? {}, annotations: cm.annotations ?? {} },
      data: cm.data ?? {},
    });
  }

  #named(name: string): FakePod {
    const pod = this.pods.find((p) => p.name === name);
    if (!pod) throw new Error(`no pod ${name}`);
    return pod;
  }

  #at(ip: string): FakePod {
    const pod = this.pods.find((p) => p.ip === ip);
    if (!pod) throw new Error(`connect ECONNREFUSED ${ip}`);
    return pod;
  }
}

function reloaderFor(cluster: ConsumerCluster, overrides: Partial<InPlaceReloaderDeps> = {}): InPlaceReloader {
  return new InPlaceReloader({
    kube: cluster, http: cluster, namespace: 'holmes', deployment: 'holmesgpt', adminPort: 5050, hashPort: 9812, confirmTimeoutMs: 2_000, pollMs: 1,
    ...overrides,
  });
}

describe('InPlaceReloader.reload', () => {
  it('refreshes each ready pod, waits for the new file, reloads HolmesGPT, then records the hash on the pod', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    cluster.pod('b');
    const outcome = await reloaderFor(cluster).reload(NEW);
    expect(outcome).toMatchObject({ result: 'reloaded', hash: NEW, pods: ['a', 'b'] });
    expect(cluster.pods.map((p) => [p.file === NEW, p.loaded === NEW, p.annotations[RELOADED_ANNOTATION] === NEW])).toEqual([[true, true, true], [true, true, true]]);
    const a = cluster.calls.filter((c) => c.includes(' a') || c.startsWith('list'));
    expect(a).toEqual([
      'list holmes/holmesgpt',
      `annotate a {"${HASH_ANNOTATION}":"${NEW}"}`,
      'hash a:9812', 'hash a:9812',
      'reload a:5050',
      'info a:5050',
      `annotate a {"${RELOADED_ANNOTATION}":"${NEW}"}`,
    ]);
  });

  it('reloads only once the file holds the new content: never on the old file', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('slow', { syncAfterPolls: 5 });
    await reloaderFor(cluster).reload(NEW);
    const calls = cluster.calls.filter((c) => c.startsWith('hash') || c.startsWith('reload'));
    expect(calls).toEqual(['hash slow:9812', 'hash slow:9812', 'hash slow:9812', 'hash slow:9812', 'hash slow:9812', 'reload slow:5050']);
  });

  it('leaves pods already at the hash, pods not ready and pods without an IP alone', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('done', { annotations: { [RELOADED_ANNOTATION]: NEW } });
    cluster.pod('starting', { ready: false });
    const noIp = cluster.pod('pending');
    delete noIp.ip;
    expect(await reloaderFor(cluster).reload(NEW)).toEqual({ result: 'unchanged', hash: NEW });
    expect(cluster.calls).toEqual(['list holmes/holmesgpt']);
  });

  it('does not annotate a pod that already carries the hash (a pod the rollout fallback started)', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('rolled', { annotations: { [HASH_ANNOTATION]: NEW }, file: NEW });
    expect(await reloaderFor(cluster).reload(NEW)).toMatchObject({ result: 'reloaded', pods: ['rolled'] });
    expect(cluster.calls.filter((c) => c.includes(HASH_ANNOTATION))).toEqual([]);
  });

  it('sends HolmesGPT\'s API key from reload.apiKeySecret, read anew at every run (a rotated key is used at once)', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    cluster.requiredKey = 'first';
    cluster.secrets.set('holmes/holmes-api-key', { apiKey: 'first\n' });
    const reloader = reloaderFor(cluster, { apiKeySecret: { name: 'holmes-api-key', key: 'apiKey' } });
    expect((await reloader.reload(NEW)).result).toBe('reloaded');
    cluster.requiredKey = 'second';
    cluster.secrets.set('holmes/holmes-api-key', { apiKey: 'second' });
    expect((await reloader.reload(OLD)).result).toBe('reloaded');
    expect(cluster.calls.filter((c) => c.startsWith('reload'))).toEqual(['reload a:5050 key=first', 'reload a:5050 key=second']);
  });

  it('a 401/403 from HolmesGPT, or a missing key, is a refusal: reported as such, never retried as a transient failure', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    cluster.requiredKey = 'right';
    cluster.secrets.set('holmes/holmes-api-key', { apiKey: 'wrong' });
    const wrong = await reloaderFor(cluster, { apiKeySecret: { name: 'holmes-api-key', key: 'apiKey' } }).reload(NEW);
    expect(wrong).toEqual({ result: 'failed', hash: NEW, reloaded: [], refused: true, failures: ['pod a: HTTP 401 from a'] });
    const none = await reloaderFor(cluster).reload(NEW);
    expect(none).toMatchObject({ result: 'failed', refused: true });
    const missing = await reloaderFor(cluster, { apiKeySecret: { name: 'holmes-api-key', key: 'token' } }).reload(NEW);
    expect(missing).toEqual({ result: 'failed', hash: NEW, reloaded: [], refused: true, failures: ['reload.apiKeySecret: Secret holmes/holmes-api-key has no key token'] });
    expect(cluster.pods[0]?.loaded).toBe(OLD);
  });

  it('gives up on a pod whose file does not change within confirmTimeout, naming the pod, the hash and the last answer', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('ok');
    cluster.pod('stuck', { syncAfterPolls: Number.POSITIVE_INFINITY });
    const outcome = await reloaderFor(cluster, { confirmTimeoutMs: 50 }).reload(NEW);
    expect(outcome).toEqual({
      result: 'failed', hash: NEW, reloaded: ['ok'], refused: false,
      failures: [`pod stuck: the kubelet did not put the new file (sha256 ${NEW.slice(0, 12)}) in the pod within 50 ms; the file still has sha256 ${OLD.slice(0, 12)}`],
    });
    expect(cluster.pods[1]?.loaded).toBe(OLD);
    expect(cluster.calls).not.toContain('reload stuck:5050');
  });

  it('reports a sidecar that does not answer, and an admin API that fails, as failures', async () => {
    const noSidecar = new ConsumerCluster();
    noSidecar.pod('a');
    const ip = noSidecar.pods[0]?.ip ?? '';
    noSidecar.fileHash = () => Promise.reject(new Error(`GET http://${ip}:9812/: ECONNREFUSED`));
    const failed = await reloaderFor(noSidecar, { confirmTimeoutMs: 20 }).reload(NEW);
    expect(failed).toMatchObject({ result: 'failed', failures: [expect.stringContaining(`in the pod within 20 ms; GET http://${ip}:9812/: ECONNREFUSED`)] });

    const adminDown = new ConsumerCluster();
    adminDown.pod('a');
    adminDown.reloadFailure = new Error('POST http://10.0.0.1:5050/api/admin/reload/toolsets: HTTP 500: "boom"');
    expect(await reloaderFor(adminDown).reload(NEW)).toMatchObject({ result: 'failed', reloaded: [], failures: ['pod a: POST http://10.0.0.1:5050/api/admin/reload/toolsets: HTTP 500: "boom"'] });
    expect(adminDown.pods[0]?.annotations[RELOADED_ANNOTATION]).toBeUndefined();
  });

  it('says when the Deployment is missing, and passes a listing failure on', async () => {
    const cluster = new ConsumerCluster();
    cluster.deploymentExists = false;
    expect(await reloaderFor(cluster).reload(NEW)).toEqual({ result: 'missing', hash: NEW });
    cluster.deploymentExists = true;
    cluster.listFailure = new Error('list pods of Deployment holmes/holmesgpt: pods is forbidden');
    expect(await reloaderFor(cluster).reload(NEW)).toEqual({ result: 'error', hash: NEW, message: 'list pods of Deployment holmes/holmesgpt: pods is forbidden' });
  });

  it('looks at the pods again for the same hash only after the recheck interval, at once for a new hash', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    let now = 1_000_000;
    const reloader = reloaderFor(cluster, { now: () => now });
    await reloader.reload(NEW);
    expect(await reloader.reload(NEW)).toEqual({ result: 'skipped', hash: NEW });
    now += 29_999;
    expect(await reloader.reload(NEW)).toEqual({ result: 'skipped', hash: NEW });
    now += 1;
    expect(await reloader.reload(NEW)).toEqual({ result: 'unchanged', hash: NEW });
    expect((await reloader.reload(OLD)).result).toBe('reloaded');
  });
});

describe('InPlaceReloader.reload with reload.confirm=marker (no sidecar)', () => {
  const markerReloader = (cluster: ConsumerCluster, overrides: Partial<InPlaceReloaderDeps> = {}) => {
    cluster.syncOnReload = true;
    return reloaderFor(cluster, { confirm: 'marker', ...overrides });
  };

  it('reloads until HolmesGPT lists the new file\'s marker, never asks a sidecar, then records the hash', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a', { syncAfterPolls: 3 });
    const outcome = await markerReloader(cluster).reload(NEW, markerOf(NEW));
    expect(outcome).toMatchObject({ result: 'reloaded', hash: NEW, pods: ['a'] });
    expect(cluster.calls.filter((c) => !c.startsWith('list'))).toEqual([
      `annotate a {"${HASH_ANNOTATION}":"${NEW}"}`,
      'reload a:5050', 'info a:5050', 'reload a:5050', 'info a:5050', 'reload a:5050', 'info a:5050',
      `annotate a {"${RELOADED_ANNOTATION}":"${NEW}"}`,
    ]);
    expect(cluster.pods[0]?.loaded).toBe(NEW);
  });

  it('gives up within confirmTimeout on a pod that keeps the old file, naming the marker it still lists', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('stuck', { syncAfterPolls: Number.POSITIVE_INFINITY });
    const outcome = await markerReloader(cluster, { confirmTimeoutMs: 50 }).reload(NEW, markerOf(NEW));
    expect(outcome).toEqual({
      result: 'failed', hash: NEW, reloaded: [], refused: false,
      failures: [`pod stuck: HolmesGPT did not load the new file (${markerOf(NEW)}) within 50 ms; it lists ${markerOf(OLD)}`],
    });
    expect(cluster.pods[0]?.annotations[RELOADED_ANNOTATION]).toBeUndefined();
  });

  it('sends the API key to the listing too, and a file without a marker is a failure, not a reload on faith', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a', { syncAfterPolls: 1 });
    cluster.secrets.set('holmes/holmes-key', { apiKey: 'k1' });
    cluster.requiredKey = 'k1';
    const keyed = markerReloader(cluster, { apiKeySecret: { name: 'holmes-key', key: 'apiKey' } });
    expect(await keyed.reload(NEW, markerOf(NEW))).toMatchObject({ result: 'reloaded' });
    expect(cluster.calls).toContain('info a:5050 key=k1');
    const other = contentHash('toolsets:\n  b: {}\n');
    expect(await keyed.reload(other)).toMatchObject({ result: 'failed', failures: ['pod a: reload.confirm=marker, but the file carries no content marker'] });
  });
});

describe('InPlaceReloader: a kubelet sync that wrote the old file', () => {
  it.each(['sidecar', 'marker'] as const)('confirm=%s: the pod is nudged again (a pod update, a new kubelet sync) until its new file is there', async (confirm) => {
    const cluster = new ConsumerCluster();
    cluster.syncOnReload = confirm === 'marker';
    cluster.pod('lagging', { staleFirstSync: true, syncAfterPolls: 1 });
    const outcome = await reloaderFor(cluster, { confirm, nudgeMs: 0 }).reload(NEW, markerOf(NEW));
    expect(outcome).toMatchObject({ result: 'reloaded', pods: ['lagging'] });
    expect(cluster.calls.filter((c) => c.includes(SYNC_ANNOTATION)).length).toBeGreaterThan(0);
    expect(cluster.pods[0]?.loaded).toBe(NEW);
  });

  it('without a nudge (interval longer than the deadline) the same pod is given up on: the nudge is what helps', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('lagging', { staleFirstSync: true, syncAfterPolls: 1 });
    const outcome = await reloaderFor(cluster, { confirmTimeoutMs: 50, nudgeMs: 60_000 }).reload(NEW);
    expect(outcome).toMatchObject({ result: 'failed' });
    expect(cluster.calls.filter((c) => c.includes(SYNC_ANNOTATION))).toEqual([]);
  });
});

describe('InPlaceReloader.request', () => {
  it('runs one reload at a time; requests during a run fold into one run for the newest hash', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a', { syncAfterPolls: 3 });
    const reloader = reloaderFor(cluster);
    const outcomes = firstValueFrom(reloader.outcomes.pipe(take(2), toArray()));
    reloader.request(NEW);
    reloader.request(contentHash('x'));
    reloader.request(OLD);
    expect((await outcomes).map((o) => [o.result, o.hash])).toEqual([['reloaded', NEW], ['reloaded', OLD]]);
    expect(cluster.calls.filter((c) => c.startsWith('reload'))).toHaveLength(2);
  });

  it('looks again for a pod that was starting, and reloads it once it is ready, with no new request', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('ready');
    const starting = cluster.pod('starting', { ready: false });
    const reloader = reloaderFor(cluster, { waitingRecheckMs: 5 });
    const shown = (o: InPlaceResult) => (o.result === 'reloaded' ? `${o.result} ${o.pods.join(',')}` : o.result);
    const outcomes = firstValueFrom(reloader.outcomes.pipe(takeWhile((o) => shown(o) !== 'reloaded starting', true), toArray()));
    reloader.request(NEW);
    await waitUntil(() => cluster.calls.filter((c) => c.startsWith('list')).length >= 2);
    starting.ready = true;
    const seen = (await outcomes).map(shown);
    // The follow-ups while it starts find nothing to do; the first one after it is ready reloads it.
    expect([seen[0], seen.at(-1), new Set(seen.slice(1, -1))]).toEqual(['reloaded ready', 'reloaded starting', new Set(['unchanged'])]);
    // At the hash everywhere: no more follow-ups.
    expect(reloader.followUpScheduled).toBe(false);
  });
});

describe('InPlaceReloader on the pipeline\'s scheduler', () => {
  it('times the look-again for a starting pod in the scheduler\'s (virtual) time, and drops it when nobody watches any more', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    const starting = cluster.pod('b', { ready: false });
    const scheduler = new VirtualTimeScheduler();
    const reloader = reloaderFor(cluster, { scheduler, waitingRecheckMs: 1_000 });
    const seen: InPlaceResult[] = [];
    const watching = reloader.outcomes.subscribe((o) => seen.push(o));
    reloader.request(NEW);
    await waitUntil(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ result: 'reloaded', pods: ['a'] });
    expect(reloader.followUpScheduled).toBe(true);
    starting.ready = true;
    // Virtual time has not moved: no second run yet.
    expect(cluster.calls.filter((c) => c.startsWith('list'))).toHaveLength(1);
    scheduler.flush();
    await waitUntil(() => seen.length === 2);
    expect(seen[1]).toMatchObject({ result: 'reloaded', pods: ['b'] });
    expect(scheduler.now()).toBe(1_000);

    // Starting again: a look-again is pending, and ends with the last watcher.
    cluster.pod('c', { ready: false });
    reloader.request(OLD);
    await waitUntil(() => seen.length === 3);
    expect(reloader.followUpScheduled).toBe(true);
    watching.unsubscribe();
    expect(reloader.followUpScheduled).toBe(false);
  });
});

describe('OutputPublisher with reload.inPlace', () => {
  const compositions: Subscription[] = [];
  afterEach(() => {
    for (const c of compositions.splice(0)) c.unsubscribe();
  });

  function publisherOn(cluster: ConsumerCluster, confirmTimeoutMs = 2_000) {
    const metrics = new Metrics({ processMetrics: false });
    const log = createLogger({ silent: true });
    const events = new EventRecorder(cluster, log, () => true);
    const inPlace = reloaderFor(cluster, { confirmTimeoutMs });
    const writer = new ConfigMapWriter(cluster, { namespace: 'holmes', name: 'toolsets', key: 'custom_toolset.yaml', adopt: false, sizeBudgetBytes: 1 << 20, dryRun: false });
    const publisher = new OutputPublisher({ writer, reload: new ReloadStamper(cluster, 'holmes', 'holmesgpt'), inPlace, events, metrics, log });
    const content = 'toolsets:\n  a: {}\n';
    // As the controller's pipeline composes them: each outcome handled in order by the publisher.
    compositions.push(inPlace.outcomes.pipe(concatMap((o) => publisher.reloadedInPlace(o))).subscribe());
    const outcome = firstValueFrom(inPlace.outcomes);
    return { metrics, outcome, publisher, publish: () => publisher.publish({ ok: true, toolsets: { a: {} }, content, hash: contentHash(content) }, undefined) };
  }

  it('writes, reloads the pods in place without rolling the Deployment, and says so in an Event and the metrics', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    cluster.pod('b', { ready: false });
    const { metrics, outcome, publish, publisher } = publisherOn(cluster);
    await publish();
    expect((await outcome).result).toBe('reloaded');
    expect(cluster.pods[0]?.loaded).toBe(NEW);
    // Per pod, what HolmesGPT has loaded: in /status and as a gauge (b is still starting).
    await waitUntil(() => publisher.status.consumerPods !== undefined);
    expect(publisher.status.consumerPods).toEqual([{ pod: 'a', loadedHash: NEW, current: true }, { pod: 'b', current: false }]);
    const gauge = await metrics.registry.getSingleMetricAsString('kubernaut_toolset_consumer_pods');
    expect([gauge.includes('{state="current"} 1'), gauge.includes('{state="behind"} 1')]).toEqual([true, true]);
    expect(cluster.calls.filter((c) => c.startsWith('rollout'))).toEqual([]);
    await waitUntil(() => cluster.events.some((e) => e.reason === 'ConsumerReloaded'));
    expect(cluster.events.find((e) => e.reason === 'ConsumerReloaded')?.message).toBe(`1 pod(s) of Deployment holmes/holmesgpt reloaded in place for sha256 ${NEW.slice(0, 12)}`);
    expect(await metrics.registry.getSingleMetricAsString('kubernaut_toolset_in_place_reloads_total')).toContain('kubernaut_toolset_in_place_reloads_total{result="reloaded"} 1');
  });

  it('names the toolsets whose prerequisite check HolmesGPT gave up on during the reload: Event, metric and /status', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    const error = 'Prerequisite check did not complete within 20s (datasource unreachable or too slow). Increase the limit with HOLMES_TOOLSET_PREREQ_TIMEOUT_SECONDS.';
    cluster.listedToo = [
      { name: 'mcp/team-a/slow', status: 'failed', error },
      // Failed for another reason: not what held the reload up.
      { name: 'custom/team-b/down', status: 'failed', error: 'HTTP 503' },
    ];
    const { metrics, outcome, publish, publisher } = publisherOn(cluster);
    await publish();
    expect(await outcome).toMatchObject({ result: 'reloaded', stalls: [{ toolset: 'mcp/team-a/slow', pods: ['a'], error }] });
    // A stall is not a failure: HolmesGPT did load the new file, so nothing is rolled.
    expect(cluster.calls.filter((c) => c.startsWith('rollout'))).toEqual([]);
    await waitUntil(() => cluster.events.some((e) => e.reason === 'ConsumerReloadStalled'));
    expect(cluster.events.find((e) => e.reason === 'ConsumerReloadStalled')).toMatchObject({
      type: 'Warning', message: expect.stringMatching(/^the in-place reload of Deployment holmes\/holmesgpt took \d+\.\d s: HolmesGPT gave up waiting for the prerequisite check of mcp\/team-a\/slow \(Prerequisite check did not complete within 20s/),
    });
    expect(await metrics.registry.getSingleMetricAsString('kubernaut_toolset_consumer_reload_stalls_total')).toContain('{toolset="mcp/team-a/slow"} 1');
    expect(publisher.status.reloadStalls).toEqual([{ toolset: 'mcp/team-a/slow', pods: ['a'], error }]);
  });

  it('a refusal (HolmesGPT\'s API key) rolls the Deployment, with its own Event, metric and /status problem', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('a');
    cluster.requiredKey = 'right';
    const { metrics, outcome, publish, publisher } = publisherOn(cluster);
    await publish();
    expect(await outcome).toMatchObject({ result: 'failed', refused: true });
    await waitUntil(() => cluster.calls.some((c) => c.startsWith('rollout')));
    await waitUntil(() => cluster.events.some((e) => e.reason === 'InPlaceReloadRefused'));
    expect(cluster.events.find((e) => e.reason === 'InPlaceReloadRefused')?.message).toMatch(/^in-place reload of Deployment holmes\/holmesgpt refused by HolmesGPT, rolling it instead: pod a: HTTP 401/);
    expect(await metrics.registry.getSingleMetricAsString('kubernaut_toolset_in_place_reloads_total')).toContain('{result="refused"} 1');
    expect(publisher.status.reloadProblem).toMatch(/refused by HolmesGPT/);
  });

  it('rolls the Deployment when a pod cannot be reloaded in place: the new file is never left unloaded', async () => {
    const cluster = new ConsumerCluster();
    cluster.pod('stuck', { syncAfterPolls: Number.POSITIVE_INFINITY });
    const { metrics, outcome, publish } = publisherOn(cluster, 30);
    await publish();
    expect((await outcome).result).toBe('failed');
    await waitUntil(() => cluster.calls.some((c) => c.startsWith('rollout')));
    expect(cluster.template[HASH_ANNOTATION]).toBe(NEW);
    await waitUntil(() => cluster.events.some((e) => e.reason === 'ConsumerReloaded' || e.reason === 'InPlaceReloadFailed'));
    expect(cluster.events.map((e) => e.reason)).toContain('InPlaceReloadFailed');
    expect(await metrics.registry.getSingleMetricAsString('kubernaut_toolset_in_place_reloads_total')).toContain('{result="failed"} 1');
  });
});

describe('OutputPublisher rolling the consumer (reload.deployment alone), at most once per reload.minInterval', () => {
  it('rolls at once, then folds the changes within the interval into one rollout of the newest hash at its end', async () => {
    const cluster = new ConsumerCluster();
    let now = 1_000_000;
    const metrics = new Metrics({ processMetrics: false });
    const log = createLogger({ silent: true });
    const writer = new ConfigMapWriter(cluster, { namespace: 'holmes', name: 'toolsets', key: 'custom_toolset.yaml', adopt: false, sizeBudgetBytes: 1 << 20, dryRun: false });
    const publisher = new OutputPublisher({
      writer, reload: new ReloadStamper(cluster, 'holmes', 'holmesgpt'), events: new EventRecorder(cluster, log, () => true), metrics, log,
      minRolloutIntervalMs: 40, now: () => now,
    });
    const publish = (content: string) => publisher.publish({ ok: true, toolsets: {}, content, hash: contentHash(content) }, undefined);
    const rollouts = () => cluster.calls.filter((c) => c.startsWith('rollout'));
    await publish('toolsets:\n  a: {}\n');
    expect(rollouts()).toHaveLength(1);
    // A tenant edits its description twice within the interval: no rollout now, one later, for the last content.
    now += 10;
    await publish('toolsets:\n  b: {}\n');
    now += 10;
    await publish('toolsets:\n  c: {}\n');
    expect(rollouts()).toHaveLength(1);
    expect(await metrics.registry.getSingleMetricAsString('kubernaut_toolset_reload_stamps_total')).toContain('{result="deferred"} 2');
    now += 40;
    await waitUntil(() => rollouts().length === 2);
    expect(cluster.template[HASH_ANNOTATION]).toBe(contentHash('toolsets:\n  c: {}\n'));
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
