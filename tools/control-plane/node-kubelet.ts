import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerdLayout } from './node-containerd.ts';
import { NODE_IP } from './node-network.ts';
import { signed, type Pki } from './pki.ts';

export const CLUSTER_DOMAIN = 'cluster.local';

export interface KubeletLayout {
  rootDir: string;
  config: string;
  kubeconfig: string;
  /** The cgroup (in every v1 hierarchy) under which the kubelet puts kubepods; removed on teardown. */
  cgroupRoot: string;
}

/** A kubeconfig with inline data for one client certificate. */
export function clientKubeconfig(server: string, caCert: string, cert: string, key: string): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority-data': b64(caCert) } }],
    users: [{ name: 'user', user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'user' } }],
    'current-context': 'local',
  }, null, 2);
}

/**
 * The kubelet's identity (O=system:nodes, CN=system:node:<node>, what the Node authorizer and NodeRestriction
 * expect), its config and kubeconfig. The config suits this machine: cgroup v1 with cgroupfs (failCgroupV1: false),
 * swap tolerated, serving only on the node address, webhook authn/authz against the API server.
 */
export function writeKubeletFiles(
  dir: string, pki: Pki, nodeName: string, server: string, containerd: ContainerdLayout,
  opts: { port: number; healthzPort: number; clusterDns: string; name: string },
): KubeletLayout {
  const rootDir = join(dir, 'kubelet');
  mkdirSync(rootDir, { recursive: true });
  const pkiDir = join(dir, 'pki');
  signed(pkiDir, 'kubelet', `/O=system:nodes/CN=system:node:${nodeName}`, 'extendedKeyUsage=clientAuth\n', pki);
  const layout: KubeletLayout = {
    rootDir,
    config: join(dir, 'kubelet-config.json'),
    kubeconfig: join(dir, 'kubelet.kubeconfig'),
    cgroupRoot: `/kubernaut-${opts.name}`,
  };
  writeFileSync(layout.kubeconfig, clientKubeconfig(server, pki.caCert, join(pkiDir, 'kubelet.crt'), join(pkiDir, 'kubelet.key')), { mode: 0o600 });
  writeFileSync(layout.config, JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port: opts.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: opts.healthzPort,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.caCert } },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${containerd.address}`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: layout.cgroupRoot,
    failCgroupV1: false,
    failSwapOn: false,
    clusterDNS: [opts.clusterDns],
    clusterDomain: CLUSTER_DOMAIN,
    podLogsDir: join(dir, 'pod-logs'),
    resolvConf: '/etc/resolv.conf',
    serializeImagePulls: false,
    // Local disks and a busy machine: never evict the test's pods, never garbage-collect the imported images.
    evictionHard: { 'memory.available': '50Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    nodeStatusReportFrequency: '10s',
    registerNode: true,
  }, null, 2));
  return layout;
}

export function kubeletArgs(layout: KubeletLayout, nodeName: string): string[] {
  return [
    `--config=${layout.config}`, `--kubeconfig=${layout.kubeconfig}`, `--root-dir=${layout.rootDir}`,
    `--cert-dir=${join(layout.rootDir, 'pki')}`, `--hostname-override=${nodeName}`, `--node-ip=${NODE_IP}`, '--v=1',
  ];
}
