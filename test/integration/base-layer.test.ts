// consumer.base on the real API server: HolmesGPT's own toolset ConfigMap (shaped as its Helm chart renders it:
// custom-toolsets-configmap, key custom_toolset.yaml, toolsets: and mcp_servers:) is written into the operator's
// output with the discovered toolsets, admin entries winning; its changes are followed like any other; a missing
// base keeps the last good output with a clear problem, Event and metric. HolmesGPT 0.45.0 then loads the written
// file and enables the admin's toolsets, the admin's MCP server and the discovered ones.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dump } from 'js-yaml';
import { ClientNodeKube } from '../../src/kube/client-node.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HOLMES_TEST_TIMEOUT_MS, holmesLoad, notReturned } from '../support/holmesgpt.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { mcpServer } from '../support/mcp-server.ts';
import { metricReaching } from '../support/metrics.ts';
import { outputWhere, readOutput, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { startPrometheus, type RealBackend } from '../support/real-backends.ts';
import { serviceAccountKubeconfig } from '../support/service-account.ts';
import { createServices } from '../support/services.ts';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'kubernaut-base-'));
/** HolmesGPT's chart: ConfigMap custom-toolsets-configmap, key custom_toolset.yaml (docs/holmesgpt-compatibility.md). */
const CHART_CONFIGMAP = 'custom-toolsets-configmap';
const CHART_KEY = 'custom_toolset.yaml';

