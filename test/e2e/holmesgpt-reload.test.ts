// HolmesGPT as a pod on the node, shaped the way HolmesGPT's own Helm chart renders it, beside the operator, and the
// time from an annotation change to HolmesGPT serving the change: reloaded in place without a sidecar
// (reload.confirm=marker), in place with the file-hash sidecar (added to the pod the way a post-renderer would), and
// rolled (reload.deployment alone). What is asserted: the admin's toolsets from the chart's own ConfigMap (an enabled
// built-in with an admin header, one MCP server) stay enabled with the discovered one at every change, every change
// reaches every HolmesGPT pod, and in place no pod restarts. The latencies are printed for docs/benchmarks.md, not
// asserted (machines here are shared and noisy).
//
// The chart's shape (HolmesGPT's helm/holmes templates, as docs/holmesgpt-compatibility.md cites them): Deployment
// <release>-holmes, container `holmes` running `python3 -u server.py`, ConfigMap custom-toolsets-configmap (key
// custom_toolset.yaml: toolsets: and mcp_servers:) mounted whole at /etc/holmes/config as volume
// custom-toolsets-configmap, an emptyDir tmp-volume at /tmp, and the chart's additionalEnvVars, additionalVolumes
// and additionalVolumeMounts appended to its env, volumes and mounts: here, exactly the snippet the operator's
// chart prints in its NOTES for the values it was installed with.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Container, V1Deployment, V1Pod, V1VolumeMount } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from '../../bench/support.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HASH_ANNOTATION } from '../../src/output/configmap-writer.ts';
import { RELOADED_ANNOTATION } from '../../src/output/pod-reload.ts';
import { MARKER_PREFIX } from '../../src/reconcile/output-document.ts';
import {
  apps, CHART, core, helm, hello, helloService, images, isReady, mcpServerDeployment, mergePatch, podGet, prometheusDeployment, readyPods, restrictedContainer,
} from '../support/e2e-kube.ts';
import { CHART_CONFIGMAP, CHART_KEY, chartShapedHolmes, snippetOf, type HolmesValues } from '../support/holmes-chart.ts';

const NS = 'e2e-holmes';
const RELEASE = 'holmes-tools';
const OUTPUT = 'kubernaut-toolset-config';
const OPERATOR_SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;
/** HolmesGPT's chart installed as release "holmes": its Deployment, ConfigMap, key and mount. */
const CONSUMER = 'holmes-holmes';
const CONSUMER_SELECTOR = `app=${CONSUMER}`;
const TARGET = 'reload-target';
const TOOLSET = `custom/${NS}/${TARGET}`;
/** The admin's toolsets in HolmesGPT's chart values: a built-in with a credential header, and an MCP server. */
const ADMIN = ['prometheus/metrics', 'admin-incidents'];
const CHANGES = 20;
const work = mkdtempSync(join(tmpdir(), 'kubernaut-e2e-holmes-'));
const measured: Record<string, string> = {};

const valuesFile = join(work, 'values.json');
writeFileSync(valuesFile, JSON.stringify({
  image: { pullPolicy: 'Never' },
  watchNamespaces: [NS],
  health: { interval: '3s', timeout: '2s', failureThreshold: 2 },
  consumer: { base: { configMap: CHART_CONFIGMAP, key: CHART_KEY } },
  // minInterval 0s: the rollout phase measures a rollout's own latency, one change after the other.
  reload: { deployment: CONSUMER, inPlace: true, confirm: 'marker', minInterval: '0s' },
}));

/** What HolmesGPT's chart writes into custom-toolsets-configmap from its `toolsets:` and `mcp_servers:` values. */
const chartToolsets = dump({
  toolsets: {
    'prometheus/metrics': {
      enabled: true,
      config: { prometheus_url: `http://admin-prometheus.${NS}.svc.cluster.local:9090`, additional_headers: { Authorization: 'Bearer {{ env.ADMIN_TOKEN }}' } },
    },
  },
  mcp_servers: {
    'admin-incidents': { description: 'Incident tracker configured in HolmesGPT\'s chart', config: { url: `http://admin-mcp.${NS}.svc.cluster.local:8000/mcp`, mode: 'streamable-http' } },
  },
});

