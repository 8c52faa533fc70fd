// HolmesGPT's egress NetworkPolicy as the operator keeps it on the real API server (consumer.networkPolicy): one
// rule per set of pods behind the written toolsets, rewritten with every change of the toolsets, only on change.
// That the network enforces it is shown on the node (test/e2e/consumer-network-policy.test.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DiscoveryV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, type CoreV1Api, type V1EndpointSlice, type V1NetworkPolicy } from '@kubernetes/client-node';
import { defaultConfig } from '../../src/config/fields.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';

const POLICY = 'kubernaut-toolset-consumer';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('consumer.networkPolicy on the real API server', () => {
  let core: CoreV1Api;
  let net: NetworkingV1Api;
  let discovery: DiscoveryV1Api;
  let running: RunningOperator | undefined;
  let ns = '';
  let tenant = '';

  beforeAll(async () => {
    const fixture = fixtureApi();
    core = fixture.core;
    net = fixture.kc.makeApiClient(NetworkingV1Api);
    discovery = fixture.kc.makeApiClient(DiscoveryV1Api);
    ns = await freshNamespace(core, 'policy');
    tenant = await freshNamespace(core, 'policy-tenant');
    // Health is off: the Services' cluster DNS names do not resolve on this machine; what is judged is the policy.
    running = await startOperator(testConfig(ns, {
      namespaces: { include: [ns, tenant] },
      health: { enabled: false },
      consumer: { networkPolicy: { ...defaultConfig({}).consumer.networkPolicy, enabled: true, podSelector: { matchLabels: { app: 'holmesgpt' } }, egress: [{ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 443, protocol: 'TCP' }] }] } },
    }));
  });
  afterAll(async () => running?.stop());

  const policy = () => net.readNamespacedNetworkPolicy({ namespace: ns, name: POLICY }).catch(() => undefined);
  const toolsetPeers = (p: V1NetworkPolicy | undefined) => (p?.spec?.egress ?? []).slice(2).map((r) => ({
    namespace: r.to?.[0]?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'], pods: r.to?.[0]?.podSelector?.matchLabels, ports: r.ports,
  }));
  const writes = async () => Number(/consumer_policy_writes_total\{result="applied"\} (\d+)/.exec(await running?.metrics.registry.metrics() ?? '')?.[1] ?? 0);

  it('allows exactly the pods behind the written toolsets, follows each change, and writes nothing when nothing changed', async () => {
    // Before any toolset: DNS and the admin's rule only.
    const empty = await waitFor(async () => ((await policy()) ? policy() : undefined), { timeoutMs: 20_000, describe: () => `NetworkPolicy ${ns}/${POLICY}` });
    expect(empty?.spec?.podSelector).toEqual({ matchLabels: { app: 'holmesgpt' } });
    expect(empty?.spec?.policyTypes).toEqual(['Egress']);
    expect(empty?.spec?.egress?.[0]?.ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    expect(empty?.spec?.egress?.[1]).toEqual({ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    expect(toolsetPeers(empty)).toEqual([]);
    expect(empty?.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('kubernaut-toolset');

    await createServices(core, tenant, [
      { name: 'orders', type: 'custom', ports: [{ name: 'http', port: 8080 }], selector: { app: 'orders' } },
      // An unannotated Service the next toolset's endpoint names: its pods and target port are what gets allowed.
      { name: 'backend', optIn: false, ports: [{ name: 'http', port: 9000 }], selector: { app: 'backend', tier: 'api' } },
      { name: 'via-backend', type: 'custom', endpoint: `http://backend.${tenant}.svc:9000/v1` },
    ]);
    await outputWhere(core, ns, (o) => `custom/${tenant}/orders` in o.toolsets && `custom/${tenant}/via-backend` in o.toolsets, 'both tenant toolsets');
    const two = await waitFor(async () => {
      const p = await policy();
      return toolsetPeers(p).length === 2 ? p : undefined;
    }, { timeoutMs: 20_000, describe: () => 'two toolset rules' });
    expect(toolsetPeers(two)).toEqual([
      { namespace: tenant, pods: { app: 'backend', tier: 'api' }, ports: [{ port: 9000, protocol: 'TCP' }] },
      { namespace: tenant, pods: { app: 'orders' }, ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
    expect(running?.operator.status().consumerPolicy).toMatchObject({ namespace: ns, name: POLICY, backends: 2, uncovered: [], lastWrite: { result: 'applied' } });

    // A change that rewrites the file but not the pods behind it (a description) leaves the policy alone.
    const before = await writes();
    await core.patchNamespacedService({ namespace: tenant, name: 'orders', body: { metadata: { annotations: { 'kubernaut.io/toolset-description': 'Orders, v2' } } } }, mergePatch);
    await outputWhere(core, ns, (o) => o.text.includes('Orders, v2'), 'the new description written');
    expect(await writes()).toBe(before);

    // The Service behind via-backend selects other pods: the rule follows.
    await core.patchNamespacedService({ namespace: tenant, name: 'backend', body: { spec: { selector: { app: 'backend-v2', tier: null } } } }, mergePatch);
    await waitFor(async () => (toolsetPeers(await policy()).some((p) => p.pods?.app === 'backend-v2') ? true : undefined), { timeoutMs: 20_000, describe: () => 'the rule following the new selector' });

    // A toolset taken out takes its rule with it.
    await core.deleteNamespacedService({ namespace: tenant, name: 'orders' });
    await waitFor(async () => {
      const peers = toolsetPeers(await policy());
      return peers.length === 1 && peers[0]?.pods?.app === 'backend-v2' ? true : undefined;
    }, { timeoutMs: 20_000, describe: async () => `only via-backend's rule left; have ${JSON.stringify(toolsetPeers(await policy()))}` });
  }, 120_000);

  it('accepts a tenant\'s selector-less Service whose EndpointSlices name its own Pods, allows that namespace\'s pods on the slices\' port, and follows the slices', async () => {
    const slice = (name: string, service: string, pods: { ip: string; namespace: string; name: string }[], labels: Record<string, string> = {}): V1EndpointSlice => ({
      metadata: { name, labels: { 'kubernetes.io/service-name': service, ...labels } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 9000, protocol: 'TCP' }],
      endpoints: pods.map((p) => ({ addresses: [p.ip], targetRef: { kind: 'Pod', namespace: p.namespace, name: p.name } })),
    });
    const selectorless = (name: string) => ({
      metadata: { name, annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'custom' } },
      spec: { ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
    });
    const statusOf = (name: string) => running?.operator.status().services.find((v) => v.namespace === tenant && v.name === name);
    const handRule = (p: V1NetworkPolicy | undefined) => toolsetPeers(p).find((r) => r.pods === undefined || Object.keys(r.pods).length === 0);

    await discovery.createNamespacedEndpointSlice({ namespace: tenant, body: slice('hand-1', 'hand', [{ ip: '10.244.9.9', namespace: tenant, name: 'api-0' }]) });
    // A slice that claims the EndpointSlice controller wrote it is not watched: its Service has no slices the
    // operator sees, and is refused.
    await discovery.createNamespacedEndpointSlice({ namespace: tenant, body: slice('masked-1', 'masked', [{ ip: '10.244.9.10', namespace: tenant, name: 'api-1' }], { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }) });
    await core.createNamespacedService({ namespace: tenant, body: selectorless('hand') });
    await core.createNamespacedService({ namespace: tenant, body: selectorless('masked') });
    await outputWhere(core, ns, (o) => `custom/${tenant}/hand` in o.toolsets, 'the selector-less Service written');
    const withHand = await waitFor(async () => {
      const p = await policy();
      return handRule(p) ? p : undefined;
    }, { timeoutMs: 20_000, describe: async () => `a rule for the namespace's pods; have ${JSON.stringify(toolsetPeers(await policy()))}` });
    expect(handRule(withHand)).toEqual({ namespace: tenant, pods: undefined, ports: [{ port: 9000, protocol: 'TCP' }] });
    expect(withHand?.spec?.egress?.flatMap((r) => r.to ?? []).find((peer) => peer.podSelector && Object.keys(peer.podSelector.matchLabels ?? {}).length === 0)?.namespaceSelector)
      .toEqual({ matchLabels: { 'kubernetes.io/metadata.name': tenant } });
    expect(statusOf('masked')).toMatchObject({ verdict: 'rejected', reason: 'RouteNotAllowed' });
    expect(statusOf('masked')?.message).toContain('has no EndpointSlices with endpoints');

    // The tenant adds an endpoint that names another namespace's pod: the toolset and its rule go at once.
    await discovery.replaceNamespacedEndpointSlice({ namespace: tenant, name: 'hand-1', body: slice('hand-1', 'hand', [
      { ip: '10.244.9.9', namespace: tenant, name: 'api-0' }, { ip: '10.244.9.11', namespace: ns, name: 'holmes-0' },
    ]) });
    await outputWhere(core, ns, (o) => !(`custom/${tenant}/hand` in o.toolsets), 'the selector-less Service removed');
    expect(statusOf('hand')?.message).toContain(`points at 10.244.9.11 as Pod ${ns}/holmes-0, outside namespace ${tenant}`);
    await waitFor(async () => (handRule(await policy()) === undefined ? true : undefined), { timeoutMs: 20_000, describe: () => 'the namespace-wide rule gone' });

    // Back to its own pod only: written again.
    await discovery.replaceNamespacedEndpointSlice({ namespace: tenant, name: 'hand-1', body: slice('hand-1', 'hand', [{ ip: '10.244.9.9', namespace: tenant, name: 'api-0' }]) });
    await outputWhere(core, ns, (o) => `custom/${tenant}/hand` in o.toolsets, 'the selector-less Service written again');
  }, 120_000);
});
