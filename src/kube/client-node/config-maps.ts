import { CoreV1Api, type KubeConfig, KubernetesObjectApi, type V1ConfigMap } from '@kubernetes/client-node';
import type { ApplyOptions } from '../client.ts';
import { toConfigMap } from '../convert.ts';
import type { ConfigMap, ConfigMapApply } from '../objects.ts';
import { readOrUndefined, serverSideApply } from './api-calls.ts';

/** ConfigMaps (the output, read and applied) and the one Secret key the in-place reload reads. */
export class ClientNodeConfigMaps {
  readonly #core: CoreV1Api;
  readonly #objects: KubernetesObjectApi;

  constructor(kc: KubeConfig) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
  }

  async get(namespace: string, name: string): Promise<ConfigMap | undefined> {
    const raw = await readOrUndefined(`ConfigMap ${namespace}/${name}`, () => this.#core.readNamespacedConfigMap({ namespace, name }));
    return raw && toConfigMap(raw);
  }

  async apply(cm: ConfigMapApply, options: ApplyOptions): Promise<ConfigMap> {
    const body: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: cm.name,
        namespace: cm.namespace,
        ...(cm.resourceVersion ? { resourceVersion: cm.resourceVersion } : {}),
        ...(cm.labels ? { labels: cm.labels } : {}),
        ...(cm.annotations ? { annotations: cm.annotations } : {}),
      },
      ...(cm.data ? { data: cm.data } : {}),
    };
    return toConfigMap(await serverSideApply(this.#objects, body, options, `ConfigMap ${cm.namespace}/${cm.name}`));
  }

  async secretKey(namespace: string, name: string, key: string): Promise<string | undefined> {
    const secret = await readOrUndefined(`Secret ${namespace}/${name}`, () => this.#core.readNamespacedSecret({ namespace, name }));
    const value = secret?.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  }
}
