// HolmesGPT's egress, enforced by the network (consumer.networkPolicy), on the local node with a NetworkPolicy engine
// that really enforces (kube-router as a firewall, tools/netpol; the bridge CNI alone does not). HolmesGPT (chart
// shaped) is given a tenant's toolset; from HolmesGPT's pod, through HolmesGPT's own HTTP tool, a URL that passes
// HolmesGPT's allow-list check but makes its client connect elsewhere (`http://<other>\@<allowed>/`, issue 24) reaches
// a pod no toolset selects while there is no policy, and is refused by the network once the operator's policy is in
// place, while the allowed toolset still answers. The same for a tenant's MCP server that answers the operator's check
// honestly but redirects HolmesGPT (HolmesGPT's MCP client follows redirects) to a server no toolset names. Then the
// time from an annotation change to the policy (in the API and in the network) is measured for docs/benchmarks.md.
// And a selector-less tenant Service whose hand-written EndpointSlice names a tenant Pod but holds another
// namespace's address: refused by the operator without the policy, written with it, and refused by the network.
// Traffic goes only to pods this test created.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DiscoveryV1Api, NetworkingV1Api, type V1NetworkPolicy, type V1Pod } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { percentile } from '../../bench/support.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { podFirewalled, startEngine, type Engine } from '../../tools/netpol/engine.ts';
import { apps, CHART, core, cp, helm, hello, helloService, isReady, kc, mcpServerDeployment, mergePatch, podGet, podPost, readyPods } from '../support/e2e-kube.ts';
import { chartShapedHolmes, snippetOf } from '../support/holmes-chart.ts';

