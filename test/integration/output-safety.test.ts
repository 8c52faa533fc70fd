// How the operator writes: only on change, never touching keys it does not own, and refusing what it must not
// write. Drift, a second writer and the size budget are in faults/output.test.ts.
import { describe, expect, it } from '@jest/globals';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { metricReaching, metricValue } from '../support/metrics.ts';
import { outputWhere, readOutput, startOperator, testConfig } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';
import { freshNamespace } from '../support/kube.ts';
import { operatorSuite } from '../support/operator-suite.ts';

const CM = 'kubernaut-toolset-config';

describe('writing the output ConfigMap', () => {
  const suite = operatorSuite();

  async function events(reason: string, name = CM): Promise<string[]> {
    const list = await suite.core.listNamespacedEvent({ namespace: suite.ns, fieldSelector: `involvedObject.name=${name},reason=${reason}` });
    return list.items.map((e) => e.message ?? '');
  }

  async function setKey(key: string, value: string): Promise<void> {
    const { setHeaderOptions, PatchStrategy } = await import('@kubernetes/client-node');
    await suite.core.patchNamespacedConfigMap({ namespace: suite.ns, name: CM, body: { data: { [key]: value } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }

  it('writes nothing in steady state: through three relists and repeated health re-checks the ConfigMap is untouched', async () => {
    // A 5 s check timeout: on a loaded machine two 1-s timeouts in a row would drop the toolset, which is a change.
    const { metrics, operator } = await suite.operatorIn('steady', { health: { intervalMs: 200, timeoutMs: 5_000 } });
    await createServices(suite.core, suite.ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    const first = await outputWhere(suite.core, suite.ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    const writes = async () => (await metricValue(metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'created' })) +
      (await metricValue(metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'updated' }));
    // The test can see the write before the operator has read the API server's answer (and counted it): wait until
    // the operator's own status shows the content the test saw.
    await waitFor(() => (operator.status().output.hash === first.annotations['kubernaut.io/toolset-hash'] ? true : undefined), {
      timeoutMs: 10_000, describe: () => `the operator to have counted the write it made (status hash ${operator.status().output.hash})`,
    });
    const writesBefore = await writes();
    const hitsBefore = suite.target.hits;
    for (let i = 1; i <= 3; i++) {
      const relists = await metricValue(metrics, 'kubernaut_toolset_watch_restarts_total', { reason: 'relist' });
      for (const r of operator.reflectors()) r.restart('relist');
      await metricReaching(metrics, 'kubernaut_toolset_watch_restarts_total', { reason: 'relist' }, (v) => v >= relists + 2);
    }
    // The relists caused reconciles (each ended "unchanged"), but no write.
    await metricReaching(metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' }, (v) => v >= 3);
    expect(await writes()).toBe(writesBefore);
    await waitFor(() => (suite.target.hits >= hitsBefore + 3 ? true : undefined), { timeoutMs: 10_000, describe: () => 'three more health checks' });
    expect(await writes()).toBe(writesBefore);
    expect((await readOutput(suite.core, suite.ns))?.resourceVersion).toBe(first.resourceVersion);
  });

  it('merges overrides.yaml over the generated toolsets and never changes the user-owned key', async () => {
    await suite.operatorIn('overrides');
    await createServices(suite.core, suite.ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: suite.target.url },
      { name: 'grafana', type: 'grafana', endpoint: suite.target.url },
    ]);
    await outputWhere(suite.core, suite.ns, (o) => Object.keys(o.toolsets).length === 2, 'two toolsets');
    const overrides = [
      'toolsets:',
      '  prometheus/metrics:',
      '    config:',
      '      headers:',
      '        Authorization: "Bearer {{ env.PROM_TOKEN }}"',
      '  grafana/dashboards:',
      '    enabled: false',
      '  kubernetes/core:',
      '    enabled: true',
      '',
    ].join('\n');
    await setKey('overrides.yaml', overrides);
    const out = await outputWhere(suite.core, suite.ns, (o) => 'kubernetes/core' in o.toolsets, 'the overrides merged');
    expect(out.toolsets['prometheus/metrics']).toEqual({
      enabled: true,
      config: { prometheus_url: suite.target.url, headers: { Authorization: 'Bearer {{ env.PROM_TOKEN }}' } },
    });
    expect(out.toolsets['grafana/dashboards']).toEqual({ enabled: false, config: { api_url: suite.target.url } });
    expect(out.data['overrides.yaml']).toBe(overrides);
  });

  it('keeps the last good output when overrides.yaml is invalid, with an Event and a metric, and recovers', async () => {
    const { metrics, operator } = await suite.operatorIn('bad-overrides');
    await createServices(suite.core, suite.ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    const good = await outputWhere(suite.core, suite.ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await setKey('overrides.yaml', 'toolsets:\n  - not a map\n');
    await metricReaching(metrics, 'kubernaut_toolset_overrides_invalid_total', {}, (v) => v > 0);
    await createServices(suite.core, suite.ns, [{ name: 'grafana', type: 'grafana', endpoint: suite.target.url }]);
    const warnings = await waitFor(async () => {
      const found = await events('OverridesInvalid');
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 10_000, describe: () => 'a Warning Event OverridesInvalid' });
    expect(warnings[0]).toMatch(/"toolsets" must be a mapping/);
    expect(operator.status().output.problem).toMatch(/last good output is kept/);
    expect((await readOutput(suite.core, suite.ns))?.data['toolset.yaml']).toBe(good.text);

    await setKey('overrides.yaml', 'toolsets: {}\n');
    const recovered = await outputWhere(suite.core, suite.ns, (o) => 'grafana/dashboards' in o.toolsets, 'grafana after the fix');
    expect(Object.keys(recovered.toolsets).sort()).toEqual(['grafana/dashboards', 'prometheus/metrics']);
    expect(operator.status().output.problem).toBeUndefined();
  });

  it('leaves a ConfigMap it does not manage alone: Warning Event, refused metric, not ready; adopts it only when told', async () => {
    suite.ns = await freshNamespace(suite.core, 'foreign');
    await suite.core.createNamespacedConfigMap({ namespace: suite.ns, body: { metadata: { name: CM, labels: { owner: 'someone-else' } }, data: { 'toolset.yaml': 'theirs\n' } } });
    await createServices(suite.core, suite.ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    suite.running = await startOperator(testConfig(suite.ns));
    expect(suite.running.operator.ready).toBe(false);
    expect(await metricReaching(suite.running.metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'refused' }, (v) => v > 0)).toBeGreaterThan(0);
    const refused = await waitFor(async () => {
      const found = await events('ToolsetConfigRefused');
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 10_000, describe: () => 'a ToolsetConfigRefused Event' });
    expect(refused[0]).toMatch(/not managed by kubernaut-toolset .*output\.adopt/);
    expect((await readOutput(suite.core, suite.ns))?.data).toEqual({ 'toolset.yaml': 'theirs\n' });
    await suite.running.stop();

    suite.running = await startOperator(testConfig(suite.ns, { output: { adopt: true } }));
    const adopted = await outputWhere(suite.core, suite.ns, (o) => 'prometheus/metrics' in o.toolsets, 'the adopted ConfigMap rewritten');
    expect(adopted.labels).toMatchObject({ owner: 'someone-else', 'app.kubernetes.io/managed-by': 'kubernaut-toolset' });
    expect(suite.running.operator.ready).toBe(true);
  });
});
