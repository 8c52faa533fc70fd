import { RbacAuthorizationV1Api, type CoreV1Api, type KubeConfig, type V1PolicyRule } from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCluster } from './cluster-info.ts';

/**
 * A ServiceAccount with a TokenRequest token and a kubeconfig for it, so a process under test acts as its own
 * identity (visible as such in the audit log). `rules` become a ClusterRole bound to it; none means no rights.
 */
export async function serviceAccountKubeconfig(kc: KubeConfig, core: CoreV1Api, namespace: string, name: string, rules?: V1PolicyRule[]): Promise<{ kubeconfig: string; username: string }> {
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  if (rules) {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const role = `${namespace}-${name}`;
    await rbac.createClusterRole({ body: { metadata: { name: role }, rules } });
    await rbac.createClusterRoleBinding({ body: {
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    } });
  }
  return { kubeconfig: await tokenKubeconfig(kc, core, namespace, name), username: `system:serviceaccount:${namespace}:${name}` };
}

/** A kubeconfig that authenticates as an existing ServiceAccount with a TokenRequest token (1 hour). */
export async function tokenKubeconfig(kc: KubeConfig, core: CoreV1Api, namespace: string, name: string): Promise<string> {
  const token = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { expirationSeconds: 3600, audiences: [] } } });
  const kubeconfig = join(tmpdir(), `kubernaut-${namespace}-${name}.kubeconfig`);
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
    clusters: [{ name: 'local', cluster: { server: testCluster().apiServerUrl, 'certificate-authority-data': kc.getCurrentCluster()?.caData } }],
    users: [{ name: 'sa', user: { token: token.status?.token } }],
    contexts: [{ name: 'sa', context: { cluster: 'local', user: 'sa' } }],
  }));
  return kubeconfig;
}

/** Every verb and resource in the audit log done by `username`. */
export function auditedRequests(auditLog: string, username: string): { verb: string; resource: string; name: string }[] {
  return auditLog.split('\n').flatMap((line) => {
    if (!line.includes(username)) return [];
    const e = JSON.parse(line) as { verb: string; user: { username: string }; objectRef?: { resource?: string; name?: string } };
    return e.user.username === username ? [{ verb: e.verb, resource: e.objectRef?.resource ?? '', name: e.objectRef?.name ?? '' }] : [];
  });
}
