import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where each control-plane program lives. controllerManager and helm may be absent with KUBEBUILDER_ASSETS. */
export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager?: string;
  helm?: string;
  source: 'KUBEBUILDER_ASSETS' | 'cache';
}

const buildScript = join(dirname(fileURLToPath(import.meta.url)), 'build.sh');

export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The cache directory that build.sh fills; its name is keyed by every pinned version and the Go version. */
export function cacheBinDir(): string {
  return execFileSync('bash', [buildScript, '--print-dir'], { encoding: 'utf8' }).trim();
}

/** The control plane's programs in a directory build.sh filled, or undefined while any of them is missing. */
export function binariesIn(dir: string, source: Binaries['source']): Binaries | undefined {
  const at = (name: string) => (executable(join(dir, name)) ? join(dir, name) : undefined);
  const etcd = at('etcd');
  const kubeApiserver = at('kube-apiserver');
  if (!etcd || !kubeApiserver) return undefined;
  // A helm without the Kubernetes version stamp (build.sh writes helm.kube-version) is rebuilt.
  const helm = source === 'KUBEBUILDER_ASSETS' || existsSync(join(dir, 'helm.kube-version')) ? at('helm') : undefined;
  return { etcd, kubeApiserver, kubeControllerManager: at('kube-controller-manager'), helm, source };
}

/**
 * Prefers envtest binaries from KUBEBUILDER_ASSETS, then the version-keyed cache, and builds into the cache
 * from the Go module proxy when neither has them (minutes on a cold machine; progress goes to `progress`).
 */
export async function resolveBinaries(progress: (line: string) => void): Promise<Binaries> {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets) {
    const found = binariesIn(assets, 'KUBEBUILDER_ASSETS');
    if (found) {
      const cached = binariesIn(cacheBinDir(), 'cache');
      return { ...found, helm: found.helm ?? cached?.helm };
    }
    progress(`KUBEBUILDER_ASSETS=${assets} lacks etcd or kube-apiserver; using the local build instead`);
  }
  const dir = cacheBinDir();
  const cached = binariesIn(dir, 'cache');
  if (cached?.kubeControllerManager && cached.helm) return cached;
  progress(`building the control plane into ${dir} (first run only; this takes several minutes)`);
  await runBuild(progress);
  const built = binariesIn(dir, 'cache');
  if (!built) throw new Error(`build finished but ${dir} has no etcd/kube-apiserver`);
  return built;
}

export function runBuild(progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      for (const line of chunk.split('\n')) if (line.startsWith('[control-plane build]')) progress(line);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`control-plane build failed (exit ${code}); last output:\n${tail}`)),
    );
  });
}
