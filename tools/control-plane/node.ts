import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createAll, apiRequest } from './node-api.ts';
import type { NodeBinaries } from './node-binaries.ts';
import { createCgroupRoot, removeCgroupRoot } from './node-cgroups.ts';
import { containerdArgs, containerdLayout, ctr, importImages, writeContainerdConfig, type ContainerdLayout } from './node-containerd.ts';
import { CLUSTER_DNS_IP, corednsObjects } from './node-coredns.ts';
import { kubeletArgs, writeKubeletFiles, CLUSTER_DOMAIN, type KubeletLayout } from './node-kubelet.ts';
import { unmountUnder } from './node-mounts.ts';
import { removeEngineState } from '../netpol/engine.ts';
import { NODE_IP, POD_CIDR, ownsNetwork, removeKubeletChains, setupNetwork, teardownNetwork, type NetworkState } from './node-network.ts';
import { signed, type Pki } from './pki.ts';
import { freePort } from './ports.ts';
import { startDetached, stopGroup } from './processes.ts';

const exec = promisify(execFile);

/**
 * A real node for a local control plane (`up --node`): containerd + runc + bridge CNI, kubelet, kube-proxy
 * (iptables), kube-scheduler and CoreDNS. Everything it creates outside its directory (bridge, iptables guard,
 * kube-proxy's chains, the cgroup subtree, the shim socket dir, ip_forward) is undone by teardownNode.
 */
export interface NodeState {
  nodeName: string;
  binaries: NodeBinaries;
  network?: NetworkState;
  containerd: ContainerdLayout;
  kubelet?: KubeletLayout;
  logs: { containerd: string; kubelet: string; kubeProxy: string; scheduler: string };
}

/** What the node needs of its control plane (kept structural so control-plane.ts and node.ts do not import each other). */
interface Plane {
  dir: string;
  name: string;
  apiServerUrl: string;
  kubeconfig: string;
  caCert: string;
  adminCert: string;
  adminKey: string;
  pids: { containerd?: number; kubelet?: number; kubeProxy?: number; scheduler?: number };
  node?: NodeState;
}

/** Extra SANs of the API server's serving certificate: pods reach it as the `kubernetes` Service and by the node address. */
export function nodeServingSans(serviceIp: string): string[] {
  return [`IP:${NODE_IP}`, `IP:${serviceIp}`, 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
    `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`];
}

/**
 * The controllers a node needs on top of the control plane's own (taints, Deployments, Services' endpoints). The
 * endpoints controller too: kube-apiserver's Service proxy (/api/v1/namespaces/NS/services/NAME/proxy) still
 * resolves a Service through its Endpoints object and answers "services NAME not found" without one.
 */
export const NODE_CONTROLLERS = ['node-lifecycle-controller', 'taint-eviction-controller', 'endpoints-controller', 'endpointslice-controller',
  'endpointslice-mirroring-controller', 'replicaset-controller', 'deployment-controller', 'pod-garbage-collector-controller'];

/** kube-apiserver flags a node needs, replacing the loopback-only ones. */
export function nodeApiServerArgs(pki: Pki, dir: string): { drop: string[]; add: string[] } {
  const pkiDir = join(dir, 'pki');
  return {
    drop: ['--bind-address=', '--authorization-mode=', '--disable-admission-plugins='],
    add: [
      `--bind-address=${NODE_IP}`, `--advertise-address=${NODE_IP}`, '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--kubelet-client-certificate=${join(pkiDir, 'apiserver-kubelet-client.crt')}`,
      `--kubelet-client-key=${join(pkiDir, 'apiserver-kubelet-client.key')}`,
      '--kubelet-preferred-address-types=InternalIP',
    ],
  };
}

