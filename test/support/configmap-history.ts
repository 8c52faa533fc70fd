import { Watch, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';

/** Every version of one ConfigMap as a separate client sees it (ADDED, MODIFIED, DELETED), from now on. */
export class ConfigMapHistory {
  readonly versions: { type: string; data: Record<string, string>; resourceVersion: string }[] = [];
  #abort: AbortController | undefined;

  static async start(kc: KubeConfig, namespace: string, name: string): Promise<ConfigMapHistory> {
    const history = new ConfigMapHistory();
    history.#abort = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { fieldSelector: `metadata.name=${name}` },
      (type: string, cm: V1ConfigMap) => history.versions.push({ type, data: cm.data ?? {}, resourceVersion: cm.metadata?.resourceVersion ?? '' }),
      () => {},
    );
    return history;
  }

  stop(): void {
    this.#abort?.abort();
  }
}
