// The chart and the production image on a real node (kubelet, containerd, bridge CNI, kube-proxy, CoreDNS): what
// only a real cluster shows. The tests run in order and build on each other (install → Services → Prometheus →
// two replicas → upgrade/rollback → NetworkPolicy → uninstall); Jest runs one file's tests sequentially.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CoordinationV1Api, NetworkingV1Api, PolicyV1Api, RbacAuthorizationV1Api, type V1Pod,
} from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { apiGet } from '../../tools/control-plane/control-plane.ts';
import { ctr } from '../../tools/control-plane/node-containerd.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import {
  apps, CHART as chart, core, cp, helm as helmIn, hello, helloService, images, kc, mergePatch, podGet, prometheusDeployment, readyPods,
} from '../support/e2e-kube.ts';

const RELEASE = 'kubernaut-toolset';
const NS = 'kubernaut-system';
const APPS = 'e2e-apps';
const MON = 'e2e-monitoring';
const SELECTOR = `app.kubernetes.io/name=kubernaut-toolset,app.kubernetes.io/instance=${RELEASE}`;
const OUTPUT = 'kubernaut-toolset-config';
const LEASE = 'kubernaut-toolset';
const LEASE_DURATION_S = 15;
const METRICS_TARGET = `${RELEASE}-metrics.${NS}.svc.cluster.local:9090`;

const coordination = kc.makeApiClient(CoordinationV1Api);
const policy = kc.makeApiClient(PolicyV1Api);
const networking = kc.makeApiClient(NetworkingV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const work = mkdtempSync(join(tmpdir(), 'kubernaut-e2e-'));
const measured: Record<string, string> = {};

// The chart's values for this suite: the locally imported image, never pulled; short health intervals so a
// Service whose pods are gone leaves within seconds; Prometheus' namespace trusted for the built-in toolset.
const valuesFile = join(work, 'values.json');
writeFileSync(valuesFile, JSON.stringify({
  image: { pullPolicy: 'Never' },
  tenancy: { trustedNamespaces: [MON] },
  health: { interval: '3s', timeout: '2s', failureThreshold: 2 },
}));

const helm = (...args: string[]) => helmIn(work, ...args);

async function operatorPods(): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: NS, labelSelector: SELECTOR })).items;
}

/** Waits until exactly `count` operator pods exist, all Running and Ready (no terminating ones left). */
const readyOperatorPods = (count: number, timeoutMs = 120_000, extra?: (pods: V1Pod[]) => boolean) => readyPods(NS, SELECTOR, count, timeoutMs, extra);

interface OperatorStatus {
  ready: boolean;
  leader: { election: boolean; leading: boolean; identity: string };
  services: { namespace?: string; name: string; verdict: string; healthUrl?: string; toolset?: string }[];
}

