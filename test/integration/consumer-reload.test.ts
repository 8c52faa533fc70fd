// reload.deployment: every content change rolls HolmesGPT's Deployment exactly once; unchanged content never does.
import { afterEach, describe, expect, it } from '@jest/globals';
import { AppsV1Api } from '@kubernetes/client-node';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { metricReaching, metricValue } from '../support/metrics.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';

describe('consumer reload', () => {
  let running: RunningOperator | undefined;
  let target: HttpTarget | undefined;
  afterEach(async () => {
    await running?.stop();
    await target?.close();
  });

  it('stamps each new content hash on the Deployment pod template once, and nothing for unchanged content', async () => {
    const { core, kc } = fixtureApi();
    const apps = kc.makeApiClient(AppsV1Api);
    const ns = await freshNamespace(core, 'reload');
    const holmes = await freshNamespace(core, 'holmes');
    await apps.createNamespacedDeployment({ namespace: holmes, body: {
      metadata: { name: 'holmesgpt' },
      spec: {
        selector: { matchLabels: { app: 'holmes' } },
        template: { metadata: { labels: { app: 'holmes' } }, spec: { containers: [{ name: 'holmes', image: 'holmes:test' }] } },
      },
    } });
    // Each change of the pod template bumps the Deployment's generation: it counts the rollouts we caused.
    const deployment = async () => {
      const d = await apps.readNamespacedDeployment({ namespace: holmes, name: 'holmesgpt' });
      return { generation: d.metadata?.generation ?? 0, hash: d.spec?.template.metadata?.annotations?.['kubernaut.io/toolset-hash'] };
    };
    expect(await deployment()).toEqual({ generation: 1, hash: undefined });

    target = await HttpTarget.start('healthy');
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    running = await startOperator(testConfig(ns, { reload: { deployment: `${holmes}/holmesgpt` }, health: { intervalMs: 200 } }));
    const first = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    await waitFor(async () => ((await deployment()).hash === first.annotations['kubernaut.io/toolset-hash'] ? true : undefined), {
      timeoutMs: 10_000, describe: () => 'the first hash on the pod template',
    });
    expect((await deployment()).generation).toBe(2);

    await createServices(core, ns, [{ name: 'grafana', type: 'grafana', endpoint: target.url }]);
    const second = await outputWhere(core, ns, (o) => 'grafana/dashboards' in o.toolsets, 'grafana/dashboards');
    await waitFor(async () => ((await deployment()).hash === second.annotations['kubernaut.io/toolset-hash'] ? true : undefined), {
      timeoutMs: 10_000, describe: () => 'the second hash on the pod template',
    });
    expect((await deployment()).generation).toBe(3);

    // Health rounds every 200 ms and three relists: reconciles, but the same content, so no rollout.
    const { metrics, operator } = running;
    const unchangedBefore = await metricValue(metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' });
    for (const r of operator.reflectors()) r.restart('relist');
    await metricReaching(metrics, 'kubernaut_toolset_configmap_writes_total', { result: 'unchanged' }, (v) => v >= unchangedBefore + 3, 15_000);
    expect((await deployment()).generation).toBe(3);
    expect(await metricValue(metrics, 'kubernaut_toolset_reload_stamps_total', { result: 'stamped' })).toBe(2);
  });
});
