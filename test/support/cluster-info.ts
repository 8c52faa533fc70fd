import { readState, type ControlPlane } from '../../tools/control-plane/control-plane.ts';

/** One name per user so concurrent developers' runs on one machine do not share a control plane by accident. */
export const TEST_CLUSTER_NAME = `jest-${process.getuid?.() ?? 0}`;

/** The control plane globalSetup started, as seen from a test worker. */
export function testCluster(): ControlPlane {
  const cp = readState(TEST_CLUSTER_NAME);
  if (!cp) throw new Error(`control plane "${TEST_CLUSTER_NAME}" is not running; integration tests need Jest's globalSetup`);
  return cp;
}