const NS = 'e2e-netpol';
const TENANT = 'e2e-netpol-tenant';
const RELEASE = 'netpol-tools';
const CONSUMER = 'holmes-holmes';
const CONSUMER_SELECTOR = `app=${CONSUMER}`;
const POLICY = 'kubernaut-toolset-consumer';
const ALLOWED = `custom/${TENANT}/allowed`;
const LATE = `custom/${TENANT}/late`;
const INCIDENTS = `mcp/${TENANT}/incidents`;
/** A namespace no toolset may reach, and a tenant Service whose hand-written EndpointSlice points into it. */
const OTHER = 'e2e-netpol-other';
const HAND = `custom/${TENANT}/hand`;
/** Where the tenant's MCP server sends HolmesGPT: a server of the namespace that no toolset names. */
const ELSEWHERE = `http://forbidden-mcp.${TENANT}.svc.cluster.local:8000/mcp`;
const CHANGES = 20;
const work = mkdtempSync(join(tmpdir(), 'kubernaut-e2e-netpol-'));
const net = kc.makeApiClient(NetworkingV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
const measured: Record<string, string> = {};
const host = (service: string) => `${service}.${TENANT}.svc.cluster.local:8080`;

const valuesFile = join(work, 'values.json');
writeFileSync(valuesFile, JSON.stringify({
  image: { pullPolicy: 'Never' },
  watchNamespaces: [NS, TENANT],
  health: { interval: '3s', timeout: '2s', failureThreshold: 2 },
  reload: { deployment: CONSUMER, inPlace: true, confirm: 'marker', minInterval: '0s' },
  tenancy: { untrustedMcp: true },
}));

interface Invoked {
  status: string;
  error: string | null;
  data: string | null;
}

async function holmesPod(): Promise<V1Pod> {
  const [pod] = await readyPods(NS, CONSUMER_SELECTOR, 1);
  if (!pod) throw new Error('no HolmesGPT pod');
  return pod;
}

/** A tool call of `toolset`'s HTTP tool, run by HolmesGPT's own code in its pod (test/consumer/holmes_server.py /invoke). */
async function invoke(toolset: string, url: string): Promise<Invoked> {
  const res = await podPost(await holmesPod(), 5050, '/invoke', { toolset, params: { url, method: 'GET' } });
  if (res.status !== 200) throw new Error(`POST /invoke: ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as Invoked;
}

const answeredBy = (r: Invoked, app: string) => r.status === 'success' && (r.data ?? '').includes(`hello from ${app}-`);
/** The allow-list dodge: HolmesGPT's check sees the allowed host (urlparse), its client connects to `target`. */
const dodge = (target: string) => `http://${host(target)}\\@${host('allowed')}/`;

/** A call of the tenant MCP server's first tool (list_incidents), by HolmesGPT's own MCP client in its pod. */
async function callIncidents(): Promise<Invoked> {
  const res = await podPost(await holmesPod(), 5050, '/invoke', { toolset: INCIDENTS, params: {} });
  if (res.status !== 200) throw new Error(`POST /invoke: ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as Invoked;
}

const servedBy = (r: Invoked, server: string) => r.status === 'success' && (r.data ?? '').includes(`(served by ${server})`);

/**
 * Makes the tenant's MCP server answer the given client addresses with 307 to ELSEWHERE, and everyone else (the
 * operator's check) as before; returns the client addresses it has seen.
 */
async function redirectFor(clients: string[]): Promise<string[]> {
  const [pod] = await readyPods(TENANT, 'app=incidents', 1);
  if (!pod) throw new Error('no MCP server pod');
  const res = await podPost(pod, 8000, '/redirect', { to: ELSEWHERE, clients });
  if (res.status !== 200) throw new Error(`POST /redirect: ${res.status} ${res.body.slice(0, 300)}`);
  return (JSON.parse(res.body) as { seen: string[] }).seen;
}

const fileText = async () => (await core.readNamespacedConfigMap({ namespace: NS, name: 'kubernaut-toolset-config' })).data?.['toolset.yaml'] ?? '';

/**
 * A selector-less tenant Service `hand` whose hand-written EndpointSlice claims a Pod of the tenant (allowed's) but
 * holds the address of a pod in OTHER: the API server checks neither, and kube-proxy routes to the address.
 */
async function createForgedSliceService(): Promise<void> {
  const [elsewhere] = await readyPods(OTHER, 'app=elsewhere', 1);
  const [allowed] = await readyPods(TENANT, 'app=allowed', 1);
  await core.createNamespacedService({ namespace: TENANT, body: {
    metadata: { name: 'hand', annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'custom' } },
    spec: { ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
  } });
  await discovery.createNamespacedEndpointSlice({ namespace: TENANT, body: {
    metadata: { name: 'hand-1', labels: { 'kubernetes.io/service-name': 'hand' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: [elsewhere?.status?.podIP ?? ''], targetRef: { kind: 'Pod', namespace: TENANT, name: allowed?.metadata?.name ?? '' } }],
  } });
}

/** Removes `hand` again: while written, its namespace-wide rule would let HolmesGPT reach every tenant pod on 8080. */
async function deleteForgedSliceService(): Promise<void> {
  await discovery.deleteNamespacedEndpointSlice({ namespace: TENANT, name: 'hand-1' });
  await core.deleteNamespacedService({ namespace: TENANT, name: 'hand' });
}

async function servedToolsets(): Promise<Record<string, string>> {
  const res = await podGet(await holmesPod(), 5050, '/toolsets');
  return (JSON.parse(res.body) as { toolsets: Record<string, string> }).toolsets;
}

async function annotateLate(enabled: boolean): Promise<void> {
  await core.patchNamespacedService({ namespace: TENANT, name: 'late', body: { metadata: { annotations: { 'kubernaut.io/toolset': enabled ? 'enabled' : null } } } }, mergePatch);
}

const policy = () => net.readNamespacedNetworkPolicy({ namespace: NS, name: POLICY }).catch(() => undefined);
const allows = (p: V1NetworkPolicy | undefined, app: string) => (p?.spec?.egress ?? []).some((r) => r.to?.some((peer) => peer.podSelector?.matchLabels?.app === app));

function stats(label: string, seconds: number[]): void {
  const sorted = [...seconds].sort((a, b) => a - b);
  measured[label] = `p50 ${percentile(sorted, 50).toFixed(2)} s, p99 ${percentile(sorted, 99).toFixed(2)} s, max ${sorted.at(-1)?.toFixed(2)} s over ${seconds.length} changes`;
  process.stderr.write(`\n[e2e] ${label}: ${measured[label]}; each: ${seconds.map((s) => s.toFixed(2)).join(' ')}\n`);
}

describe('HolmesGPT\'s egress NetworkPolicy, enforced on the node', () => {
  let engine: Engine | undefined;

  beforeAll(async () => {
    const bin = (await promisify(execFile)('bash', [join(import.meta.dirname, '../../tools/netpol/build.sh')], { timeout: 20 * 60_000 })).stdout.trim().split('\n').at(-1) ?? '';
    engine = await startEngine(join(bin, 'kube-router'), cp.kubeconfig, cp.node.nodeName, cp.dir);
    for (const name of [NS, TENANT, OTHER]) await core.createNamespace({ body: { metadata: { name } } });
    for (const app of ['allowed', 'forbidden', 'late']) await apps.createNamespacedDeployment({ namespace: TENANT, body: hello(TENANT, app) });
    await core.createNamespacedService({ namespace: TENANT, body: helloService(TENANT, 'allowed', 'allowed') });
    const late = helloService(TENANT, 'late', 'late');
    await core.createNamespacedService({ namespace: TENANT, body: { ...late, metadata: { ...late.metadata, annotations: { ...late.metadata.annotations, 'kubernaut.io/toolset': 'disabled' } } } });
    // A Service no toolset names: what the dodge aims at.
    await core.createNamespacedService({ namespace: TENANT, body: { metadata: { name: 'forbidden' }, spec: { selector: { app: 'forbidden' }, ports: [{ port: 8080, targetPort: 8080 }] } } });
    await apps.createNamespacedDeployment({ namespace: TENANT, body: mcpServerDeployment(TENANT, 'incidents', ['--name', 'incidents', '--redirectable']) });
    await apps.createNamespacedDeployment({ namespace: TENANT, body: mcpServerDeployment(TENANT, 'forbidden-mcp', ['--name', 'forbidden-mcp']) });
    await core.createNamespacedService({ namespace: TENANT, body: {
      metadata: { name: 'incidents', annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'mcp' } },
      spec: { selector: { app: 'incidents' }, ports: [{ name: 'mcp', port: 8000, targetPort: 8000 }] },
    } });
    await core.createNamespacedService({ namespace: TENANT, body: { metadata: { name: 'forbidden-mcp' }, spec: { selector: { app: 'forbidden-mcp' }, ports: [{ port: 8000, targetPort: 8000 }] } } });
    for (const app of ['allowed', 'forbidden', 'late', 'incidents', 'forbidden-mcp']) await readyPods(TENANT, `app=${app}`, 1, 120_000);
    await apps.createNamespacedDeployment({ namespace: OTHER, body: hello(OTHER, 'elsewhere') });
    await readyPods(OTHER, 'app=elsewhere', 1, 120_000);
    const values = snippetOf(await helm(work, 'install', RELEASE, CHART, '--namespace', NS, '--values', valuesFile));
    await readyPods(NS, `app.kubernetes.io/instance=${RELEASE}`, 1, 180_000);
    await waitFor(async () => ((await core.readNamespacedConfigMap({ namespace: NS, name: 'kubernaut-toolset-config' }).catch(() => undefined))?.data?.['toolset.yaml']?.includes(ALLOWED) ? true : undefined), {
      timeoutMs: 60_000, describe: () => `the operator's file with ${ALLOWED}`,
    });
    await apps.createNamespacedDeployment({ namespace: NS, body: chartShapedHolmes(NS, CONSUMER, values, 1) });
    await readyPods(NS, CONSUMER_SELECTOR, 1, 300_000);
    await waitFor(async () => {
      const served = await servedToolsets();
      return served[ALLOWED] === 'enabled' && served[INCIDENTS] === 'enabled' ? true : undefined;
    }, { timeoutMs: 90_000, describe: () => `HolmesGPT serving ${ALLOWED} and ${INCIDENTS}` });
  }, 1_500_000);

  afterAll(async () => {
    process.stderr.write(`\n[e2e] measured: ${JSON.stringify(measured)}\n`);
    try {
      await helm(work, 'uninstall', RELEASE, '--namespace', NS, '--wait').catch(() => undefined);
      for (const name of [NS, TENANT, OTHER]) await core.deleteNamespace({ name }).catch(() => undefined);
    } finally {
      await engine?.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);

  it('without a policy, HolmesGPT\'s own HTTP tool is steered past its allow-list to a pod no toolset selects', async () => {
    expect(answeredBy(await invoke(ALLOWED, `http://${host('allowed')}/`), 'allowed')).toBe(true);
    const steered = await invoke(ALLOWED, dodge('forbidden'));
    expect({ status: steered.status, answeredByForbidden: answeredBy(steered, 'forbidden') }).toEqual({ status: 'success', answeredByForbidden: true });
  }, 120_000);

  it('without a policy, a selector-less Service whose slice claims a tenant Pod but holds another namespace\'s address leads out; the operator does not write it', async () => {
    await createForgedSliceService();
    try {
      // Without the network confining HolmesGPT, nothing checks that address: the Service is refused.
      await waitFor(async () => ((await core.listNamespacedEvent({ namespace: TENANT, fieldSelector: 'involvedObject.name=hand' })).items
        .some((e) => e.reason === 'ToolsetRejected' && e.message?.startsWith('RouteNotAllowed: ')) ? true : undefined), {
        timeoutMs: 60_000, describe: () => 'a ToolsetRejected Event (RouteNotAllowed) for the selector-less Service',
      });
      expect(await fileText()).not.toContain(HAND);
      // The forged slice really routes out of the namespace (reached here through the allow-list dodge).
      const out = await invoke(ALLOWED, dodge('hand'));
      expect({ status: out.status, answeredByElsewhere: answeredBy(out, 'elsewhere') }).toEqual({ status: 'success', answeredByElsewhere: true });
    } finally {
      await deleteForgedSliceService();
    }
  }, 120_000);

  it('without a policy, a tenant MCP server that redirects only HolmesGPT sends HolmesGPT\'s tool calls to a server no toolset names', async () => {
    expect(servedBy(await callIncidents(), 'incidents')).toBe(true);
    const holmesIp = (await holmesPod()).status?.podIP ?? '';
    const seen = await redirectFor([holmesIp]);
    // The server tells HolmesGPT from the operator by address (both speak as python-httpx).
    expect(seen).toContain(holmesIp);
    const redirected = await callIncidents();
    expect({ status: redirected.status, servedByElsewhere: servedBy(redirected, 'forbidden-mcp') }).toEqual({ status: 'success', servedByElsewhere: true });
    // The operator's own checks keep getting the honest answer: the toolset stays in the file.
    const file = (await core.readNamespacedConfigMap({ namespace: NS, name: 'kubernaut-toolset-config' })).data?.['toolset.yaml'] ?? '';
    expect(file).toContain(INCIDENTS);
    // Honest again until the policy is in place: a reload meanwhile must not load the toolset from elsewhere.
    await redirectFor([]);
  }, 120_000);

  it('with the operator\'s policy, the network refuses the steered request while the allowed toolset still answers', async () => {
    await helm(work, 'upgrade', RELEASE, CHART, '--namespace', NS, '--values', valuesFile, '--set', 'consumer.networkPolicy.enabled=true', '--wait', '--timeout', '3m');
    const applied = await waitFor(async () => {
      const p = await policy();
      return allows(p, 'allowed') ? p : undefined;
    }, { timeoutMs: 60_000, describe: () => `NetworkPolicy ${NS}/${POLICY} allowing the allowed pods` });
    expect(allows(applied, 'forbidden')).toBe(false);
    const pod = await holmesPod();
    await waitFor(() => (podFirewalled(pod.status?.podIP ?? '') ? true : undefined), { timeoutMs: 60_000, describe: () => `kube-router's chain for HolmesGPT's pod ${pod.status?.podIP}` });
    let last: Invoked | undefined;
    await waitFor(async () => {
      last = await invoke(ALLOWED, dodge('forbidden'));
      return last.status !== 'success' ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500, describe: () => `the steered request refused; last ${JSON.stringify(last)}` });
    expect(answeredBy(last as Invoked, 'forbidden')).toBe(false);
    expect(last?.error ?? '').toMatch(/Connection refused|ConnectionError|Max retries|Errno 111/i);
    expect(answeredBy(await invoke(ALLOWED, `http://${host('allowed')}/`), 'allowed')).toBe(true);
    expect(isReady(await holmesPod())).toBe(true);
  }, 600_000);

  it('with the operator\'s policy, the MCP redirect is refused by the network while the tenant\'s MCP server still answers', async () => {
    await redirectFor([(await holmesPod()).status?.podIP ?? '']);
    const refused = await callIncidents();
    expect(servedBy(refused, 'forbidden-mcp')).toBe(false);
    // Refused at the network, not missing or failed for another reason.
    expect({ status: refused.status, error: refused.error ?? '' }).toEqual({ status: 'error', error: expect.stringMatching(/connect|refused|Errno 111/i) as unknown });
    await redirectFor([]);
    expect(servedBy(await callIncidents(), 'incidents')).toBe(true);
  }, 300_000);

  it('with the policy, the Pod-naming selector-less Service is written and its namespace allowed, and the network refuses its forged address', async () => {
    const namespaceWide = (p: V1NetworkPolicy | undefined) => (p?.spec?.egress ?? [])
      .find((r) => r.to?.some((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === TENANT && Object.keys(peer.podSelector?.matchLabels ?? {}).length === 0));
    await createForgedSliceService();
    try {
      await waitFor(async () => ((await fileText()).includes(HAND) ? true : undefined), { timeoutMs: 60_000, describe: () => `the operator writing ${HAND} once the policy confines HolmesGPT` });
      const rule = await waitFor(async () => namespaceWide(await policy()), { timeoutMs: 60_000, describe: () => `a rule for every pod of ${TENANT} (the selector-less Service's)` });
      expect(rule.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
      let last: Invoked | undefined;
      await waitFor(async () => {
        last = await invoke(ALLOWED, dodge('hand'));
        return last.status !== 'success' ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500, describe: () => `the forged address refused; last ${JSON.stringify(last)}` });
      expect(answeredBy(last as Invoked, 'elsewhere')).toBe(false);
      expect(last?.error ?? '').toMatch(/Connection refused|ConnectionError|Max retries|Errno 111/i);
    } finally {
      await deleteForgedSliceService();
    }
    await waitFor(async () => (namespaceWide(await policy()) ? undefined : true), { timeoutMs: 60_000, describe: () => 'the namespace-wide rule gone with the Service' });
  }, 300_000);

  it('follows each toolset change: a new toolset\'s pods become reachable, a removed one\'s are refused again', async () => {
    const inApi: number[] = [];
    const inNetwork: number[] = [];
    let enabled = false;
    for (let i = 0; i < CHANGES; i++) {
      enabled = !enabled;
      const started = Date.now();
      await annotateLate(enabled);
      await waitFor(async () => (allows(await policy(), 'late') === enabled ? true : undefined), { timeoutMs: 60_000, intervalMs: 50, describe: () => `the policy ${enabled ? 'allowing' : 'no longer allowing'} late` });
      inApi.push((Date.now() - started) / 1000);
      // Through the allowed toolset's tool, so the network is what decides (HolmesGPT may not have loaded late yet).
      await waitFor(async () => (answeredBy(await invoke(ALLOWED, dodge('late')), 'late') === enabled ? true : undefined), {
        timeoutMs: 60_000, intervalMs: 100, describe: () => `late's pods ${enabled ? 'reachable' : 'refused'} from HolmesGPT's pod`,
      });
      inNetwork.push((Date.now() - started) / 1000);
    }
    stats('policyInApiSeconds', inApi);
    stats('policyEnforcedSeconds', inNetwork);
    // Ends disabled: the last change took late out of the file and the policy.
    expect(enabled).toBe(false);
    expect(allows(await policy(), 'late')).toBe(false);
    // HolmesGPT drops late once the operator's in-place reload of the new file is done.
    await waitFor(async () => ((await servedToolsets())[LATE] === undefined ? true : undefined), { timeoutMs: 60_000, describe: () => `HolmesGPT no longer serving ${LATE}` });
  }, 1_200_000);
});