const holmesgpt = (values: HolmesValues, replicas: number, extraContainers: V1Container[] = []) => chartShapedHolmes(NS, CONSUMER, values, replicas, extraContainers);

/** The operator's file-hash sidecar, added the way a post-renderer adds it to the chart's pod (reload.confirm=sidecar). */
function fileHashSidecar(values: HolmesValues): V1Container {
  const mount = values.additionalVolumeMounts[0] as V1VolumeMount;
  const file = values.additionalEnvVars.find((e) => e.name === 'CUSTOM_TOOLSET_LOCATION')?.value ?? '';
  return {
    name: 'kubernaut-file-hash', image: images.operator, imagePullPolicy: 'Never', ports: [{ name: 'file-hash', containerPort: 9812 }],
    args: ['file-hash', '--file', file],
    readinessProbe: { httpGet: { path: '/', port: 9812 }, periodSeconds: 1 }, securityContext: restrictedContainer,
    volumeMounts: [{ ...mount, readOnly: true }],
  };
}

/** An MCP server (test/consumer/mcp_server.py, in the HolmesGPT image) and Prometheus, for the admin's toolsets. */
async function adminBackends(): Promise<void> {
  await apps.createNamespacedDeployment({ namespace: NS, body: mcpServerDeployment(NS, 'admin-mcp') });
  await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'admin-prometheus' }, data: { 'prometheus.yml': 'global:\n  scrape_interval: 1m\n' } } });
  await apps.createNamespacedDeployment({ namespace: NS, body: prometheusDeployment(NS, 'admin-prometheus', 'admin-prometheus') });
  for (const [name, port] of [['admin-mcp', 8000], ['admin-prometheus', 9090]] as const) {
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name }, spec: { selector: { app: name }, ports: [{ port, targetPort: port }] } } });
  }
  await readyPods(NS, 'app=admin-mcp', 1, 180_000);
  await readyPods(NS, 'app=admin-prometheus', 1, 180_000);
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

/** The admin's toolsets enabled, and the target's toolset enabled (or not loaded at all). */
const serving = (s: Served, enabled: boolean) => ADMIN.every((a) => s.toolsets[a] === 'enabled') && (s.toolsets[TOOLSET] === 'enabled') === enabled;

/** Every ready, non-terminating HolmesGPT pod, once all of them serve the admin's toolsets and the target as asked. */
async function consumersServing(enabled: boolean, timeoutMs = 180_000): Promise<Served[]> {
  let last: Served[] = [];
  return waitFor(async () => {
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: CONSUMER_SELECTOR })).items;
    const ready = pods.filter(isReady);
    // Old pods of a rollout are still listed while they terminate; a pod that is not ready serves nobody.
    if (ready.length === 0 || ready.length !== pods.length) return undefined;
    last = await Promise.all(ready.map(served));
    return last.every((s) => serving(s, enabled)) ? last : undefined;
  }, { timeoutMs, intervalMs: 100, describe: () => `every HolmesGPT pod serving ${ADMIN.join(', ')} enabled and ${TOOLSET} ${enabled ? 'enabled' : 'absent'}; have ${JSON.stringify(last)}` });
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

/** Upgrades the operator with `set`, waits for its new pod, and returns the HolmesGPT values its NOTES now print. */
async function upgradeOperator(...set: string[]): Promise<HolmesValues> {
  const out = await helm(work, 'upgrade', RELEASE, CHART, '--namespace', NS, '--values', valuesFile, ...set.flatMap((s) => ['--set', s]), '--wait', '--timeout', '3m');
  await readyPods(NS, OPERATOR_SELECTOR, 1, 180_000);
  return snippetOf(out);
}

