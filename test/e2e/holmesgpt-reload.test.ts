// HolmesGPT as a pod on the node, fed by the operator's ConfigMap, and the time from an annotation change to
// HolmesGPT serving the change: reloaded in place (reload.inPlace) and rolled (reload.deployment alone). The
// latencies are measured and printed for docs/benchmarks.md, not asserted (machines here are shared and noisy);
// what is asserted is that every change reaches every HolmesGPT pod, and that in place no pod restarts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from '../../bench/support.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HASH_ANNOTATION } from '../../src/output/configmap-writer.ts';
import { RELOADED_ANNOTATION } from '../../src/output/in-place-reloader.ts';
import {
  apps, CHART, core, deployment, helm, hello, helloService, images, isReady, mergePatch, podGet, readyPods, restrictedContainer,
} from '../support/e2e-kube.ts';

const NS = 'e2e-holmes';
const RELEASE = 'holmes-tools';
const OUTPUT = 'kubernaut-toolset-config';
const KEY = 'custom_toolset.yaml';
const CONSUMER = 'holmesgpt';
const CONSUMER_SELECTOR = 'app=holmesgpt';
const OPERATOR_SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;
const TARGET = 'reload-target';
const TOOLSET = `custom/${NS}/${TARGET}`;
const CHANGES = 20;
const work = mkdtempSync(join(tmpdir(), 'kubernaut-e2e-holmes-'));
const measured: Record<string, string> = {};

const valuesFile = join(work, 'values.json');
writeFileSync(valuesFile, JSON.stringify({
  image: { pullPolicy: 'Never' },
  watchNamespaces: [NS],
  output: { key: KEY },
  health: { interval: '3s', timeout: '2s', failureThreshold: 2 },
  reload: { deployment: CONSUMER, inPlace: true },
}));

/** HolmesGPT (the image from tools/e2e/build-holmes-image.sh) with the file-hash sidecar from the operator's image. */
function holmesgpt(): V1Deployment {
  const config = { name: 'toolsets', mountPath: '/etc/holmes/config', readOnly: true };
  return deployment(NS, CONSUMER, {
    terminationGracePeriodSeconds: 5,
    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
    containers: [
      {
        name: 'holmes', image: images.holmesgpt, imagePullPolicy: 'Never', ports: [{ name: 'http', containerPort: 5050 }],
        readinessProbe: { tcpSocket: { port: 5050 }, periodSeconds: 1 }, securityContext: restrictedContainer,
        volumeMounts: [config, { name: 'tmp', mountPath: '/tmp' }],
      },
      {
        name: 'file-hash', image: images.operator, imagePullPolicy: 'Never', ports: [{ name: 'file-hash', containerPort: 9812 }],
        args: ['file-hash', '--file', `/etc/holmes/config/${KEY}`],
        readinessProbe: { httpGet: { path: '/', port: 9812 }, periodSeconds: 1 }, securityContext: restrictedContainer,
        volumeMounts: [config],
      },
    ],
    volumes: [{ name: 'toolsets', configMap: { name: OUTPUT } }, { name: 'tmp', emptyDir: {} }],
  }, 2);
}

interface Served {
  pod: string;
  toolsets: Record<string, string>;
}

/** What HolmesGPT in one pod serves now: its own executor's toolsets (test/consumer/holmes_server.py GET /toolsets). */
async function served(pod: V1Pod): Promise<Served> {
  const res = await podGet(pod, 5050, '/toolsets');
  if (res.status !== 200) throw new Error(`GET /toolsets of ${pod.metadata?.name}: ${res.status} ${res.body.slice(0, 200)}`);
  const body = JSON.parse(res.body) as { toolsets: Record<string, string> };
  return { pod: pod.metadata?.name ?? '', toolsets: body.toolsets };
}

