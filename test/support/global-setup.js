// Plain JavaScript on purpose: Jest loads globalSetup with Node's own loader, which runs the TypeScript harness
// through Node 24's type stripping. A .ts setup file would be rewritten by ts-jest to import '.js' paths that
// only Jest's resolver (not Node's) maps back to the sources.
import { up } from '../../tools/control-plane/control-plane.ts';
import { TEST_CLUSTER_NAME } from './cluster-info.ts';

/**
 * Starts the one real control plane the integration tests share. It belongs to this Jest process: if Jest is
 * killed, the next `up` of any control plane removes it.
 */
export default async function globalSetup() {
  const started = Date.now();
  const cp = await up({
    name: TEST_CLUSTER_NAME,
    ownerPid: process.pid,
    progress: (line) => process.stderr.write(`\n[control plane] ${line}`),
  });
  process.env.KUBECONFIG = cp.kubeconfig;
  process.stderr.write(
    `\n[control plane] ${cp.reused ? 'reused' : 'started'} ${cp.version} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
}