/**
 * Replaces HolmesGPT's Deployment spec as a `helm upgrade` of its chart would: fields other managers set (the
 * operator's hash stamp on the pod template) are kept, and a concurrent change makes the replace retry.
 */
async function rerenderHolmesgpt(body: V1Deployment, replicas: number): Promise<void> {
  await waitFor(async () => {
    const live = await apps.readNamespacedDeployment({ namespace: NS, name: CONSUMER });
    const template = body.spec?.template;
    if (!template) throw new Error('no pod template');
    template.metadata = { ...template.metadata, annotations: { ...live.spec?.template.metadata?.annotations } };
    body.metadata = { ...body.metadata, resourceVersion: live.metadata?.resourceVersion ?? '' };
    return apps.replaceNamespacedDeployment({ namespace: NS, name: CONSUMER, body }).then(() => true, (error: unknown) => {
      if ((error as { code?: number }).code === 409) return undefined;
      throw error;
    });
  }, { timeoutMs: 30_000, intervalMs: 100, describe: () => `replacing Deployment ${NS}/${CONSUMER} without a conflict` });
  await readyPods(NS, CONSUMER_SELECTOR, replicas, 300_000, (pods) => pods.every((p) => (p.spec?.containers.length ?? 0) === body.spec?.template.spec?.containers.length));
  await consumersServing(true);
}

/** In place: the changes reach every pod with no restart and no rollout, and each pod records the current hash. */
async function measureInPlace(label: string): Promise<void> {
  const before = await readyPods(NS, CONSUMER_SELECTOR, 2);
  const generationBefore = await generation();
  const reloadedBefore = await operatorMetric('kubernaut_toolset_in_place_reloads_total', 'result="reloaded"');
  const failedBefore = await operatorMetric('kubernaut_toolset_in_place_reloads_total', 'result="failed"');

  await measureChanges(label, 2);

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
  expect(await operatorMetric('kubernaut_toolset_in_place_reloads_total', 'result="failed"')).toBe(failedBefore);
}