/** Every ready, non-terminating HolmesGPT pod, once all of them serve the target toolset enabled (or not at all). */
async function consumersServing(enabled: boolean, timeoutMs = 180_000): Promise<Served[]> {
  let last: Served[] = [];
  return waitFor(async () => {
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: CONSUMER_SELECTOR })).items;
    const ready = pods.filter(isReady);
    // Old pods of a rollout are still listed while they terminate; a pod that is not ready serves nobody.
    if (ready.length === 0 || ready.length !== pods.length) return undefined;
    last = await Promise.all(ready.map(served));
    return last.every((s) => (s.toolsets[TOOLSET] === 'enabled') === enabled) ? last : undefined;
  }, { timeoutMs, intervalMs: 100, describe: () => `every HolmesGPT pod serving ${TOOLSET} ${enabled ? 'enabled' : 'absent'}; have ${JSON.stringify(last)}` });
}

async function annotate(enabled: boolean): Promise<void> {
  await core.patchNamespacedService({ namespace: NS, name: TARGET, body: { metadata: { annotations: { 'kubernaut.io/toolset': enabled ? 'enabled' : null } } } }, mergePatch);
}

/** CHANGES annotation changes, one after the other; each timed from the patch to every HolmesGPT pod serving it. */
async function measureChanges(label: string, replicas: number): Promise<number[]> {
  let enabled = (await served((await readyPods(NS, CONSUMER_SELECTOR, replicas))[0] as V1Pod)).toolsets[TOOLSET] === 'enabled';
  const seconds: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    enabled = !enabled;
    const started = Date.now();
    await annotate(enabled);
    await consumersServing(enabled);
    seconds.push((Date.now() - started) / 1000);
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  const stats = `p50 ${percentile(sorted, 50).toFixed(2)} s, p95 ${percentile(sorted, 95).toFixed(2)} s, p99 ${percentile(sorted, 99).toFixed(2)} s, max ${sorted.at(-1)?.toFixed(2)} s over ${CHANGES} changes, ${replicas} HolmesGPT pod(s)`;
  measured[label] = stats;
  process.stderr.write(`\n[e2e] ${label}: ${stats}; each: ${seconds.map((s) => s.toFixed(2)).join(' ')}\n`);
  return seconds;
}

