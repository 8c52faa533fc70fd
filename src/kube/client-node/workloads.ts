import { AppsV1Api, CoreV1Api, type KubeConfig, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ApplyOptions } from '../client.ts';
import { labelSelectorText, toConsumerPod } from '../convert.ts';
import { toKubeApiError } from '../errors.ts';
import type { ConsumerPod, NetworkPolicyApply } from '../objects.ts';
import { readOrUndefined, serverSideApply } from './api-calls.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The consumer (HolmesGPT): its Deployment, its pods, and the NetworkPolicy that contains it. */
export class ClientNodeWorkloads {
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #objects: KubernetesObjectApi;

  constructor(kc: KubeConfig) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#apps = kc.makeApiClient(AppsV1Api);
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
  }

  #deployment(namespace: string, name: string) {
    return readOrUndefined(`Deployment ${namespace}/${name}`, () => this.#apps.readNamespacedDeployment({ namespace, name }));
  }

  async podTemplateAnnotations(namespace: string, deployment: string): Promise<Record<string, string> | undefined> {
    const d = await this.#deployment(namespace, deployment);
    return d && (d.spec?.template.metadata?.annotations ?? {});
  }

  async annotatePodTemplate(namespace: string, deployment: string, annotations: Record<string, string>): Promise<void> {
    try {
      await this.#apps.patchNamespacedDeployment({ namespace, name: deployment, body: { spec: { template: { metadata: { annotations } } } } }, mergePatch);
    } catch (error) {
      throw toKubeApiError(`patch Deployment ${namespace}/${deployment}`, error);
    }
  }

  async selector(namespace: string, deployment: string): Promise<Record<string, unknown> | undefined> {
    const selector = (await this.#deployment(namespace, deployment))?.spec?.selector;
    return selector ? { ...selector } : undefined;
  }

  async deploymentPods(namespace: string, deployment: string): Promise<ConsumerPod[] | undefined> {
    const d = await this.#deployment(namespace, deployment);
    if (!d) return undefined;
    return this.#pods(namespace, labelSelectorText(d.spec?.selector), `pods of Deployment ${namespace}/${deployment}`);
  }

  pods(namespace: string, labelSelector: string): Promise<ConsumerPod[]> {
    return this.#pods(namespace, labelSelector, `pods ${labelSelector} in ${namespace}`);
  }

  async #pods(namespace: string, labelSelector: string, what: string): Promise<ConsumerPod[]> {
    try {
      return (await this.#core.listNamespacedPod({ namespace, labelSelector })).items.map(toConsumerPod);
    } catch (error) {
      throw toKubeApiError(`list ${what}`, error);
    }
  }

  async annotatePod(namespace: string, pod: string, annotations: Record<string, string>): Promise<void> {
    try {
      await this.#core.patchNamespacedPod({ namespace, name: pod, body: { metadata: { annotations } } }, mergePatch);
    } catch (error) {
      throw toKubeApiError(`patch Pod ${namespace}/${pod}`, error);
    }
  }

  async podProxy(namespace: string, pod: string, port: number, path: string): Promise<string> {
    try {
      // The generated client parses a JSON answer into an object although its type says string: give text back.
      const answer: unknown = await this.#core.connectGetNamespacedPodProxyWithPath({ namespace, name: `${pod}:${port}`, path: path.replace(/^\//, '') });
      return typeof answer === 'string' ? answer : JSON.stringify(answer);
    } catch (error) {
      throw toKubeApiError(`GET ${path} of pod ${namespace}/${pod}:${port} (pods/proxy)`, error);
    }
  }

  async applyNetworkPolicy(policy: NetworkPolicyApply, options: ApplyOptions): Promise<void> {
    const body = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: policy.name, namespace: policy.namespace, labels: policy.labels, annotations: policy.annotations },
      spec: policy.spec,
    };
    await serverSideApply(this.#objects, body, options, `NetworkPolicy ${policy.namespace}/${policy.name}`);
  }
}
