// Plain JavaScript for the same reason as global-setup.js.
import { down, liveOwner } from '../../tools/control-plane/control-plane.ts';
import { TEST_CLUSTER_NAME } from './cluster-info.ts';

export default async function globalTeardown() {
  if (process.env.KUBERNAUT_KEEP_TEST_CLUSTER === '1') return;
  // Only the run that started it stops it (a setup that failed waiting for another run owns nothing).
  if (liveOwner(TEST_CLUSTER_NAME) !== process.pid) return;
  await down(TEST_CLUSTER_NAME);
}
