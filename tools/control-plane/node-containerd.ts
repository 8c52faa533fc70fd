import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NodeBinaries } from './node-binaries.ts';
import { BRIDGE, NODE_IP, POD_CIDR } from './node-network.ts';

const exec = promisify(execFile);

/** containerd's files for one node, all below the cluster's directory except the shim socket dir (path length). */
export interface ContainerdLayout {
  config: string;
  address: string;
  root: string;
  state: string;
  runcRoot: string;
  /** The shims' sockets: at most 38 characters, so it cannot live under the cluster's directory. */
  shimSocketDir: string;
  cniConfDir: string;
  cniDataDir: string;
}

export function containerdLayout(dir: string): ContainerdLayout {
  const base = join(dir, 'containerd');
  return {
    config: join(base, 'config.toml'),
    address: join(base, 'containerd.sock'),
    root: join(base, 'root'),
    state: join(base, 'state'),
    runcRoot: join(base, 'runc'),
    shimSocketDir: `/run/kubernaut-s/${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`,
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
  };
}

const q = (s: string) => `'${s}'`;

/**
 * containerd config schema 4 for a node on this kind of machine: its own root, state and sockets; no host config
 * imports, no NRI, no /opt plugin; the CRI with the locally built pause image pinned (never pulled), runc writing no
 * negative oom_score_adj (the VM lacks CAP_SYS_RESOURCE), no AppArmor, cgroupfs; a bridge CNI without masquerade.
 */
export function writeContainerdConfig(layout: ContainerdLayout, bin: NodeBinaries): void {
  for (const d of [layout.root, layout.state, layout.runcRoot, layout.cniConfDir, layout.cniDataDir]) mkdirSync(d, { recursive: true });
  mkdirSync(layout.shimSocketDir, { recursive: true, mode: 0o700 });
  writeFileSync(layout.config, `version = 4
root = ${q(layout.root)}
state = ${q(layout.state)}
imports = []
disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.internal.v1.opt']
oom_score = 0

[plugins]
  [plugins.'io.containerd.server.v1.grpc']
    address = ${q(layout.address)}
  [plugins.'io.containerd.server.v1.ttrpc']
    address = ${q(`${layout.address}.ttrpc`)}
  [plugins.'io.containerd.server.v1.debug']
    address = ''
  [plugins.'io.containerd.shim.v1.manager']
    socket_dir = ${q(layout.shimSocketDir)}
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = ${q(bin.images.pause.ref)}
  [plugins.'io.containerd.cri.v1.runtime']
    disable_apparmor = true
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    cdi_spec_dirs = []
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = ${q(bin.runc)}
          Root = ${q(layout.runcRoot)}
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${q(bin.cniBinDir)}]
      conf_dir = ${q(layout.cniConfDir)}
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
`);
  writeFileSync(join(layout.cniConfDir, '10-kubernaut.conflist'), JSON.stringify({
    cniVersion: '1.0.0',
    name: 'kubernaut',
    plugins: [
      {
        type: 'bridge', bridge: BRIDGE, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: {
          type: 'host-local', dataDir: layout.cniDataDir,
          ranges: [[{ subnet: POD_CIDR, gateway: NODE_IP }]], routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2));
}

export function containerdArgs(layout: ContainerdLayout): string[] {
  return ['--config', layout.config, '--log-level', 'warn'];
}

/** `ctr` against this node's containerd, in the CRI's namespace. */
export async function ctr(bin: NodeBinaries, layout: ContainerdLayout, args: string[]): Promise<string> {
  const { stdout } = await exec(bin.ctr, ['--address', layout.address, '--namespace', 'k8s.io', ...args], { timeout: 120_000 });
  return stdout;
}

/** Imports OCI archives (no registry): the pods that use them say `imagePullPolicy: Never`. */
export async function importImages(bin: NodeBinaries, layout: ContainerdLayout, archives: string[]): Promise<void> {
  for (const archive of archives) await ctr(bin, layout, ['images', 'import', archive]);
}
