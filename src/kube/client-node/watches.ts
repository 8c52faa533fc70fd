import { CoreV1Api, DiscoveryV1Api, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { ServiceScope } from '../client.ts';
import { SERVICE_NAME_LABEL, toConfigMap, toEndpointSlice, toNamespace, toService } from '../convert.ts';
import { listWatchSource, PAGE_SIZE } from '../list-watch-source.ts';
import type { ConfigMap, EndpointSlice, Namespace, Service } from '../objects.ts';
import { Reflector } from '../reflector.ts';

/**
 * Who wrote an EndpointSlice. A tenant may set this label on its own slice to hide it from the watch; then its
 * selector-less Service has no slices the operator sees, and is refused.
 */
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** The reflectors of the KubeClient: one list-then-watch per resource and scope. */
export class ClientNodeWatches {
  readonly #core: CoreV1Api;
  readonly #discovery: DiscoveryV1Api;
  readonly #watch: Watch;

  constructor(kc: KubeConfig) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#discovery = kc.makeApiClient(DiscoveryV1Api);
    this.#watch = new Watch(kc);
  }

  services(scope: ServiceScope): Reflector<Service> {
    const { namespace, labelSelector } = scope;
    const where = namespace ? `namespace ${namespace}` : 'all namespaces';
    return new Reflector(listWatchSource(
      this.#watch,
      `Services in ${where}${labelSelector ? ` matching ${labelSelector}` : ''}`,
      namespace ? `/api/v1/namespaces/${namespace}/services` : '/api/v1/services',
      labelSelector ? { labelSelector } : {},
      (cont) => (namespace
        ? this.#core.listNamespacedService({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont })
        : this.#core.listServiceForAllNamespaces({ labelSelector, limit: PAGE_SIZE, _continue: cont })),
      toService,
    ));
  }

  configMaps(namespace: string, name?: string): Reflector<ConfigMap> {
    const fieldSelector = name ? `metadata.name=${name}` : undefined;
    return new Reflector(listWatchSource(
      this.#watch,
      name ? `ConfigMap ${namespace}/${name}` : `ConfigMaps in namespace ${namespace}`,
      `/api/v1/namespaces/${namespace}/configmaps`,
      fieldSelector ? { fieldSelector } : {},
      (cont) => this.#core.listNamespacedConfigMap({ namespace, fieldSelector, limit: PAGE_SIZE, _continue: cont }),
      toConfigMap,
    ));
  }

  endpointSlices(namespace?: string): Reflector<EndpointSlice> {
    // The controller's own slices (every selector Service has them) are most of a cluster's and are not needed.
    const labelSelector = `${SERVICE_NAME_LABEL},${MANAGED_BY_LABEL}!=endpointslice-controller.k8s.io`;
    return new Reflector(listWatchSource(
      this.#watch,
      `hand-written EndpointSlices in ${namespace ? `namespace ${namespace}` : 'all namespaces'}`,
      namespace ? `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices` : '/apis/discovery.k8s.io/v1/endpointslices',
      { labelSelector },
      (cont) => (namespace
        ? this.#discovery.listNamespacedEndpointSlice({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont })
        : this.#discovery.listEndpointSliceForAllNamespaces({ labelSelector, limit: PAGE_SIZE, _continue: cont })),
      toEndpointSlice,
    ));
  }

  namespaces(labelSelector: string): Reflector<Namespace> {
    return new Reflector(listWatchSource(
      this.#watch,
      `Namespaces matching ${labelSelector}`,
      '/api/v1/namespaces',
      { labelSelector },
      (cont) => this.#core.listNamespace({ labelSelector, limit: PAGE_SIZE, _continue: cont }),
      toNamespace,
    ));
  }
}
