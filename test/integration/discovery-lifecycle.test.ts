// The earlier implementation's end-to-end scenarios (discovery lifecycle, ConfigMap updates, namespace filtering),
// on the real API server with real HTTP targets, asserting on parsed YAML.
import { describe, expect, it } from '@jest/globals';
import { toolsetFileErrors } from '../../src/toolset/validate.ts';
import { PLACEHOLDER_TOOLSET } from '../../src/reconcile/output-document.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { metricReaching, metricValue } from '../support/metrics.ts';
import { outputWhere, readOutput, startOperator, testConfig } from '../support/operator-harness.ts';
import { annotate, createServices } from '../support/services.ts';
import { freshNamespace } from '../support/kube.ts';
import { HttpTarget } from '../support/http-target.ts';
import { operatorSuite } from '../support/operator-suite.ts';

describe('discovery lifecycle on the real API server', () => {
  const suite = operatorSuite();

  it('1. a new annotated Service appears in the toolset file with its endpoint', async () => {
    await suite.operatorIn('new-svc');
    await createServices(suite.core, suite.ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    const out = await outputWhere(suite.core, suite.ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: suite.target.url } });
  });

  it('2. several Services of different types all appear', async () => {
    await suite.operatorIn('multi');
    await createServices(suite.core, suite.ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: suite.target.url },
      { name: 'grafana', type: 'grafana', endpoint: suite.target.url },
      { name: 'tools', type: 'custom', endpoint: suite.target.url, annotations: { 'kubernaut.io/toolset-description': 'Team tools' } },
    ]);
    const out = await outputWhere(suite.core, suite.ns, (o) => Object.keys(o.toolsets).length === 3, 'three toolsets');
    expect(Object.keys(out.toolsets).sort()).toEqual([`custom/${suite.ns}/tools`, 'grafana/dashboards', 'prometheus/metrics']);
    expect(out.toolsets[`custom/${suite.ns}/tools`]).toMatchObject({ enabled: true, description: 'Team tools' });
  });

  it('3. a deleted Service disappears from the toolset file', async () => {
    await suite.operatorIn('deletion');
    await createServices(suite.core, suite.ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    await outputWhere(suite.core, suite.ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await suite.core.deleteNamespacedService({ namespace: suite.ns, name: 'prometheus' });
    const out = await outputWhere(suite.core, suite.ns, (o) => !('prometheus/metrics' in o.toolsets), 'no prometheus/metrics');
    expect(out.toolsets).toEqual({ [PLACEHOLDER_TOOLSET]: { enabled: false, description: expect.stringMatching(/^Placeholder/) as unknown } });
  });

  it('4. a Service without annotations is ignored while an annotated neighbour is written', async () => {
    await suite.operatorIn('no-annotations');
    await createServices(suite.core, suite.ns, [
      { name: 'prometheus-unannotated', optIn: false, ports: [{ name: 'web', port: 9090 }] },
      { name: 'grafana', type: 'grafana', endpoint: suite.target.url },
    ]);
    const out = await outputWhere(suite.core, suite.ns, (o) => 'grafana/dashboards' in o.toolsets, 'grafana/dashboards');
    expect(Object.keys(out.toolsets)).toEqual(['grafana/dashboards']);
    expect(suite.running?.operator.status().services.map((s) => s.name)).toEqual(['grafana']);
  });

  it('5. a custom type becomes an HTTP toolset limited to its own origin, named without dots', async () => {
    await suite.operatorIn('custom');
    await createServices(suite.core, suite.ns, [{ name: 'team-api', type: 'custom', endpoint: suite.target.url }]);
    const name = `custom/${suite.ns}/team-api`;
    const out = await outputWhere(suite.core, suite.ns, (o) => name in o.toolsets, name);
    expect(out.toolsets[name]).toEqual({
      type: 'http', enabled: true, description: `HTTP API of Service ${suite.ns}/team-api`,
      config: { endpoints: [{ hosts: [suite.target.url], paths: ['/*'], methods: ['GET'], health_check_url: `${suite.target.url}/` }] },
    });
    expect(name).not.toContain('.');
  });

  it('6. rapid create/delete cycles leave none of the short-lived Services behind', async () => {
    const op = await suite.operatorIn('rapid');
    await createServices(suite.core, suite.ns, [{ name: 'anchor', type: 'grafana', endpoint: suite.target.url }]);
    for (let i = 0; i < 3; i++) {
      await createServices(suite.core, suite.ns, [{ name: `rapid-${i}`, type: 'custom', endpoint: suite.target.url }]);
      await suite.core.deleteNamespacedService({ namespace: suite.ns, name: `rapid-${i}` });
    }
    // A short-lived Service may be written while it lives (under load its check can finish before its deletion is
    // seen); what must hold is the end state: the anchor alone, in the output and in the operator's status.
    const settled = async () => {
      const out = await readOutput(suite.core, suite.ns);
      const alone = out && Object.keys(out.toolsets).join() === 'grafana/dashboards' && op.operator.status().services.length === 1;
      return alone ? out : undefined;
    };
    const out = await waitFor(settled, { timeoutMs: 30_000, describe: () => 'the output to settle on the anchor alone' });
    // …and stays there: a relist of every watch brings none of them back.
    const unchanged = await metricValue(op.metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' });
    for (const r of op.operator.reflectors()) r.restart('relist');
    await metricReaching(op.metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' }, (v) => v > unchanged);
    expect((await readOutput(suite.core, suite.ns))?.text).toBe(out.text);
  });

  it('7. an annotation change (new endpoint) updates the toolset config', async () => {
    await suite.operatorIn('endpoint-change');
    const other = await HttpTarget.start('healthy');
    try {
      await createServices(suite.core, suite.ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
      await outputWhere(suite.core, suite.ns, (o) => (o.toolsets['prometheus/metrics']?.config as { prometheus_url?: string })?.prometheus_url === suite.target.url, 'the first endpoint');
      await annotate(suite.core, suite.ns, 'prometheus', { 'kubernaut.io/toolset-endpoint': `${other.url}/prom` });
      const out = await outputWhere(suite.core, suite.ns, (o) => (o.toolsets['prometheus/metrics']?.config as { prometheus_url?: string })?.prometheus_url === `${other.url}/prom`, 'the new endpoint');
      expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: `${other.url}/prom` } });
      expect(other.hits).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('8. deleting one of three Services keeps the other two', async () => {
    await suite.operatorIn('concurrent');
    await createServices(suite.core, suite.ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: suite.target.url },
      { name: 'grafana', type: 'grafana', endpoint: suite.target.url },
      { name: 'jaeger', type: 'jaeger', endpoint: suite.target.url },
    ]);
    await outputWhere(suite.core, suite.ns, (o) => Object.keys(o.toolsets).length === 3, 'three toolsets');
    await suite.core.deleteNamespacedService({ namespace: suite.ns, name: 'grafana' });
    const out = await outputWhere(suite.core, suite.ns, (o) => !('grafana/dashboards' in o.toolsets), 'no grafana');
    expect(Object.keys(out.toolsets).sort()).toEqual([`jaeger/${suite.ns}/jaeger`, 'prometheus/metrics']);
  });

  it('9. a deleted ConfigMap is re-created with the same content', async () => {
    await suite.operatorIn('recreate');
    await createServices(suite.core, suite.ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    const before = await outputWhere(suite.core, suite.ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await suite.core.deleteNamespacedConfigMap({ namespace: suite.ns, name: 'kubernaut-toolset-config' });
    const after = await outputWhere(suite.core, suite.ns, (o) => o.resourceVersion !== before.resourceVersion, 'a re-created ConfigMap');
    expect(after.text).toBe(before.text);
  });

  it('10. the output is a valid HolmesGPT custom toolset file with hash annotation and managed-by label', async () => {
    await suite.operatorIn('valid');
    await createServices(suite.core, suite.ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: suite.target.url },
      { name: 'loki', type: 'loki', endpoint: suite.target.url },
      { name: 'jaeger', type: 'jaeger', endpoint: suite.target.url },
    ]);
    const out = await outputWhere(suite.core, suite.ns, (o) => Object.keys(o.toolsets).length === 4, 'three toolsets and kubernetes/logs');
    expect(toolsetFileErrors({ toolsets: out.toolsets })).toEqual([]);
    expect(out.toolsets['kubernetes/logs']).toEqual({ enabled: false });
    expect(out.labels['app.kubernetes.io/managed-by']).toBe('kubernaut-toolset');
    const { createHash } = await import('node:crypto');
    expect(out.annotations['kubernaut.io/toolset-hash']).toBe(createHash('sha256').update(out.text).digest('hex'));
    expect(out.text.startsWith('# Generated by kubernaut-toolset')).toBe(true);
  });

  it('11-13. only configured namespaces are watched, and the ConfigMap lives in the output namespace only', async () => {
    const watched = await freshNamespace(suite.core, 'watched');
    const other = await freshNamespace(suite.core, 'other');
    const output = await freshNamespace(suite.core, 'output');
    suite.running = await startOperator(testConfig(watched, { output: { namespace: output }, tenancy: { trustedNamespaces: [watched] } }));
    await createServices(suite.core, other, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    await createServices(suite.core, watched, [{ name: 'grafana', type: 'grafana', endpoint: suite.target.url }]);
    const out = await outputWhere(suite.core, output, (o) => 'grafana/dashboards' in o.toolsets, 'grafana/dashboards');
    expect(Object.keys(out.toolsets)).toEqual(['grafana/dashboards']);
    expect(await readOutput(suite.core, watched)).toBeUndefined();
    expect(await readOutput(suite.core, other)).toBeUndefined();
    expect(suite.running.operator.status().services.map((s) => `${s.namespace}/${s.name}`)).toEqual([`${watched}/grafana`]);
  });
});
