// Faults at the output: a second writer, repeated deletion and hand edits, output too large to write. A separate
// watch records every version of the ConfigMap, so "never" is checked on every version, not on samples.
import { afterEach, beforeAll, afterAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../../../tools/control-plane/wait.ts';
import { ConfigMapHistory } from '../../support/configmap-history.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../../support/kube.ts';
import { metricReaching, metricValue } from '../../support/metrics.ts';
import { outputWhere, readOutput, startOperator, testConfig, type ConfigPatch, type RunningOperator } from '../../support/operator-harness.ts';
import { createServices } from '../../support/services.ts';

const CM = 'kubernaut-toolset-config';
const OVERRIDES = 'toolsets:\n  kubernetes/core:\n    enabled: true\n';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('output faults', () => {
  let core: CoreV1Api;
  let kc: KubeConfig;
  let target: HttpTarget;
  let ns: string;
  const cleanup: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    ({ core, kc } = fixtureApi());
    target = await HttpTarget.start('healthy');
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  afterAll(async () => target.close());

  async function operatorIn(prefix: string, patch: ConfigPatch = {}): Promise<RunningOperator & { history: ConfigMapHistory }> {
    ns = await freshNamespace(core, prefix);
    const history = await ConfigMapHistory.start(kc, ns, CM);
    cleanup.push(() => history.stop());
    const running = await startOperator(testConfig(ns, patch));
    cleanup.push(() => running.stop());
    return { ...running, history };
  }

  const writes = async (running: RunningOperator, result: string) => metricValue(running.metrics, 'kubernaut_toolset_configmap_writes_total', { result });
  const patchData = (data: Record<string, string>) => core.patchNamespacedConfigMap({ namespace: ns, name: CM, body: { data } }, mergePatch);

  it('4. a second writer updating the ConfigMap 100 times concurrently: converges, never loses overrides.yaml, never loops', async () => {
    const running = await operatorIn('second-writer');
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await patchData({ 'overrides.yaml': OVERRIDES });
    await outputWhere(core, ns, (o) => 'kubernetes/core' in o.toolsets, 'the override applied');
    const versionsBefore = running.history.versions.length;

    // 100 concurrent updates: most touch the writer's own keys, every tenth also scribbles over the generated key,
    // while a Service appears mid-storm so the operator has real work to do at the same time.
    const storm = Promise.all(Array.from({ length: 100 }, (_, i) =>
      patchData({ [`writer-${i}`]: String(i), ...(i % 10 === 0 ? { 'toolset.yaml': `toolsets:\n  scribble-${i}: {}\n` } : {}) })));
    await createServices(core, ns, [{ name: 'grafana', type: 'grafana', endpoint: target.url }]);
    await storm;

    const converged = await outputWhere(core, ns,
      (o) => !o.text.includes('scribble') && 'grafana/dashboards' in o.toolsets && Object.keys(o.data).length === 102,
      // Conflicting writes back off up to 10 s each; under load the last retry can land well after the storm.
      'the generated key restored, grafana added, every writer key kept', 45_000);
    expect(Object.keys(converged.toolsets).sort()).toEqual(['grafana/dashboards', 'kubernetes/core', 'prometheus/metrics']);
    expect(converged.data['overrides.yaml']).toBe(OVERRIDES);
    for (let i = 0; i < 100; i++) expect(converged.data[`writer-${i}`]).toBe(String(i));
    const stormVersions = running.history.versions.slice(versionsBefore);
    expect(stormVersions.length).toBeGreaterThanOrEqual(100);
    expect(stormVersions.filter((v) => v.data['overrides.yaml'] !== OVERRIDES)).toEqual([]);

    // No write loop: once converged, reconciles (a relist forces some) end "unchanged" and the version stays.
    // The converging write is counted when its apply returns, which can be just after the object is readable; a
    // reconcile ending "unchanged" after a relist runs after it (one reconcile at a time), so the count is read then.
    const settled = async () => {
      const unchanged = await writes(running, 'unchanged');
      for (const r of running.operator.reflectors()) r.restart('relist');
      await metricReaching(running.metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' }, (v) => v >= unchanged + 1);
      return writes(running, 'updated');
    };
    const updated = await settled();
    expect(await settled()).toBe(updated);
    expect((await readOutput(core, ns))?.resourceVersion).toBe(converged.resourceVersion);
    // The operator wrote at most once per scribble, the new Service and the override, plus conflict retries.
    expect(updated).toBeLessThanOrEqual(10 + 2 + 10);
  }, 120_000);

  it('5. the ConfigMap deleted 20 times in a row, and the generated key hand-edited: restored every time', async () => {
    const running = await operatorIn('deleted');
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }, { name: 'loki', type: 'loki', endpoint: target.url }]);
    const good = await outputWhere(core, ns, (o) => Object.keys(o.toolsets).length === 3, 'prometheus and loki');
    const createdBefore = await writes(running, 'created');
    for (let i = 1; i <= 20; i++) {
      const before = (await readOutput(core, ns))?.resourceVersion;
      await core.deleteNamespacedConfigMap({ namespace: ns, name: CM });
      const back = await outputWhere(core, ns, (o) => o.resourceVersion !== before, `re-creation #${i}`, 10_000);
      expect(back.text).toBe(good.text);
    }
    // Exactly one creation per deletion; the counter moves just after the write the loop saw.
    expect(await metricReaching(running.metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'created' }, (v) => v >= createdBefore + 20)).toBe(createdBefore + 20);
    expect(running.history.versions.filter((v) => v.type === 'DELETED')).toHaveLength(20);

    for (const edit of ['toolsets: {}\n', 'not: [valid', '']) {
      const before = (await readOutput(core, ns))?.resourceVersion;
      await patchData({ 'toolset.yaml': edit });
      const restored = await outputWhere(core, ns, (o) => o.text === good.text && o.resourceVersion !== before, `the hand edit ${JSON.stringify(edit)} undone`);
      expect(restored.annotations['kubernaut.io/toolset-hash']).toBe(good.annotations['kubernaut.io/toolset-hash']);
    }
    expect(running.operator.ready).toBe(true);
  });

  it('8. output over the size budget: the largest contributors are left out (OutputBudget, Event, metric), the rest is written, new Services still are', async () => {
    const budget = 4_096;
    const running = await operatorIn('size', { output: { sizeBudgetBytes: budget } });
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await createServices(core, ns, Array.from({ length: 12 }, (_, i) => ({ name: `tools-${i}`, type: 'custom', endpoint: target.url })));
    const dropped = await waitFor(async () => {
      const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'reason=ToolsetRejected' });
      const budgetEvents = list.items.filter((e) => e.message?.startsWith('OutputBudget: '));
      return budgetEvents.length > 0 ? budgetEvents : undefined;
    }, { timeoutMs: 10_000, describe: () => 'ToolsetRejected Events with OutputBudget' });
    expect(dropped[0]?.type).toBe('Warning');
    expect(dropped[0]?.message).toMatch(new RegExp(`left out to keep the output within its budget of ${budget} bytes`));
    expect(await metricReaching(running.metrics, 'kubernaut_toolset_annotation_rejections_total', { reason: 'OutputBudget' }, (v) => v > 0)).toBeGreaterThan(0);
    // A Service added while over the budget is still written: nobody can freeze the output.
    await createServices(core, ns, [{ name: 'grafana', type: 'grafana', endpoint: target.url }]);
    const written = await outputWhere(core, ns, (o) => 'grafana/dashboards' in o.toolsets && 'prometheus/metrics' in o.toolsets, 'grafana while over budget');
    expect(Buffer.byteLength(written.text)).toBeLessThanOrEqual(budget);
    expect(running.history.versions.every((v) => Buffer.byteLength(v.data['toolset.yaml'] ?? '') <= budget)).toBe(true);
    expect(await writes(running, 'refused')).toBe(0);
  });
});
