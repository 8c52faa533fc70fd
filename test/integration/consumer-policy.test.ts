// HolmesGPT's egress NetworkPolicy as the operator keeps it on the real API server (consumer.networkPolicy): one
// rule per set of pods behind the written toolsets, rewritten with every change of the toolsets, only on change.
// That the network enforces it is shown on the node (test/e2e/consumer-network-policy.test.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NetworkingV1Api, PatchStrategy, setHeaderOptions, type CoreV1Api, type V1NetworkPolicy } from '@kubernetes/client-node';
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
  let running: RunningOperator | undefined;
  let ns = '';
  let tenant = '';

  beforeAll(async () => {
    const fixture = fixtureApi();
    core = fixture.core;
    net = fixture.kc.makeApiClient(NetworkingV1Api);
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
});