/** Before the API server starts: the network (it listens on the node address) and the node's files. */
export function prepareNode(cp: Plane, binaries: NodeBinaries, serviceCidr: string, pki: Pki): NodeState {
  // The API server's identity towards kubelets (logs, exec, port-forward).
  signed(join(cp.dir, 'pki'), 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', 'extendedKeyUsage=clientAuth\n', pki);
  const logs = {
    containerd: join(cp.dir, 'containerd.log'), kubelet: join(cp.dir, 'kubelet.log'),
    kubeProxy: join(cp.dir, 'kube-proxy.log'), scheduler: join(cp.dir, 'kube-scheduler.log'),
  };
  const node: NodeState = { nodeName: cp.name, binaries, containerd: containerdLayout(cp.dir), logs };
  cp.node = node;
  node.network = setupNetwork(serviceCidr);
  return node;
}

/**
 * After the API server and controller manager are ready: containerd (+ the images), kube-scheduler, kube-proxy,
 * kubelet, CoreDNS; resolves once the node is Ready and CoreDNS serves. `save` persists pids as they start.
 */
export async function startNode(cp: Plane, pki: Pki, save: () => void, progress: (line: string) => void,
  wait: (what: string, ready: () => Promise<boolean>, timeoutMs: number) => Promise<void>, timeoutMs: number): Promise<void> {
  const node = cp.node!;
  const bin = node.binaries;

  progress('starting containerd');
  writeContainerdConfig(node.containerd, bin);
  cp.pids.containerd = startDetached(bin.containerd, containerdArgs(node.containerd), node.logs.containerd);
  save();
  await wait('containerd to answer', async () => (await ctr(bin, node.containerd, ['version'])).includes('Server'), timeoutMs);
  await importImages(bin, node.containerd, [bin.images.pause.archive, bin.images.coredns.archive]);

  progress('starting kube-scheduler');
  cp.pids.scheduler = startDetached(bin.kubeScheduler, [
    `--kubeconfig=${cp.kubeconfig}`, '--leader-elect=false', '--secure-port=0', '--v=1',
  ], node.logs.scheduler);
  save();

  progress('starting kube-proxy (iptables)');
  const proxyConfig = join(cp.dir, 'kube-proxy-config.json');
  writeFileSync(proxyConfig, JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: cp.kubeconfig },
    mode: 'iptables', clusterCIDR: POD_CIDR, hostnameOverride: cp.name,
    bindAddress: NODE_IP,
    healthzBindAddress: `127.0.0.1:${await freePort()}`, metricsBindAddress: `127.0.0.1:${await freePort()}`,
    // NodePorts only on the node address, never on the host's interfaces; no sysctl changes beyond forwarding.
    nodePortAddresses: [`${NODE_IP}/32`],
    iptables: { localhostNodePorts: false },
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  }, null, 2));
  cp.pids.kubeProxy = startDetached(bin.kubeProxy, [`--config=${proxyConfig}`, '--v=1'], node.logs.kubeProxy);
  save();

  progress('starting kubelet');
  const kubelet = writeKubeletFiles(cp.dir, pki, node.nodeName, cp.apiServerUrl, node.containerd, {
    port: await freePort(), healthzPort: await freePort(), clusterDns: CLUSTER_DNS_IP, name: cp.name,
  });
  node.kubelet = kubelet;
  createCgroupRoot(kubelet.cgroupRoot);
  cp.pids.kubelet = startDetached(bin.kubelet, kubeletArgs(kubelet, node.nodeName), node.logs.kubelet);
  save();

  await createAll(cp, corednsObjects(bin.images.coredns.ref));
  const started = Date.now();
  await wait(`node "${node.nodeName}" to be Ready`, async () => nodeReady(cp, node.nodeName), timeoutMs);
  progress(`node "${node.nodeName}" Ready ${((Date.now() - started) / 1000).toFixed(1)}s after kubelet started`);
  await wait('CoreDNS to be available', async () => {
    const res = await apiRequest(cp, 'GET', '/apis/apps/v1/namespaces/kube-system/deployments/coredns');
    return res.status === 200 && ((JSON.parse(res.body) as { status?: { availableReplicas?: number } }).status?.availableReplicas ?? 0) >= 1;
  }, timeoutMs);
}

async function nodeReady(cp: Plane, nodeName: string): Promise<boolean> {
  const res = await apiRequest(cp, 'GET', `/api/v1/nodes/${nodeName}`);
  if (res.status !== 200) return false;
  const node = JSON.parse(res.body) as { status?: { conditions?: Array<{ type: string; status: string }> }; spec?: { taints?: unknown[] } };
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  // Ready and untainted (node-lifecycle removes not-ready:NoSchedule), so pods can be scheduled.
  return ready && (node.spec?.taints ?? []).length === 0;
}

/** Processes whose command line mentions `marker`: containerd's shims (started with -address <dir>/...). */
function processesMentioning(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) out.push(Number(entry));
    } catch {
      // Gone.
    }
  }
  return out;
}

/**
 * Stops the node and undoes what it did to the machine: kubelet, kube-proxy, scheduler; every pod process (the
 * cgroup subtree); containerd and its shims; mounts below the directory; kube-proxy's and the guard's iptables
 * chains; the bridge; ip_forward. Safe on a half-started node. The directory itself stays (the caller removes it).
 */
export async function teardownNode(cp: Plane): Promise<void> {
  const node = cp.node;
  if (!node) return;
  await Promise.all([cp.pids.kubelet, cp.pids.kubeProxy, cp.pids.scheduler].filter((p): p is number => !!p).map((pid) => stopGroup(pid, cp.dir)));
  if (node.kubelet) await removeCgroupRoot(node.kubelet.cgroupRoot);
  if (cp.pids.containerd) await stopGroup(cp.pids.containerd, cp.dir);
  for (const pid of processesMentioning(node.containerd.address)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  unmountUnder(cp.dir);
  // Global state (iptables, the bridge) only while it is still this node's: a newer node may already own it.
  if (ownsNetwork(node.network)) {
    // A NetworkPolicy engine a test started (tools/netpol) leaves chains and ipsets: never for the next node.
    removeEngineState(cp.dir);
    await exec(node.binaries.kubeProxy, ['--cleanup', '--v=0'], { timeout: 30_000 }).catch(() => undefined);
    removeKubeletChains();
    teardownNetwork(node.network);
  }
  rmSync(node.containerd.shimSocketDir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(node.containerd.shimSocketDir));
  } catch {
    // Another node's socket dir is still there, or it is already gone.
  }
}
