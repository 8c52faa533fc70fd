// Edge cases of the plan: no Services at all, more than a thousand, and discovery failing then recovering.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig} from '@kubernetes/client-node';
import { RbacAuthorizationV1Api, type CoreV1Api } from '@kubernetes/client-node';
import { ClientNodeKube } from '../../src/kube/client-node.ts';
import { createLogger } from '../../src/observe/logger.ts';
import { Metrics } from '../../src/observe/metrics.ts';
import { ToolsetController } from '../../src/controller/controller.ts';
import { PLACEHOLDER_TOOLSET } from '../../src/reconcile/output-document.ts';
import { toolsetFileErrors } from '../../src/toolset/validate.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { metricReaching } from '../support/metrics.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { tokenKubeconfig } from '../support/service-account.ts';
import { annotatedService } from '../support/services.ts';

describe('scale and recovery', () => {
  let core: CoreV1Api;
  let kc: KubeConfig;
  let target: HttpTarget;
  let running: RunningOperator | undefined;

  beforeAll(async () => {
    ({ core, kc } = fixtureApi());
    target = await HttpTarget.start('healthy');
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  afterAll(async () => target.close());

  it('with no Services it writes a loadable file holding only a disabled placeholder, and becomes ready', async () => {
    const ns = await freshNamespace(core, 'empty');
    running = await startOperator(testConfig(ns));
    const out = await outputWhere(core, ns, () => true, 'a ConfigMap');
    expect(out.toolsets).toEqual({ [PLACEHOLDER_TOOLSET]: { enabled: false, description: expect.stringMatching(/^Placeholder/) as unknown } });
    expect(toolsetFileErrors({ toolsets: out.toolsets })).toEqual([]);
    expect(running.operator.ready).toBe(true);
  });

  it('writes 1,200 annotated Services (health-checked) into one ConfigMap', async () => {
    const ns = await freshNamespace(core, 'thousand');
    const count = 1_200;
    const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 100) {
      await Promise.all(names.slice(i, i + 100).map((name) =>
        core.createNamespacedService({ namespace: ns, body: annotatedService(ns, { name, type: 'custom', endpoint: target.url }) })));
    }
    const hitsBefore = target.hits;
    running = await startOperator(testConfig(ns, { output: { sizeBudgetBytes: 1_048_576 } }));
    // Deadlines for a loaded machine (the stress proof runs this beside stress-ng on every core); the benchmark measures speed.
    const out = await outputWhere(core, ns, (o) => Object.keys(o.toolsets).length === count, `${count} toolsets`, 120_000);
    expect(Object.keys(out.toolsets).sort()).toEqual(names.map((n) => `custom/${ns}/${n}`));
    expect(target.hits - hitsBefore).toBeGreaterThanOrEqual(count);
    expect(running.operator.status().services.filter((s) => s.verdict === 'included')).toHaveLength(count);
  }, 360_000);

  it('keeps retrying while it may not list Services, reports it, and recovers once RBAC allows it', async () => {
    const ns = await freshNamespace(core, 'rbac');
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'operator' } } });
    const kubeconfig = await tokenKubeconfig(kc, core, ns, 'operator');
    await core.createNamespacedService({ namespace: ns, body: annotatedService(ns, { name: 'prometheus', type: 'prometheus', endpoint: target.url }) });

    const metrics = new Metrics({ processMetrics: false });
    // The production check timeout: this test is about RBAC, and 1 s can expire on a loaded machine.
    const config = testConfig(ns, { health: { timeoutMs: 5_000 } });
    const operator = new ToolsetController({
      kube: ClientNodeKube.fromFile(kubeconfig), config, metrics, log: createLogger({ silent: process.env.KUBERNAUT_TEST_LOGS !== '1', pretty: true }),
    });
    const started = operator.start();
    running = { operator, metrics, config, stop: () => operator.stop() };
    await metricReaching(metrics, 'kubernaut_toolset_watch_errors_total', { resource: 'services', status: '403' }, (v) => v >= 2, 15_000);
    expect(operator.ready).toBe(false);

    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: ns, body: {
      metadata: { name: 'operator' },
      rules: [
        { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'patch', 'update'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: {
      metadata: { name: 'operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'operator' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
    } });
    await started;
    const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics after the grant', 30_000);
    expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: target.url } });
    expect(operator.ready).toBe(true);
  });
});
