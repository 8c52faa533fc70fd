// The API server refuses the watch but allows the list (RBAC without "watch"), then fails with 500s for a while
// (injected by a proxy): the operator reports both, retries with a growing backoff, keeps the output current by
// relisting meanwhile, and recovers by itself once the watch is allowed and the errors stop.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { RbacAuthorizationV1Api, type CoreV1Api, type KubeConfig, type V1PolicyRule } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientNodeKube } from '../../../src/kube/client-node.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { Metrics } from '../../../src/observe/metrics.ts';
import { ToolsetController } from '../../../src/controller/controller.ts';
import { waitFor } from '../../../tools/control-plane/wait.ts';
import { testCluster } from '../../support/cluster-info.ts';
import { FaultProxy, proxyKubeconfig } from '../../support/fault-proxy.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../../support/kube.ts';
import { metricReaching, metricValue } from '../../support/metrics.ts';
import { outputWhere, testConfig } from '../../support/operator-harness.ts';
import { createServices } from '../../support/services.ts';

const rules = (serviceVerbs: string[]): V1PolicyRule[] => [
  { apiGroups: [''], resources: ['services'], verbs: serviceVerbs },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];

describe('API access faults', () => {
  let core: CoreV1Api;
  let kc: KubeConfig;
  let target: HttpTarget;
  let proxy: FaultProxy;
  const cleanup: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    ({ core, kc } = fixtureApi());
    target = await HttpTarget.start('healthy');
    proxy = await FaultProxy.start(testCluster());
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  afterAll(async () => {
    await proxy.close();
    await target.close();
  });

  it('9. 403 on the watch but not the list, then 500s for a while: reported, retried with backoff, recovered', async () => {
    const ns = await freshNamespace(core, 'access');
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'operator' } } });
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'operator' }, rules: rules(['get', 'list']) } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: {
      metadata: { name: 'operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'operator' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
    } });
    const token = await core.createNamespacedServiceAccountToken({ namespace: ns, name: 'operator', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubernaut-access-')), 'kubeconfig');
    writeFileSync(kubeconfig, proxyKubeconfig(proxy.url, token.status?.token));
    await createServices(core, ns, [{ name: 'first', type: 'custom', endpoint: target.url }]);

    const metrics = new Metrics({ processMetrics: false });
    const operator = new ToolsetController({
      kube: ClientNodeKube.fromFile(kubeconfig), metrics, config: testConfig(ns), log: createLogger({ silent: process.env.KUBERNAUT_TEST_LOGS !== '1', pretty: true }),
    });
    cleanup.push(() => operator.stop());
    const servicePath = `/api/v1/namespaces/${ns}/services`;
    const watches = () => proxy.requests.filter((r) => r.watch && r.path.startsWith(servicePath));
    // The delay the Service watch scheduled after each refusal, in order.
    const scheduled: number[] = [];
    const serviceWatch = operator.reflectors().find((r) => r.description.startsWith('Services'));
    const subscription = serviceWatch?.events$.subscribe((e) => {
      if (e.type === 'error' && e.error.status === 403) scheduled.push(e.retryInMs);
    });
    cleanup.push(() => subscription?.unsubscribe());
    await operator.start();
    await outputWhere(core, ns, (o) => `custom/${ns}/first` in o.toolsets, 'the listed Service');

    // Phase 1: every watch is refused by RBAC (a real 403 from the API server); lists still work.
    const refused = await waitFor(() => {
      const found = watches().filter((r) => r.status === 403);
      return found.length >= 5 ? found : undefined;
    }, { timeoutMs: 30_000, describe: () => `five refused watches (so far ${watches().length} watches)` });
    // Doubling from 0.5 s with ±20 % jitter: each delay is at least 1.33× the one before, and 0.4-0.6 s at first.
    // The delays are the reflector's own; the refused requests only show that no retry came sooner (a busy machine
    // can only make the gaps longer, so they are not compared with each other).
    expect(scheduled.length).toBeGreaterThanOrEqual(4);
    expect(scheduled[0]).toBeGreaterThanOrEqual(400);
    expect(scheduled[0]).toBeLessThanOrEqual(600);
    for (let i = 1; i < 4; i++) expect({ delay: i, ratio: (scheduled[i] ?? 0) / (scheduled[i - 1] ?? 1) > 1.3 }).toEqual({ delay: i, ratio: true });
    const gaps = refused.slice(1).map((r, i) => r.at - (refused[i]?.at ?? 0));
    for (let i = 0; i < gaps.length; i++) expect({ gap: i, notSooner: (gaps[i] ?? 0) >= (scheduled[i] ?? Infinity) }).toEqual({ gap: i, notSooner: true });
    expect(await metricReaching(metrics, 'kubernaut_toolset_watch_errors_total', { resource: 'services', status: '403' }, (v) => v >= 5)).toBeGreaterThanOrEqual(5);
    // Meanwhile each retry relists, so a new Service still reaches the output.
    await createServices(core, ns, [{ name: 'during-403', type: 'custom', endpoint: target.url }]);
    await outputWhere(core, ns, (o) => `custom/${ns}/during-403` in o.toolsets, 'a Service created while the watch is refused', 40_000);

    // Phase 2: the API server answers 500 to everything about Services for a while.
    proxy.fault = (r) => (r.path.startsWith(servicePath) ? 500 : undefined);
    cleanup.push(() => (proxy.fault = undefined));
    await waitFor(() => (proxy.requests.some((r) => r.injected && !r.watch && r.path.startsWith(servicePath)) ? true : undefined), {
      timeoutMs: 40_000, describe: () => 'a Service list answered with an injected 500',
    });
    expect(await metricReaching(metrics, 'kubernaut_toolset_watch_errors_total', { resource: 'services', status: '500' }, (v) => v >= 1)).toBeGreaterThanOrEqual(1);
    expect((await core.readNamespacedConfigMap({ namespace: ns, name: 'kubernaut-toolset-config' })).data?.['toolset.yaml']).toContain('during-403');

    // Recovery: the errors stop and the watch is granted; the next retry (at most the 30 s cap away) succeeds.
    proxy.fault = undefined;
    await rbac.replaceNamespacedRole({ namespace: ns, name: 'operator', body: { metadata: { name: 'operator' }, rules: rules(['get', 'list', 'watch']) } });
    await waitFor(() => (watches().some((r) => r.status === 200) ? true : undefined), { timeoutMs: 45_000, describe: () => 'an accepted Service watch' });
    const errors = await metricValue(metrics, 'kubernaut_toolset_watch_errors_total', { resource: 'services' });
    await createServices(core, ns, [{ name: 'after', type: 'custom', endpoint: target.url }]);
    const out = await outputWhere(core, ns, (o) => `custom/${ns}/after` in o.toolsets, 'a Service created after recovery');
    expect(Object.keys(out.toolsets).sort()).toEqual(['after', 'during-403', 'first'].map((n) => `custom/${ns}/${n}`));
    expect(await metricValue(metrics, 'kubernaut_toolset_watch_errors_total', { resource: 'services' })).toBe(errors);
    expect(operator.ready).toBe(true);
  }, 180_000);
});
