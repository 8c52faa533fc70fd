// 200 malformed annotation sets from a seeded generator: each Service is rejected with the reason its one broken
// annotation calls for, the operator keeps running, and the valid Services beside them are written as usual.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { waitFor } from '../../../tools/control-plane/wait.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../../support/kube.ts';
import { malformedAnnotationSets } from '../../support/malformed-annotations.ts';
import { metricValue } from '../../support/metrics.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../../support/operator-harness.ts';
import { annotatedService, createServices } from '../../support/services.ts';

const SEED = 20261126;
const COUNT = 200;

describe('malformed annotations', () => {
  let core: CoreV1Api;
  let target: HttpTarget;
  let running: RunningOperator | undefined;

  beforeAll(async () => {
    core = fixtureApi().core;
    target = await HttpTarget.start('healthy');
  });
  afterAll(async () => {
    await running?.stop();
    await target.close();
  });

  it(`6. ${COUNT} seeded malformed annotation sets: each rejected with its reason, no crash, valid Services unaffected`, async () => {
    const ns = await freshNamespace(core, 'malformed');
    const cases = malformedAnnotationSets(COUNT, SEED, target.url);
    const valid = ['good-a', 'good-b'];
    await createServices(core, ns, valid.map((name) => ({ name, type: 'custom', endpoint: target.url })));
    running = await startOperator(testConfig(ns));
    await outputWhere(core, ns, (o) => valid.every((n) => `custom/${ns}/${n}` in o.toolsets), 'the valid Services');

    // Arrive while the operator runs, in bursts, as a bad deploy would.
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(cases.slice(i, i + 50).map((c, j) =>
        core.createNamespacedService({ namespace: ns, body: annotatedService(ns, { name: `bad-${String(i + j).padStart(3, '0')}`, optIn: false, annotations: c.annotations }) })));
    }
    await createServices(core, ns, [{ name: 'good-late', type: 'custom', endpoint: target.url }]);
    const { operator, metrics } = running;
    const rejected = await waitFor(() => {
      const found = operator.status().services.filter((s) => s.verdict === 'rejected');
      return found.length === COUNT ? found : undefined;
    }, { timeoutMs: 30_000, describe: () => `${COUNT} rejections in /status` });

    const byName = new Map(rejected.map((s) => [s.name, s]));
    const mismatches = cases.flatMap((c, i) => {
      const status = byName.get(`bad-${String(i).padStart(3, '0')}`);
      return status?.reason === c.expected ? [] : [`#${i} ${c.label}: expected ${c.expected}, got ${status?.reason ?? 'nothing'} (${status?.message ?? ''})`];
    });
    expect(mismatches).toEqual([]);
    for (const s of rejected) {
      // A precise message that names the annotation, never the whole of a 100 KB value.
      expect(s.message).toMatch(/kubernaut\.io\/toolset|Service has no TCP port/);
      expect(s.message.length).toBeLessThan(600);
    }

    const out = await outputWhere(core, ns, (o) => `custom/${ns}/good-late` in o.toolsets, 'the valid Service created after the bad ones');
    expect(Object.keys(out.toolsets).sort()).toEqual([...valid, 'good-late'].map((n) => `custom/${ns}/${n}`).sort());
    expect(out.text).not.toMatch(/bad-\d{3}/);

    const expectedByReason = new Map<string, number>();
    for (const c of cases) expectedByReason.set(c.expected, (expectedByReason.get(c.expected) ?? 0) + 1);
    for (const [reason, n] of expectedByReason) {
      expect({ reason, count: await metricValue(metrics, 'kubernaut_toolset_annotation_rejections_total', { reason }) }).toEqual({ reason, count: n });
    }
    const events = await waitFor(async () => {
      const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'reason=ToolsetRejected' });
      return list.items.length === COUNT ? list.items : undefined;
    }, { timeoutMs: 60_000, describe: () => `${COUNT} ToolsetRejected Events` });
    expect(events.every((e) => e.type === 'Warning' && /^bad-\d{3}$/.test(e.involvedObject.name ?? ''))).toBe(true);
    expect(operator.ready).toBe(true);
  }, 120_000);
});
