// What the end-to-end tests share: clients of the node's cluster, helm, pod readiness and the hello test app.
import {
  AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod, type V1PodSpec,
} from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apiGet, apiRequest } from '../../tools/control-plane/control-plane.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { e2eCluster, e2eImages } from './e2e-cluster.ts';

const exec = promisify(execFile);

export const CHART = join(import.meta.dirname, '../../helm/kubernaut-toolset');
export const cp = e2eCluster();
export const images = e2eImages();
export const kc = new KubeConfig();
kc.loadFromFile(cp.kubeconfig);
export const core = kc.makeApiClient(CoreV1Api);
export const apps = kc.makeApiClient(AppsV1Api);
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Runs the cached helm against the node's cluster, with its own cache and config under `work`. */
export async function helm(work: string, ...args: string[]): Promise<string> {
  if (!cp.binaries.helm) throw new Error('no helm binary in the control-plane cache (npm run cluster -- build)');
  try {
    const { stdout } = await exec(cp.binaries.helm, [...args, '--kubeconfig', cp.kubeconfig], {
      timeout: 180_000, env: { ...process.env, HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_DATA_HOME: join(work, 'helm-data') },
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`, { cause: error });
  }
}

export const isReady = (pod: V1Pod) => pod.metadata?.deletionTimestamp === undefined && pod.status?.phase === 'Running' &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** GET through the API server's pod proxy (the API server reaches the pod IP over the node's bridge). */
export async function podGet(pod: V1Pod, port: number, path: string): Promise<{ status: number; body: string }> {
  return apiGet(cp, `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}:${port}/proxy${path}`);
}

/** POST of a JSON body through the API server's pod proxy. */
export async function podPost(pod: V1Pod, port: number, path: string, json: unknown): Promise<{ status: number; body: string }> {
  return apiRequest(cp, 'POST', `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}:${port}/proxy${path}`, json);
}

/** Waits until exactly `count` pods match the selector, all Running and Ready (no terminating ones left). */
export async function readyPods(namespace: string, labelSelector: string, count: number, timeoutMs = 90_000, extra: (pods: V1Pod[]) => boolean = () => true): Promise<V1Pod[]> {
  let last: V1Pod[] = [];
  return waitFor(async () => {
    last = (await core.listNamespacedPod({ namespace, labelSelector })).items;
    return last.length === count && last.every(isReady) && extra(last) ? last : undefined;
  }, { timeoutMs, intervalMs: 250, describe: () => `${count} Ready pod(s) ${labelSelector} in ${namespace}; have ${last.map((p) => `${p.metadata?.name} ${p.status?.phase}`).join(', ') || 'none'}` });
}

const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

/** A Deployment of `replicas` pods labelled app=<name>. */
export function deployment(namespace: string, name: string, spec: V1PodSpec, replicas = 1): V1Deployment {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
  };
}

/** The hello test app (Deployment `name`, pods app=<name>): one static HTTP server on :8080 answering "hello from <pod>". */
export function hello(namespace: string, name = 'hello'): V1Deployment {
  return deployment(namespace, name, {
    containers: [{
      name: 'hello', image: images.hello, imagePullPolicy: 'Never', args: ['serve'], ports: [{ containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 }, securityContext: restricted,
    }],
  });
}

/**
 * test/consumer/mcp_server.py (in the HolmesGPT image) as Deployment `name` (pods app=<name>), streamable HTTP on
 * :8000 at /mcp, with the server's own `flags` (--name, --redirectable).
 */
export function mcpServerDeployment(namespace: string, name: string, flags: string[] = []): V1Deployment {
  return deployment(namespace, name, {
    containers: [{
      name: 'mcp', image: images.holmesgpt, imagePullPolicy: 'Never',
      command: ['python3', '-u', 'mcp_server.py', '8000', 'streamable-http', '--host', '0.0.0.0', ...flags],
      ports: [{ containerPort: 8000 }], readinessProbe: { tcpSocket: { port: 8000 }, periodSeconds: 1 }, securityContext: restricted,
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  });
}

/** Prometheus (the e2e image) on :9090, reading prometheus.yml from ConfigMap `configMap`, as nobody. */
export function prometheusDeployment(namespace: string, name: string, configMap: string): V1Deployment {
  return deployment(namespace, name, {
    containers: [{
      name: 'prometheus', image: images.prometheus, imagePullPolicy: 'Never',
      args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--web.listen-address=:9090'],
      ports: [{ name: 'http', containerPort: 9090 }],
      readinessProbe: { httpGet: { path: '/-/ready', port: 9090 }, periodSeconds: 1 },
      securityContext: { ...restricted, runAsUser: 65534 },
      volumeMounts: [{ name: 'config', mountPath: '/etc/prometheus' }, { name: 'data', mountPath: '/prometheus' }],
    }],
    volumes: [{ name: 'config', configMap: { name: configMap } }, { name: 'data', emptyDir: {} }],
  });
}

/** A Service in front of the hello pods `app` (default the Deployment hello), annotated as a custom toolset. */
export function helloService(namespace: string, name: string, app = 'hello') {
  return {
    metadata: {
      name, namespace,
      annotations: {
        'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'custom',
        'kubernaut.io/toolset-description': `Hello API ${name}`,
      },
    },
    spec: { selector: { app }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
  };
}

export { restricted as restrictedContainer };
