// The earlier implementation's end-to-end scenarios (discovery lifecycle, ConfigMap updates, namespace filtering),
// on the real API server with real HTTP targets, asserting on parsed YAML.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { toolsetFileErrors } from '../../src/toolset/validate.ts';
import { PLACEHOLDER_TOOLSET } from '../../src/reconcile/output-document.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { metricReaching, metricValue } from '../support/metrics.ts';
import { outputWhere, readOutput, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { annotate, createServices } from '../support/services.ts';

describe('discovery lifecycle on the real API server', () => {
  let core: CoreV1Api;
  let target: HttpTarget;
  let running: RunningOperator | undefined;
  let ns: string;

  beforeAll(async () => {
    core = fixtureApi().core;
    target = await HttpTarget.start('healthy');
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  afterAll(async () => target.close());

  async function operatorIn(prefix: string) {
    ns = await freshNamespace(core, prefix);
    running = await startOperator(testConfig(ns));
    return running;
  }

  it('1. a new annotated Service appears in the toolset file with its endpoint', async () => {
    await operatorIn('new-svc');
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: target.url } });
  });

  it('2. several Services of different types all appear', async () => {
    await operatorIn('multi');
    await createServices(core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: target.url },
      { name: 'grafana', type: 'grafana', endpoint: target.url },
      { name: 'tools', type: 'custom', endpoint: target.url, annotations: { 'kubernaut.io/toolset-description': 'Team tools' } },
    ]);
    const out = await outputWhere(core, ns, (o) => Object.keys(o.toolsets).length === 3, 'three toolsets');
    expect(Object.keys(out.toolsets).sort()).toEqual([`custom/${ns}/tools`, 'grafana/dashboards', 'prometheus/metrics']);
    expect(out.toolsets[`custom/${ns}/tools`]).toMatchObject({ enabled: true, description: 'Team tools' });
  });

  it('3. a deleted Service disappears from the toolset file', async () => {
    await operatorIn('deletion');
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await core.deleteNamespacedService({ namespace: ns, name: 'prometheus' });
    const out = await outputWhere(core, ns, (o) => !('prometheus/metrics' in o.toolsets), 'no prometheus/metrics');
    expect(out.toolsets).toEqual({ [PLACEHOLDER_TOOLSET]: { enabled: false, description: expect.stringMatching(/^Placeholder/) as unknown } });
  });

  it('4. a Service without annotations is ignored while an annotated neighbour is written', async () => {
    await operatorIn('no-annotations');
    await createServices(core, ns, [
      { name: 'prometheus-unannotated', optIn: false, ports: [{ name: 'web', port: 9090 }] },
      { name: 'grafana', type: 'grafana', endpoint: target.url },
    ]);
    const out = await outputWhere(core, ns, (o) => 'grafana/dashboards' in o.toolsets, 'grafana/dashboards');
    expect(Object.keys(out.toolsets)).toEqual(['grafana/dashboards']);
    expect(running?.operator.status().services.map((s) => s.name)).toEqual(['grafana']);
  });

  it('5. a custom type becomes an HTTP toolset limited to its own origin, named without dots', async () => {
    await operatorIn('custom');
    await createServices(core, ns, [{ name: 'team-api', type: 'custom', endpoint: target.url }]);
    const name = `custom/${ns}/team-api`;
    const out = await outputWhere(core, ns, (o) => name in o.toolsets, name);
    expect(out.toolsets[name]).toEqual({
      type: 'http', enabled: true, description: `HTTP API of Service ${ns}/team-api`,
      config: { endpoints: [{ hosts: [target.url], paths: ['/*'], methods: ['GET'], health_check_url: `${target.url}/` }] },
    });
    expect(name).not.toContain('.');
  });

  it('6. rapid create/delete cycles leave none of the short-lived Services behind', async () => {
    const op = await operatorIn('rapid');
    await createServices(core, ns, [{ name: 'anchor', type: 'grafana', endpoint: target.url }]);
    for (let i = 0; i < 3; i++) {
      await createServices(core, ns, [{ name: `rapid-${i}`, type: 'custom', endpoint: target.url }]);
      await core.deleteNamespacedService({ namespace: ns, name: `rapid-${i}` });
    }
    // A short-lived Service may be written while it lives (under load its check can finish before its deletion is
    // seen); what must hold is the end state: the anchor alone, in the output and in the operator's status.
    const settled = async () => {
      const out = await readOutput(core, ns);
      const alone = out && Object.keys(out.toolsets).join() === 'grafana/dashboards' && op.operator.status().services.length === 1;
      return alone ? out : undefined;
    };
    const out = await waitFor(settled, { timeoutMs: 30_000, describe: () => 'the output to settle on the anchor alone' });
    // …and stays there: a relist of every watch brings none of them back.
    const unchanged = await metricValue(op.metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' });
    for (const r of op.operator.reflectors()) r.restart('relist');
    await metricReaching(op.metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' }, (v) => v > unchanged);
    expect((await readOutput(core, ns))?.text).toBe(out.text);
  });

  it('7. an annotation change (new endpoint) updates the toolset config', async () => {
    await operatorIn('endpoint-change');
    const other = await HttpTarget.start('healthy');
    try {
      await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
      await outputWhere(core, ns, (o) => (o.toolsets['prometheus/metrics']?.config as { prometheus_url?: string })?.prometheus_url === target.url, 'the first endpoint');
      await annotate(core, ns, 'prometheus', { 'kubernaut.io/toolset-endpoint': `${other.url}/prom` });
      const out = await outputWhere(core, ns, (o) => (o.toolsets['prometheus/metrics']?.config as { prometheus_url?: string })?.prometheus_url === `${other.url}/prom`, 'the new endpoint');
      expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: `${other.url}/prom` } });
      expect(other.hits).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('8. deleting one of three Services keeps the other two', async () => {
    await operatorIn('concurrent');
    await createServices(core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: target.url },
      { name: 'grafana', type: 'grafana', endpoint: target.url },
      { name: 'jaeger', type: 'jaeger', endpoint: target.url },
    ]);
    await outputWhere(core, ns, (o) => Object.keys(o.toolsets).length === 3, 'three toolsets');
    await core.deleteNamespacedService({ namespace: ns, name: 'grafana' });
    const out = await outputWhere(core, ns, (o) => !('grafana/dashboards' in o.toolsets), 'no grafana');
    expect(Object.keys(out.toolsets).sort()).toEqual([`jaeger/${ns}/jaeger`, 'prometheus/metrics']);
  });

  it('9. a deleted ConfigMap is re-created with the same content', async () => {
    await operatorIn('recreate');
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    const before = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'kubernaut-toolset-config' });
    const after = await outputWhere(core, ns, (o) => o.resourceVersion !== before.resourceVersion, 'a re-created ConfigMap');
    expect(after.text).toBe(before.text);
  });

  it('10. the output is a valid HolmesGPT custom toolset file with hash annotation and managed-by label', async () => {
    await operatorIn('valid');
    await createServices(core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: target.url },
      { name: 'loki', type: 'loki', endpoint: target.url },
      { name: 'jaeger', type: 'jaeger', endpoint: target.url },
    ]);
    const out = await outputWhere(core, ns, (o) => Object.keys(o.toolsets).length === 4, 'three toolsets and kubernetes/logs');
    expect(toolsetFileErrors({ toolsets: out.toolsets })).toEqual([]);
    expect(out.toolsets['kubernetes/logs']).toEqual({ enabled: false });
    expect(out.labels['app.kubernetes.io/managed-by']).toBe('kubernaut-toolset');
    const { createHash } = await import('node:crypto');
    expect(out.annotations['kubernaut.io/toolset-hash']).toBe(createHash('sha256').update(out.text).digest('hex'));
    expect(out.text.startsWith('# Generated by kubernaut-toolset')).toBe(true);
  });

  it('11-13. only configured namespaces are watched, and the ConfigMap lives in the output namespace only', async () => {
    const watched = await freshNamespace(core, 'watched');
    const other = await freshNamespace(core, 'other');
    const output = await freshNamespace(core, 'output');
    running = await startOperator(testConfig(watched, { output: { namespace: output }, tenancy: { trustedNamespaces: [watched] } }));
    await createServices(core, other, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    await createServices(core, watched, [{ name: 'grafana', type: 'grafana', endpoint: target.url }]);
    const out = await outputWhere(core, output, (o) => 'grafana/dashboards' in o.toolsets, 'grafana/dashboards');
    expect(Object.keys(out.toolsets)).toEqual(['grafana/dashboards']);
    expect(await readOutput(core, watched)).toBeUndefined();
    expect(await readOutput(core, other)).toBeUndefined();
    expect(running.operator.status().services.map((s) => `${s.namespace}/${s.name}`)).toEqual([`${watched}/grafana`]);
  });
});