const restarts = (pod: V1Pod) => (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
const started = (pod: V1Pod) => (pod.status?.containerStatuses ?? []).map((c) => `${pod.metadata?.name}/${c.name}@${String(c.state?.running?.startedAt?.toISOString())}`).join(' ');
const generation = async () => (await apps.readNamespacedDeployment({ namespace: NS, name: CONSUMER })).metadata?.generation ?? 0;

async function outputHash(): Promise<string | undefined> {
  return (await core.readNamespacedConfigMap({ namespace: NS, name: OUTPUT })).metadata?.annotations?.[HASH_ANNOTATION];
}

async function operatorMetric(name: string, labels: string): Promise<number> {
  const [pod] = await readyPods(NS, OPERATOR_SELECTOR, 1);
  if (!pod) throw new Error('no operator pod');
  const res = await podGet(pod, 9090, '/metrics');
  const line = res.body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('HolmesGPT on the node, reloaded by the operator', () => {
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await apps.createNamespacedDeployment({ namespace: NS, body: hello(NS) });
    await core.createNamespacedService({ namespace: NS, body: helloService(NS, TARGET) });
    await readyPods(NS, 'app=hello', 1);
    await helm(work, 'install', RELEASE, CHART, '--namespace', NS, '--values', valuesFile);
    await readyPods(NS, OPERATOR_SELECTOR, 1, 180_000);
    // HolmesGPT starts on a file that already holds the toolset (the operator health-checked hello first).
    await waitFor(async () => ((await core.readNamespacedConfigMap({ namespace: NS, name: OUTPUT }).catch(() => undefined))?.data?.[KEY]?.includes(TOOLSET) ? true : undefined), {
      timeoutMs: 60_000, describe: () => `the operator's ConfigMap ${NS}/${OUTPUT} with ${TOOLSET}`,
    });
    await apps.createNamespacedDeployment({ namespace: NS, body: holmesgpt() });
    await readyPods(NS, CONSUMER_SELECTOR, 2, 300_000);
  }, 600_000);

  afterAll(async () => {
    process.stderr.write(`\n[e2e] measured: ${JSON.stringify(measured)}\n`);
    try {
      await helm(work, 'uninstall', RELEASE, '--namespace', NS, '--wait');
      await core.deleteNamespace({ name: NS });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);

  it('HolmesGPT loads the toolset the operator wrote, checked from its own pod through cluster DNS', async () => {
    const both = await consumersServing(true);
    expect(both).toHaveLength(2);
    for (const s of both) expect(s.toolsets).toEqual({ [TOOLSET]: 'enabled' });
  }, 240_000);

  it('in place: every change reaches both HolmesGPT pods with no restart and no rollout', async () => {
    const before = await readyPods(NS, CONSUMER_SELECTOR, 2);
    const generationBefore = await generation();
    const reloadedBefore = await operatorMetric('kubernaut_toolset_in_place_reloads_total', 'result="reloaded"');

    await measureChanges('inPlaceSeconds', 2);

    const after = await readyPods(NS, CONSUMER_SELECTOR, 2);
    expect(after.map((p) => p.metadata?.uid).sort()).toEqual(before.map((p) => p.metadata?.uid).sort());
    // The same containers too: none restarted, each running since before the first change.
    expect(after.map(restarts)).toEqual([0, 0]);
    expect(after.map(started).sort()).toEqual(before.map(started).sort());
    expect(await generation()).toBe(generationBefore);
    // Each pod records the content it was reloaded with (the ConfigMap's current hash) just after its reload, and
    // the run is counted after the last pod's record: wait for both, then check them.
    const hash = await outputHash();
    let recorded: (string | undefined)[] = [];
    await waitFor(async () => {
      recorded = (await core.listNamespacedPod({ namespace: NS, labelSelector: CONSUMER_SELECTOR })).items.map((p) => p.metadata?.annotations?.[RELOADED_ANNOTATION]);
      return recorded.every((r) => r === hash) && (await operatorMetric('kubernaut_toolset_in_place_reloads_total', 'result="reloaded"')) >= reloadedBefore + CHANGES ? true : undefined;
    }, { timeoutMs: 30_000, describe: () => `both pods annotated ${RELOADED_ANNOTATION}=${hash}; have ${JSON.stringify(recorded)}` });
    expect(recorded).toEqual([hash, hash]);
    expect(await operatorMetric('kubernaut_toolset_in_place_reloads_total', 'result="failed"')).toBe(0);
  }, 900_000);

  it('rolled (reload.deployment alone): every change reaches HolmesGPT through a new pod, one rollout per change', async () => {
    await helm(work, 'upgrade', RELEASE, CHART, '--namespace', NS, '--values', valuesFile, '--set', 'reload.inPlace=false', '--wait', '--timeout', '3m');
    // The rolling operator owes the consumer a stamp once after start-up (in place never stamped the template): that
    // first rollout is not one of the measured changes.
    const stamped = async () => (await apps.readNamespacedDeployment({ namespace: NS, name: CONSUMER })).spec?.template.metadata?.annotations?.[HASH_ANNOTATION];
    await waitFor(async () => ((await stamped()) !== undefined && (await stamped()) === (await outputHash()) ? true : undefined), {
      timeoutMs: 120_000, describe: () => 'the rolling operator stamping the current hash on the HolmesGPT pod template',
    });
    // One HolmesGPT pod while rolling: a rollout of two replaces them one after the other and takes about twice as
    // long, so the number measured here is the rollout's best case (and the suite stays a few minutes shorter).
    await apps.patchNamespacedDeployment({ namespace: NS, name: CONSUMER, body: { spec: { replicas: 1 } } }, mergePatch);
    await consumersServing(true);
    await readyPods(NS, CONSUMER_SELECTOR, 1);
    const generationBefore = await generation();

    await measureChanges('rolloutSeconds', 1);

    // One rollout per change (each new content hash), and none for anything else.
    expect(await generation()).toBe(generationBefore + CHANGES);
    const [pod] = await readyPods(NS, CONSUMER_SELECTOR, 1);
    expect(pod?.metadata?.annotations?.[HASH_ANNOTATION]).toBe(await outputHash());
  }, 1_800_000);
});
