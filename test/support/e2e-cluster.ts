import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readState, type ControlPlane } from '../../tools/control-plane/control-plane.ts';

/** The end-to-end suite's control plane with a real node (one node per machine; one name per user). */
export const E2E_CLUSTER_NAME = `e2e-${process.getuid?.() ?? 0}`;

/** Image references globalSetup imported into the node's containerd (pods use imagePullPolicy: Never). */
export interface E2eImages {
  /** The production image built by tools/image/build.sh (the chart's default name). */
  operator: string;
  hello: string;
  prometheus: string;
  /** HolmesGPT's server with the pinned wheel (tools/e2e/build-holmes-image.sh). */
  holmesgpt: string;
}

export function e2eImagesFile(cp: Pick<ControlPlane, 'dir'>): string {
  return join(cp.dir, 'e2e-images.json');
}

/** The control plane and node globalSetup started, as seen from a test worker. */
export function e2eCluster(): ControlPlane & { node: NonNullable<ControlPlane['node']> } {
  const cp = readState(E2E_CLUSTER_NAME);
  if (!cp?.node) throw new Error(`control plane "${E2E_CLUSTER_NAME}" with a node is not running; the e2e tests need their Jest globalSetup`);
  return cp as ControlPlane & { node: NonNullable<ControlPlane['node']> };
}

export function e2eImages(): E2eImages {
  return JSON.parse(readFileSync(e2eImagesFile(e2eCluster()), 'utf8')) as E2eImages;
}