describe('consumer.base: HolmesGPT\'s own toolsets are kept in the output', () => {
  let core: CoreV1Api;
  let fake: ChildProcess;
  let fakeUrl = '';
  let prometheus: RealBackend;
  let mcp: { url: string; process: ChildProcess };
  let running: RunningOperator | undefined;

  beforeAll(async () => {
    core = fixtureApi().core;
    fake = spawn('python3', [join(root, 'test/consumer/fake_backends.py'), '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const port = await new Promise<string>((resolve) => createInterface({ input: fake.stdout as NodeJS.ReadableStream }).once('line', resolve));
    fakeUrl = `http://127.0.0.1:${port.trim()}`;
    [prometheus, mcp] = await Promise.all([startPrometheus(), mcpServer('streamable-http')]);
  }, HOLMES_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await running?.stop();
    fake?.kill();
    mcp?.process.kill();
    await prometheus?.stop();
  });

  /** The chart's file: an admin-configured built-in with a credential reference, and one MCP server. */
  const chartFile = (extra: Record<string, unknown> = {}) => dump({
    toolsets: {
      'prometheus/metrics': { enabled: true, config: { prometheus_url: prometheus.url, additional_headers: { Authorization: 'Bearer {{ env.ADMIN_TOKEN }}' } } },
      ...extra,
    },
    mcp_servers: {
      'admin-incidents': { description: 'Incident tracker configured in HolmesGPT\'s chart', config: { url: `${mcp.url}/mcp`, mode: 'streamable-http' } },
    },
  });

  it('writes the admin\'s toolsets and MCP server with the discovered ones, admin winning; HolmesGPT enables all of them', async () => {
    const ns = await freshNamespace(core, 'base');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: CHART_CONFIGMAP }, data: { [CHART_KEY]: chartFile() } } });
    await createServices(core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: fakeUrl },
      { name: 'loki', type: 'loki', endpoint: fakeUrl },
    ]);
    running = await startOperator(testConfig(ns, { consumer: { base: { configMap: CHART_CONFIGMAP, key: CHART_KEY } } }));
    const out = await outputWhere(core, ns, (o) => 'grafana/loki' in o.toolsets && 'admin-incidents' in o.toolsets, 'admin and discovered toolsets', 30_000);
    expect(Object.keys(out.toolsets).sort()).toEqual(['admin-incidents', 'grafana/loki', 'kubernetes/logs', 'prometheus/metrics']);
    // The admin's Prometheus, not the discovered one; its credential reference kept for HolmesGPT to expand.
    expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: prometheus.url, additional_headers: { Authorization: 'Bearer {{ env.ADMIN_TOKEN }}' } } });
    expect(out.text).toMatch(/^mcp_servers:\n {2}admin-incidents:/m);
    const prom = running.operator.status().services.find((s) => s.name === 'prometheus');
    expect(prom).toMatchObject({ verdict: 'shadowed', message: `prometheus/metrics is configured by the platform team in ConfigMap ${ns}/${CHART_CONFIGMAP}, key ${CHART_KEY}, which takes precedence over discovered Services` });

    const file = join(work, 'with-base.yaml');
    writeFileSync(file, out.text);
    const loaded = await holmesLoad(file, { ADMIN_TOKEN: 'admin-token' });
    expect({ invalid: loaded.invalid, loadError: loaded.load_error, notReturned: notReturned(Object.keys(out.toolsets), loaded) })
      .toEqual({ invalid: [], loadError: null, notReturned: [] });
    const status = (name: string) => loaded.toolsets[name]?.status;
    expect({ admin: status('prometheus/metrics'), mcp: status('admin-incidents'), discovered: status('grafana/loki') })
      .toEqual({ admin: 'enabled', mcp: 'enabled', discovered: 'enabled' });
    expect(loaded.toolsets['admin-incidents']?.type).toBe('mcp');
  }, HOLMES_TEST_TIMEOUT_MS);

  it('follows changes of the base ConfigMap; a missing one keeps the last good output with a problem, an Event and a metric', async () => {
    await running?.stop();
    const ns = await freshNamespace(core, 'base-change');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: CHART_CONFIGMAP }, data: { [CHART_KEY]: chartFile() } } });
    await createServices(core, ns, [{ name: 'loki', type: 'loki', endpoint: fakeUrl }]);
    running = await startOperator(testConfig(ns, { consumer: { base: { configMap: `${ns}/${CHART_CONFIGMAP}`, key: CHART_KEY } } }));
    const operator = running;
    await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets && 'grafana/loki' in o.toolsets, 'the first output', 30_000);

    // The admin adds a toolset in HolmesGPT's chart values: the output follows.
    await core.replaceNamespacedConfigMap({ namespace: ns, name: CHART_CONFIGMAP, body: { metadata: { name: CHART_CONFIGMAP }, data: {
      [CHART_KEY]: chartFile({ 'grafana/tempo': { enabled: true, config: { url: fakeUrl } } }),
    } } });
    const followed = await outputWhere(core, ns, (o) => 'grafana/tempo' in o.toolsets, 'the admin\'s new grafana/tempo', 30_000);

    // The chart's ConfigMap goes away (an uninstall, a rename): nothing the admin configured is dropped.
    await core.deleteNamespacedConfigMap({ namespace: ns, name: CHART_CONFIGMAP });
    const problem = await waitFor(() => operator.operator.status().output.problem, { timeoutMs: 30_000, describe: () => 'the base layer problem in /status' });
    expect(problem).toBe(`the base layer (ConfigMap ${ns}/${CHART_CONFIGMAP}, key ${CHART_KEY}): missing; create it, or unset consumer.base.configMap; the last good output is kept`);
    await metricReaching(operator.metrics, 'kubernaut_toolset_base_layer_invalid_total', {}, (v) => v >= 1);
    const event = await waitFor(async () => (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'reason=BaseLayerInvalid' })).items[0], {
      timeoutMs: 10_000, describe: () => 'a BaseLayerInvalid Event',
    });
    expect(event.involvedObject).toMatchObject({ kind: 'ConfigMap', name: 'kubernaut-toolset-config' });
    // A Service change meanwhile is not written either: a write now would drop the admin's toolsets.
    await createServices(core, ns, [{ name: 'es', type: 'elasticsearch', endpoint: fakeUrl }]);
    await waitFor(() => (operator.operator.status().services.some((s) => s.name === 'es' && s.verdict === 'included') ? true : undefined), {
      timeoutMs: 30_000, describe: () => 'the new Service to be judged',
    });
    expect((await readOutput(core, ns))?.text).toBe(followed.text);

    // Back: the output has the admin's toolsets and the Service added meanwhile, and the problem is gone.
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: CHART_CONFIGMAP }, data: { [CHART_KEY]: chartFile() } } });
    await outputWhere(core, ns, (o) => 'elasticsearch/data' in o.toolsets && 'prometheus/metrics' in o.toolsets && !('grafana/tempo' in o.toolsets), 'recovered output', 30_000);
    await waitFor(() => (operator.operator.status().output.problem === undefined ? true : undefined), { timeoutMs: 10_000, describe: () => 'the problem to clear' });
  }, HOLMES_TEST_TIMEOUT_MS);

  it('reading the base ConfigMap needs get/list/watch on that one name only (the chart grants no more)', async () => {
    const ns = await freshNamespace(core, 'base-rbac');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: CHART_CONFIGMAP }, data: { [CHART_KEY]: chartFile() } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'other' }, data: { secret: 'not for the operator' } } });
    const { kubeconfig } = await serviceAccountKubeconfig(fixtureApi().kc, core, ns, 'reader', [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [CHART_CONFIGMAP], verbs: ['get', 'list', 'watch'] },
    ]);
    const kube = ClientNodeKube.fromFile(kubeconfig);
    const base = kube.watchConfigMaps(ns, CHART_CONFIGMAP);
    try {
      await base.start();
      expect(base.get(ns, CHART_CONFIGMAP)?.data[CHART_KEY]).toBe(chartFile());
    } finally {
      await base.stop();
    }
    const everything = kube.watchConfigMaps(ns);
    const refused = await waitFor(() => new Promise<number | undefined>((resolve) => {
      const sub = everything.events$.subscribe((e) => {
        if (e.type === 'error') { sub.unsubscribe(); resolve(e.error.status); }
      });
      void everything.start();
    }), { timeoutMs: 10_000, describe: () => 'the unnamed ConfigMap list to be refused' });
    await everything.stop();
    expect(refused).toBe(403);
  });
});