describe('HolmesGPT shaped as its own Helm chart renders it, beside the operator, reloaded by it', () => {
  let inPlaceValues: HolmesValues;

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await apps.createNamespacedDeployment({ namespace: NS, body: hello(NS) });
    await core.createNamespacedService({ namespace: NS, body: helloService(NS, TARGET) });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: CHART_CONFIGMAP }, data: { [CHART_KEY]: chartToolsets } } });
    await adminBackends();
    await readyPods(NS, 'app=hello', 1);
    inPlaceValues = snippetOf(await helm(work, 'install', RELEASE, CHART, '--namespace', NS, '--values', valuesFile));
    await readyPods(NS, OPERATOR_SELECTOR, 1, 180_000);
    // HolmesGPT starts on a file that already holds the toolset (the operator health-checked hello first).
    await waitFor(async () => {
      const text = (await core.readNamespacedConfigMap({ namespace: NS, name: OUTPUT }).catch(() => undefined))?.data?.['toolset.yaml'] ?? '';
      return text.includes(TOOLSET) && ADMIN.every((a) => text.includes(a)) ? true : undefined;
    }, { timeoutMs: 60_000, describe: () => `the operator's ConfigMap ${NS}/${OUTPUT} with ${TOOLSET} and ${ADMIN.join(', ')}` });
    await apps.createNamespacedDeployment({ namespace: NS, body: holmesgpt(inPlaceValues, 2) });
    await readyPods(NS, CONSUMER_SELECTOR, 2, 300_000);
  }, 900_000);

  afterAll(async () => {
    process.stderr.write(`\n[e2e] measured: ${JSON.stringify(measured)}\n`);
    try {
      await helm(work, 'uninstall', RELEASE, '--namespace', NS, '--wait');
      await core.deleteNamespace({ name: NS });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);

  it('the NOTES snippet mounts the operator\'s file as a directory and points CUSTOM_TOOLSET_LOCATION into it, with the admin API on', () => {
    const mount = inPlaceValues.additionalVolumeMounts[0];
    expect({
      file: inPlaceValues.additionalEnvVars.find((e) => e.name === 'CUSTOM_TOOLSET_LOCATION')?.value,
      admin: inPlaceValues.additionalEnvVars.find((e) => e.name === 'ENABLE_ADMIN_API')?.value,
      subPath: mount?.subPath, configMap: inPlaceValues.additionalVolumes[0]?.configMap?.name,
    }).toEqual({ file: `${mount?.mountPath}/toolset.yaml`, admin: 'true', subPath: undefined, configMap: OUTPUT });
  });

  it('HolmesGPT, fed only the operator\'s file, serves the admin\'s built-in and MCP server and the discovered toolset, all enabled', async () => {
    const both = await consumersServing(true);
    expect(both).toHaveLength(2);
    for (const s of both) {
      const markers = Object.keys(s.toolsets).filter((n) => n.startsWith(MARKER_PREFIX));
      expect({ ...s.toolsets, [markers[0] ?? 'no marker']: 'marker' }).toEqual({
        'prometheus/metrics': 'enabled', 'admin-incidents': 'enabled', [TOOLSET]: 'enabled', [markers[0] ?? '']: 'marker',
      });
      // The content marker is there, switched off: HolmesGPT offers no tool for it.
      expect(markers.map((m) => s.toolsets[m])).toEqual(['disabled']);
    }
  }, 240_000);

  it('in place without a sidecar (reload.confirm=marker): every change reaches both pods, admin toolsets kept, no restart, no rollout', async () => {
    await measureInPlace('inPlaceMarkerSeconds');
  }, 900_000);

  it('in place with the file-hash sidecar added by a post-renderer (reload.confirm=sidecar): the same, confirmed by the sidecar', async () => {
    // The sidecar first (harmless to the marker mode), then the operator told to use it.
    await rerenderHolmesgpt(holmesgpt(inPlaceValues, 2, [fileHashSidecar(inPlaceValues)]), 2);
    const values = await upgradeOperator('reload.confirm=sidecar');
    expect(values).toEqual(inPlaceValues);
    // The file lost its marker: both pods reloaded with it through the sidecar before the changes are timed.
    await waitFor(async () => {
      const hash = await outputHash();
      const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: CONSUMER_SELECTOR })).items;
      return !(await core.readNamespacedConfigMap({ namespace: NS, name: OUTPUT })).data?.['toolset.yaml']?.includes(MARKER_PREFIX) &&
        pods.every((p) => p.metadata?.annotations?.[RELOADED_ANNOTATION] === hash) ? true : undefined;
    }, { timeoutMs: 120_000, describe: () => 'both HolmesGPT pods reloaded with the marker-free file' });
    await measureInPlace('inPlaceSidecarSeconds');
  }, 1_200_000);

  it('rolled (reload.deployment alone): every change reaches HolmesGPT through a new pod, one rollout per change, admin toolsets kept', async () => {
    const values = await upgradeOperator('reload.inPlace=false');
    expect(values.additionalEnvVars.map((e) => e.name)).toEqual(['CUSTOM_TOOLSET_LOCATION']);
    // One HolmesGPT pod while rolling: a rollout of two replaces them one after the other and takes about twice as
    // long, so the number measured here is the rollout's best case (and the suite stays a few minutes shorter).
    await rerenderHolmesgpt(holmesgpt(values, 1), 1);
    // The rolling operator owes the consumer a stamp once after start-up (in place never stamped the template): that
    // first rollout is not one of the measured changes.
    const stamped = async () => (await apps.readNamespacedDeployment({ namespace: NS, name: CONSUMER })).spec?.template.metadata?.annotations?.[HASH_ANNOTATION];
    await waitFor(async () => ((await stamped()) !== undefined && (await stamped()) === (await outputHash()) ? true : undefined), {
      timeoutMs: 120_000, describe: () => 'the rolling operator stamping the current hash on the HolmesGPT pod template',
    });
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
