// Plain JavaScript for the same reason as global-setup.js.
import { down, liveOwner } from '../../tools/control-plane/control-plane.ts';
import { E2E_CLUSTER_NAME } from './e2e-cluster.ts';

export default async function globalTeardown() {
  if (process.env.KUBERNAUT_KEEP_TEST_CLUSTER === '1') return;
  // Only the run that started the node stops it.
  if (liveOwner(E2E_CLUSTER_NAME) !== process.pid) return;
  await down(E2E_CLUSTER_NAME);
}