async function operatorStatus(pod: V1Pod): Promise<OperatorStatus> {
  const res = await podGet(pod, 8080, '/status');
  if (res.status !== 200) throw new Error(`/status of ${pod.metadata?.name} answered ${res.status}: ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as OperatorStatus;
}

type Toolsets = Record<string, { enabled?: boolean; config?: Record<string, unknown> }>;

async function outputToolsets(): Promise<Toolsets | undefined> {
  try {
    const cm = await core.readNamespacedConfigMap({ namespace: NS, name: OUTPUT });
    const doc = load(cm.data?.['toolset.yaml'] ?? '') as { toolsets?: Toolsets } | null;
    return doc?.toolsets ?? {};
  } catch {
    return undefined;
  }
}

async function waitForOutput(what: string, check: (t: Toolsets) => boolean, timeoutMs = 60_000): Promise<Toolsets> {
  let last: Toolsets | undefined;
  return waitFor(async () => {
    last = await outputToolsets();
    return last && check(last) ? last : undefined;
  }, { timeoutMs, intervalMs: 200, describe: () => `${what}; ConfigMap toolsets: ${JSON.stringify(last)}` });
}

async function prometheusQuery(query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await apiGet(cp, `/api/v1/namespaces/${MON}/services/prometheus:http/proxy/api/v1/query?query=${encodeURIComponent(query)}`);
  if (res.status !== 200) throw new Error(`Prometheus query ${query} answered ${res.status}: ${res.body.slice(0, 300)}`);
  return (JSON.parse(res.body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

async function leaseHolder(): Promise<string | undefined> {
  return (await coordination.readNamespacedLease({ namespace: NS, name: LEASE })).spec?.holderIdentity;
}

const templateHash = (pod: V1Pod) => pod.metadata?.labels?.['pod-template-hash'];

async function createPrometheus(): Promise<void> {
    await core.createNamespacedConfigMap({
    namespace: MON,
    body: {
      metadata: { name: 'prometheus-config' },
      data: {
        'prometheus.yml': [
          'global:', '  scrape_interval: 2s', '  scrape_timeout: 1s',
          'scrape_configs:', '  - job_name: kubernaut-toolset', '    static_configs:', `      - targets: ['${METRICS_TARGET}']`, '',
        ].join('\n'),
      },
    },
  });
  await apps.createNamespacedDeployment({ namespace: MON, body: prometheusDeployment(MON, 'prometheus', 'prometheus-config') });
  await core.createNamespacedService({
    namespace: MON,
    body: {
      metadata: {
        name: 'prometheus',
        annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'prometheus' },
      },
      spec: { selector: { app: 'prometheus' }, ports: [{ name: 'http', port: 9090, targetPort: 9090 }] },
    },
  });
}

async function scaleHello(replicas: number): Promise<void> {
  await apps.patchNamespacedDeployment({ namespace: APPS, name: 'hello', body: { spec: { replicas } } }, mergePatch);
}

const readyPodsOf = (namespace: string, app: string, count: number) => readyPods(namespace, `app=${app}`, count);

describe('the chart and the production image on a real node', () => {
  beforeAll(async () => {
    for (const name of [APPS, MON]) await core.createNamespace({ body: { metadata: { name } } });
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    process.stderr.write(`\n[e2e] measured: ${JSON.stringify(measured)}\n`);
  });

  it('helm install runs the operator Ready, as uid 65532 with a read-only root filesystem', async () => {
    const started = Date.now();
    await helm('install', RELEASE, chart, '--namespace', NS, '--create-namespace', '--values', valuesFile);
    const [pod] = await readyOperatorPods(1, 180_000);
    measured.installToReadySeconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!pod) throw new Error('no pod');

    // The spec says so ...
    const container = pod.spec?.containers[0];
    expect(container?.image).toBe(images.operator);
    expect(container?.imagePullPolicy).toBe('Never');
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 });
    expect(container?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    // ... and the kubelet ran the probes: started, Ready, never restarted.
    const status = pod.status?.containerStatuses?.[0];
    expect(status).toMatchObject({ ready: true, started: true, restartCount: 0 });
    expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');

    // ... and so does the running process, seen from the host: the container's init process (containerd's task pid)
    // has uid/gid 65532 in /proc, and its root mount is read-only.
    const containerId = status?.containerID?.replace(/^containerd:\/\//, '') ?? '';
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    const tasks = await ctr(cp.node.binaries, cp.node.containerd, ['tasks', 'ls']);
    const pid = Number(tasks.split('\n').find((l) => l.startsWith(containerId))?.trim().split(/\s+/)[1]);
    expect(pid).toBeGreaterThan(1);
    const procStatus = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^Uid:\s+(.*)$/m.exec(procStatus)?.[1]?.split(/\s+/)).toEqual(['65532', '65532', '65532', '65532']);
    expect(/^Gid:\s+(.*)$/m.exec(procStatus)?.[1]?.split(/\s+/)).toEqual(['65532', '65532', '65532', '65532']);
    expect(/^CapEff:\s+(\S+)$/m.exec(procStatus)?.[1]).toBe('0000000000000000');
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['/nodejs/bin/node', 'run']));
    const rootMount = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[4] === '/');
    expect(rootMount?.[5]?.split(',')).toContain('ro');

    // Its own view: ready, leading (one replica, election on).
    const own = await operatorStatus(pod);
    expect(own.ready).toBe(true);
    expect(own.leader).toMatchObject({ election: true, leading: true });
    expect(own.leader.identity.startsWith(`${pod.metadata?.name}_`)).toBe(true);
  }, 240_000);

  it('health-checks annotated Services in other namespaces through cluster DNS and drops one whose pods are gone', async () => {
    await apps.createNamespacedDeployment({ namespace: APPS, body: hello(APPS) });
    await core.createNamespacedService({ namespace: APPS, body: helloService(APPS, 'hello') });
    await createPrometheus();
    await readyPodsOf(APPS, 'hello', 1);
    await readyPodsOf(MON, 'prometheus', 1);

    const helloUrl = `http://hello.${APPS}.svc.cluster.local:8080`;
    const promUrl = `http://prometheus.${MON}.svc.cluster.local:9090`;
    const both = await waitForOutput('the hello (custom) and Prometheus toolsets', (t) =>
      t[`custom/${APPS}/hello`] !== undefined && t['prometheus/metrics'] !== undefined, 90_000);
    expect(both['prometheus/metrics']).toMatchObject({ enabled: true, config: { prometheus_url: promUrl } });
    expect(both[`custom/${APPS}/hello`]).toMatchObject({
      enabled: true, config: { endpoints: [expect.objectContaining({ hosts: [helloUrl], health_check_url: `${helloUrl}/` })] },
    });
    // Included because the checks went through CoreDNS to the real pods.
    const [pod] = await operatorPods();
    if (!pod) throw new Error('no operator pod');
    const services = (await operatorStatus(pod)).services;
    expect(services.find((s) => s.name === 'hello')).toMatchObject({ verdict: 'included', healthUrl: `${helloUrl}/` });
    expect(services.find((s) => s.name === 'prometheus')).toMatchObject({ verdict: 'included', healthUrl: `${promUrl}/api/v1/query?query=up` });

    // No pods behind hello: its checks fail (kube-proxy rejects a Service without endpoints) and it leaves.
    const scaled = Date.now();
    await scaleHello(0);
    const without = await waitForOutput('hello to leave the ConfigMap after scaling to 0', (t) => t[`custom/${APPS}/hello`] === undefined, 60_000);
    measured.podsGoneToRemovedSeconds = ((Date.now() - scaled) / 1000).toFixed(1);
    expect(without['prometheus/metrics']).toBeDefined();
    expect((await operatorStatus(pod)).services.find((s) => s.name === 'hello')?.verdict).toBe('unhealthy');

    // And it comes back with its pod.
    await scaleHello(1);
    await readyPodsOf(APPS, 'hello', 1);
    await waitForOutput('hello to return once its pod is back', (t) => t[`custom/${APPS}/hello`] !== undefined, 60_000);
  }, 300_000);

  it('kubernaut-toolset status prints what the operator decided, read through the API server\'s pod proxy', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, '../../src/main.ts'), 'status', '--kubeconfig', cp.kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000 });
    const table = cli('-n', NS);
    expect({ status: table.status, stderr: table.stderr }).toEqual({ status: 0, stderr: '' });
    expect(table.stdout).toMatch(/^pod kubernaut-toolset-\S+ \(leading, ready\); output kubernaut-system\/kubernaut-toolset-config key toolset\.yaml sha256 [0-9a-f]{12}$/m);
    expect(table.stdout).toMatch(/^SERVICE +VERDICT +TOOLSET +REASON +LAST CHECK +DETAIL$/m);
    expect(table.stdout).toMatch(new RegExp(`^${MON}/prometheus +included +prometheus/metrics +Healthy `, 'm'));
    const json = cli('-n', NS, '-o', 'json');
    expect((JSON.parse(json.stdout) as { leader: { leading: boolean } }).leader.leading).toBe(true);
    expect(cli('-n', 'nowhere').status).toBe(1);
  }, 120_000);

  it('a real Prometheus scrapes the operator through the chart metrics Service by DNS', async () => {
    const up = await waitFor(async () => {
      const r = await prometheusQuery(`up{job="kubernaut-toolset",instance="${METRICS_TARGET}"}`);
      return r.length === 1 && r[0]?.value[1] === '1' ? r : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1_000, describe: () => `up{instance="${METRICS_TARGET}"} == 1 in Prometheus` });
    expect(up[0]?.metric).toMatchObject({ job: 'kubernaut-toolset', instance: METRICS_TARGET });
    const info = await prometheusQuery('kubernaut_toolset_build_info');
    expect(info).toHaveLength(1);
    expect(info[0]?.metric).toMatchObject({ instance: METRICS_TARGET, version: '0.2.0' });
    expect(info[0]?.value[1]).toBe('1');
    // The operator's own gauge, as scraped: both toolsets of the previous test included (hello is back).
    let included: string | undefined;
    await waitFor(async () => {
      included = (await prometheusQuery('sum(kubernaut_toolset_toolsets{verdict="included"})'))[0]?.value[1];
      return included === '2' ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 1_000, describe: () => `sum(kubernaut_toolset_toolsets{verdict="included"}) == 2 in Prometheus (is ${included})` });
  }, 120_000);

  it('with two replicas exactly one leads; when its pod is deleted the other takes over and writes', async () => {
    await helm('upgrade', RELEASE, chart, '--namespace', NS, '--reuse-values', '--set', 'replicaCount=2');
    const pods = await readyOperatorPods(2);
    const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: NS, name: RELEASE });
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(pdb.spec?.selector?.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kubernaut-toolset', 'app.kubernetes.io/instance': RELEASE });

    // Exactly one leader, and it is the Lease holder (the standby has synced too: both are ready).
    const statuses = await waitFor(async () => {
      const s = await Promise.all(pods.map(operatorStatus));
      return s.every((x) => x.ready) && s.filter((x) => x.leader.leading).length === 1 ? s : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500, describe: () => 'both replicas ready, exactly one leading' });
    const leaderIndex = statuses.findIndex((s) => s.leader.leading);
    const leader = pods[leaderIndex];
    const standby = pods[1 - leaderIndex];
    if (!leader || !standby) throw new Error('no leader/standby');
    expect(await leaseHolder()).toBe(statuses[leaderIndex]?.leader.identity);

    // Delete the leader's pod and make a change at once: another replica must take the Lease and write it. The
    // leader hands the Lease back, so whichever candidate tries next wins it: usually the standby, sometimes the
    // Deployment's replacement pod when it starts within the standby's retry period (seen once in three runs).
    const t0 = Date.now();
    const leaderIdentity = statuses[leaderIndex]?.leader.identity;
    await core.deleteNamespacedPod({ namespace: NS, name: leader.metadata?.name ?? '' });
    await core.createNamespacedService({ namespace: APPS, body: helloService(APPS, 'hello-2') });
    await waitForOutput('hello-2 written by the new leader', (t) => t[`custom/${APPS}/hello-2`] !== undefined, (LEASE_DURATION_S + 2) * 1000);
    const written = Date.now() - t0;
    const holder = await leaseHolder();
    expect(holder === leaderIdentity).toBe(false);
    measured.failoverWriteSeconds = (written / 1000).toFixed(1);
    expect(written).toBeLessThanOrEqual((LEASE_DURATION_S + 2) * 1000);
    // The Deployment replaces the deleted pod: of the two replicas now, exactly one leads, and it holds the Lease.
    const after = await readyOperatorPods(2, 120_000, (p) => !p.some((x) => x.metadata?.name === leader.metadata?.name));
    const leading = (await Promise.all(after.map(operatorStatus))).filter((s) => s.leader.leading);
    expect(leading.map((s) => s.leader.identity)).toEqual([await leaseHolder()]);
    expect([standby.metadata?.name, ...after.map((p) => p.metadata?.name)]).toContain((holder ?? '').split('_')[0]);
  }, 300_000);

  it('when the leader process is SIGKILLed (no hand-back), a standby takes over once the Lease expires', async () => {
    const pods = await readyOperatorPods(2);
    const statuses = await waitFor(async () => {
      const s = await Promise.all(pods.map(operatorStatus));
      return s.filter((x) => x.leader.leading).length === 1 ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, describe: () => 'exactly one leader' });
    const leaderIndex = statuses.findIndex((s) => s.leader.leading);
    const leaderPod = pods[leaderIndex];
    const killedIdentity = statuses[leaderIndex]?.leader.identity;
    const containerId = leaderPod?.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '') ?? '';
    const tasks = await ctr(cp.node.binaries, cp.node.containerd, ['tasks', 'ls']);
    const pid = Number(tasks.split('\n').find((l) => l.startsWith(containerId))?.trim().split(/\s+/)[1]);
    expect(pid).toBeGreaterThan(1);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('/nodejs/bin/node');

    // The process dies without releasing the Lease; the change waits for whoever acquires it after expiry.
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    await core.createNamespacedService({ namespace: APPS, body: helloService(APPS, 'hello-3') });
    // A standby counts the lease duration from when it observed the last renewal (client-go's rule), and it looks
    // every retryPeriod (2 s): the renewal is seen up to 2 s late and the expiry up to 2 s late, then a check and a write.
    const deadlineMs = (LEASE_DURATION_S + 2 * 2 + 3) * 1000;
    await waitForOutput('hello-3 written after the Lease expired', (t) => t[`custom/${APPS}/hello-3`] !== undefined, deadlineMs);
    measured.hardKillFailoverWriteSeconds = ((Date.now() - t0) / 1000).toFixed(1);
    const holder = await leaseHolder();
    expect(holder).toBeDefined();
    expect(holder).not.toBe(killedIdentity);
    // The kubelet restarts the killed container; both replicas are Ready again, one of them leading.
    await readyOperatorPods(2, 120_000, (p) => p.some((x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1));
  }, 180_000);

  it('helm upgrade with a changed value rolls the pods; helm rollback returns to the previous revision', async () => {
    const before = await readyOperatorPods(2);
    const oldHash = templateHash(before[0] ?? {});
    const revisionBefore = (JSON.parse(await helm('status', RELEASE, '--namespace', NS, '--output', 'json')) as { version: number }).version;

    await helm('upgrade', RELEASE, chart, '--namespace', NS, '--reuse-values', '--set', 'logLevel=debug');
    const rolled = await readyOperatorPods(2, 180_000, (p) => p.every((x) => templateHash(x) !== oldHash));
    const newHash = templateHash(rolled[0] ?? {});
    expect(newHash).not.toBe(oldHash);
    expect(rolled.every((p) => !before.some((b) => b.metadata?.uid === p.metadata?.uid))).toBe(true);
    expect(rolled[0]?.spec?.containers[0]?.args).toEqual(expect.arrayContaining(['--log-level', 'debug']));

    await helm('rollback', RELEASE, String(revisionBefore), '--namespace', NS);
    const back = await readyOperatorPods(2, 180_000, (p) => p.every((x) => templateHash(x) === oldHash));
    expect(back[0]?.spec?.containers[0]?.args).toEqual(expect.arrayContaining(['--log-level', 'info']));
    const history = JSON.parse(await helm('history', RELEASE, '--namespace', NS, '--output', 'json')) as { revision: number; status: string; description: string }[];
    const latest = history[history.length - 1];
    expect(latest).toMatchObject({ revision: revisionBefore + 2, status: 'deployed', description: `Rollback to ${revisionBefore}` });
    // The operator still writes after the rolls.
    await waitForOutput('both hello toolsets after upgrade and rollback', (t) => t[`custom/${APPS}/hello`] !== undefined && t[`custom/${APPS}/hello-2`] !== undefined);
  }, 420_000);

  it('creates the NetworkPolicy when enabled (the object only: this node\'s bridge CNI does not enforce it)', async () => {
    await helm('upgrade', RELEASE, chart, '--namespace', NS, '--reuse-values', '--set', 'networkPolicy.enabled=true');
    const np = await networking.readNamespacedNetworkPolicy({ namespace: NS, name: RELEASE });
    expect(np.spec?.podSelector?.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kubernaut-toolset', 'app.kubernetes.io/instance': RELEASE });
    expect(np.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec?.ingress?.[0]?.ports?.map((p) => p.port)).toEqual([8080, 9090]);
    expect(np.spec?.egress?.flatMap((e) => e.ports ?? []).map((p) => p.port)).toEqual(expect.arrayContaining([53, 443, 6443]));
  }, 120_000);

  it('helm uninstall removes the chart\'s objects and leaves exactly the ConfigMap and the Lease', async () => {
    await helm('uninstall', RELEASE, '--namespace', NS, '--wait', '--timeout', '120s');
    const names = (items: { metadata?: { name?: string } }[]) => items.map((i) => i.metadata?.name).sort();
    const remaining = async () => ({
      deployments: names((await apps.listNamespacedDeployment({ namespace: NS })).items),
      replicaSets: names((await apps.listNamespacedReplicaSet({ namespace: NS })).items),
      pods: names((await core.listNamespacedPod({ namespace: NS })).items),
      services: names((await core.listNamespacedService({ namespace: NS })).items),
      serviceAccounts: names((await core.listNamespacedServiceAccount({ namespace: NS })).items),
      secrets: names((await core.listNamespacedSecret({ namespace: NS })).items),
      configMaps: names((await core.listNamespacedConfigMap({ namespace: NS })).items),
      leases: names((await coordination.listNamespacedLease({ namespace: NS })).items),
      roles: names((await rbac.listNamespacedRole({ namespace: NS })).items),
      roleBindings: names((await rbac.listNamespacedRoleBinding({ namespace: NS })).items),
      clusterRoles: names((await rbac.listClusterRole({ labelSelector: `app.kubernetes.io/instance=${RELEASE}` })).items),
      clusterRoleBindings: names((await rbac.listClusterRoleBinding({ labelSelector: `app.kubernetes.io/instance=${RELEASE}` })).items),
      podDisruptionBudgets: names((await policy.listNamespacedPodDisruptionBudget({ namespace: NS })).items),
      networkPolicies: names((await networking.listNamespacedNetworkPolicy({ namespace: NS })).items),
    });
    const expected = {
      deployments: [], replicaSets: [], pods: [], services: [], serviceAccounts: ['default'], secrets: [],
      configMaps: ['kube-root-ca.crt', OUTPUT], leases: [LEASE], roles: [], roleBindings: [], clusterRoles: [],
      clusterRoleBindings: [], podDisruptionBudgets: [], networkPolicies: [],
    };
    let last: unknown;
    await waitFor(async () => {
      last = await remaining();
      return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500, describe: () => `only ${OUTPUT} and the Lease left; have ${JSON.stringify(last)}` });
    expect(last).toEqual(expected);
    // What is left is the last output, intact: HolmesGPT keeps its toolsets.
    const kept = await outputToolsets();
    expect(Object.keys(kept ?? {}).sort()).toEqual([`custom/${APPS}/hello`, `custom/${APPS}/hello-2`, `custom/${APPS}/hello-3`, 'prometheus/metrics']);
  }, 240_000);
});
