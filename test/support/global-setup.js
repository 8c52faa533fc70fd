// Plain JavaScript on purpose: Jest loads globalSetup with Node's own loader, which runs the TypeScript harness
// through Node 24's type stripping. A .ts setup file would be rewritten by ts-jest to import '.js' paths that
// only Jest's resolver (not Node's) maps back to the sources.
import { liveOwner, up } from '../../tools/control-plane/control-plane.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { TEST_CLUSTER_NAME } from './cluster-info.ts';

/** A whole integration run, under load: the longest another run can make this one wait. */
const OTHER_RUN_TIMEOUT_MS = 60 * 60_000;

/**
 * Starts the one real control plane the integration tests share. It belongs to this Jest process: if Jest is
 * killed, the next `up` of any control plane removes it. Two integration runs on one machine would share it and
 * the first to finish would stop it under the other, so a second run waits for the first.
 */
export default async function globalSetup() {
  const other = liveOwner(TEST_CLUSTER_NAME);
  if (other !== undefined && other !== process.pid) {
    process.stderr.write(`\n[control plane] "${TEST_CLUSTER_NAME}" belongs to another integration run (pid ${other}); waiting for it to finish`);
    await waitFor(() => (liveOwner(TEST_CLUSTER_NAME) === undefined ? true : undefined), {
      timeoutMs: OTHER_RUN_TIMEOUT_MS, intervalMs: 2_000, describe: () => `the integration run (pid ${other}) that owns "${TEST_CLUSTER_NAME}" to finish`,
    });
  }
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
