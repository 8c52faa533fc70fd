// Plain JavaScript for the same reason as global-setup.js.
import { down } from '../../tools/control-plane/control-plane.ts';
import { TEST_CLUSTER_NAME } from './cluster-info.ts';

export default async function globalTeardown() {
  if (process.env.KUBERNAUT_KEEP_TEST_CLUSTER === '1') return;
  await down(TEST_CLUSTER_NAME);
}
