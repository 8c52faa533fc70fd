import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executable } from './binaries.ts';

/** Where each node program and image archive lives: all built by tools/node/build.sh into one version-keyed directory. */
export interface NodeBinaries {
  kubelet: string;
  kubeProxy: string;
  kubeScheduler: string;
  containerd: string;
  ctr: string;
  runc: string;
  /** bridge, host-local, loopback and portmap. */
  cniBinDir: string;
  /** OCI archives for `ctr images import` and the names they carry. */
  images: { pause: { archive: string; ref: string }; coredns: { archive: string; ref: string } };
}

const nodeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'node');
const buildScript = join(nodeDir, 'build.sh');

/** KEY=VALUE lines of tools/node/versions.env. */
function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(nodeDir, 'versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S*)/.exec(line);
    if (m?.[1]) out[m[1]] = m[2] ?? '';
  }
  return out;
}


export function nodeCacheBinDir(): string {
  return execFileSync('bash', [buildScript, '--print-dir'], { encoding: 'utf8' }).trim();
}

/** The node's programs and image archives in a directory build.sh filled, or undefined while any is missing. */
export function nodeBinariesIn(bin: string): NodeBinaries | undefined {
  const v = versions();
  const images = join(bin, '..', 'images');
  const found: NodeBinaries = {
    kubelet: join(bin, 'kubelet'),
    kubeProxy: join(bin, 'kube-proxy'),
    kubeScheduler: join(bin, 'kube-scheduler'),
    containerd: join(bin, 'containerd'),
    ctr: join(bin, 'ctr'),
    runc: join(bin, 'runc'),
    cniBinDir: bin,
    images: {
      pause: { archive: join(images, 'pause.tar'), ref: `localhost/kubernaut/pause:r${v.NODE_IMAGES_REVISION}` },
      coredns: { archive: join(images, 'coredns.tar'), ref: `localhost/kubernaut/coredns:${v.COREDNS_VERSION}` },
    },
  };
  const programs = [found.kubelet, found.kubeProxy, found.kubeScheduler, found.containerd, found.ctr, found.runc,
    join(bin, 'containerd-shim-runc-v2'), ...['bridge', 'host-local', 'loopback', 'portmap'].map((p) => join(bin, p))];
  if (!programs.every(executable)) return undefined;
  if (!existsSync(found.images.pause.archive) || !existsSync(found.images.coredns.archive)) return undefined;
  return found;
}

/** The cached node build, building it first (minutes on a cold machine) when anything is missing. */
export async function resolveNodeBinaries(progress: (line: string) => void): Promise<NodeBinaries> {
  const dir = nodeCacheBinDir();
  const cached = nodeBinariesIn(dir);
  if (cached) return cached;
  progress(`building the node into ${dir} (first run only; this takes several minutes)`);
  await runNodeBuild(progress);
  const built = nodeBinariesIn(dir);
  if (!built) throw new Error(`node build finished but ${dir} lacks some programs or images`);
  return built;
}

export function runNodeBuild(progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      for (const line of chunk.split('\n')) if (line.startsWith('[node build]')) progress(line);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`node build failed (exit ${code}); last output:\n${tail}`)),
    );
  });
}
