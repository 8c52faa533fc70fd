import { CoreV1Api, KubeConfig, type V1Service } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { testCluster } from './cluster-info.ts';

/** A client-node API for arranging fixtures on the test control plane (the code under test uses the adapter). */
export function fixtureApi(): { kc: KubeConfig; core: CoreV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(testCluster().kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api) };
}

/** Creates a namespace with a unique name so test files never see each other's objects. */
export async function freshNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export function serviceManifest(
  namespace: string,
  name: string,
  annotations: Record<string, string> = {},
  ports: { name?: string; port: number }[] = [{ name: 'http', port: 80 }],
): V1Service {
  return { metadata: { name, namespace, annotations }, spec: { ports } };
}
