import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  Watch,
  type CoreV1Event,
  type V1Lease,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { ApplyOptions, KubeClient, ServiceScope } from './client.ts';
import { toKubeApiError } from './errors.ts';
import { labelSelectorText, SERVICE_NAME_LABEL, toConfigMap, toConsumerPod, toEndpointSlice, toNamespace, toService } from './convert.ts';
import type { ConfigMap, ConfigMapApply, ConsumerPod, EndpointSlice, EventRecord, Lease, Namespace, NetworkPolicyApply, Service } from './objects.ts';
import { listWatchSource, PAGE_SIZE } from './list-watch-source.ts';
import { Reflector } from './reflector.ts';
import { shareDispatcher } from './shared-dispatcher.ts';

/**
 * Who wrote an EndpointSlice. A tenant may set this label on its own slice to hide it from the watch; then its
 * selector-less Service has no slices the operator sees, and is refused.
 */
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** The KubeClient over @kubernetes/client-node 2.x. */
export class ClientNodeKube implements KubeClient {
  readonly #kc: KubeConfig;
  readonly #core: CoreV1Api;
  readonly #coordination: CoordinationV1Api;
  readonly #apps: AppsV1Api;
  readonly #discovery: DiscoveryV1Api;
  readonly #objects: KubernetesObjectApi;
  readonly #watch: Watch;

  constructor(kc: KubeConfig) {
    this.#kc = shareDispatcher(kc);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#coordination = kc.makeApiClient(CoordinationV1Api);
    this.#apps = kc.makeApiClient(AppsV1Api);
    this.#discovery = kc.makeApiClient(DiscoveryV1Api);
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#watch = new Watch(kc);
  }

  /** Loads KUBECONFIG / ~/.kube/config, or the in-cluster ServiceAccount when running in a Pod. */
  /** $KUBECONFIG, ~/.kube/config or the in-cluster ServiceAccount; `context` instead of the current context. */
  static fromDefault(context?: string): ClientNodeKube {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    return new ClientNodeKube(withContext(kc, context));
  }

  static fromFile(path: string, context?: string): ClientNodeKube {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new ClientNodeKube(withContext(kc, context));
  }

  get server(): string {
    return this.#kc.getCurrentCluster()?.server ?? '(no cluster)';
  }

  watchServices(scope: ServiceScope): Reflector<Service> {
    const { namespace, labelSelector } = scope;
    const where = namespace ? `namespace ${namespace}` : 'all namespaces';
    const description = `Services in ${where}${labelSelector ? ` matching ${labelSelector}` : ''}`;
    const path = namespace ? `/api/v1/namespaces/${namespace}/services` : '/api/v1/services';
    return new Reflector(
      listWatchSource(
        this.#watch,
        description,
        path,
        labelSelector ? { labelSelector } : {},
        (cont) =>
          namespace
            ? this.#core.listNamespacedService({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont })
            : this.#core.listServiceForAllNamespaces({ labelSelector, limit: PAGE_SIZE, _continue: cont }),
        toService,
      ),
    );
  }

  watchConfigMaps(namespace: string, name?: string): Reflector<ConfigMap> {
    const fieldSelector = name ? `metadata.name=${name}` : undefined;
    const description = name ? `ConfigMap ${namespace}/${name}` : `ConfigMaps in namespace ${namespace}`;
    return new Reflector(
      listWatchSource(
        this.#watch,
        description,
        `/api/v1/namespaces/${namespace}/configmaps`,
        fieldSelector ? { fieldSelector } : {},
        (cont) => this.#core.listNamespacedConfigMap({ namespace, fieldSelector, limit: PAGE_SIZE, _continue: cont }),
        toConfigMap,
      ),
    );
  }

  watchEndpointSlices(namespace?: string): Reflector<EndpointSlice> {
    // The controller's own slices (every selector Service has them) are most of a cluster's and are not needed.
    const labelSelector = `${SERVICE_NAME_LABEL},${MANAGED_BY_LABEL}!=endpointslice-controller.k8s.io`;
    return new Reflector(
      listWatchSource(
        this.#watch,
        `hand-written EndpointSlices in ${namespace ? `namespace ${namespace}` : 'all namespaces'}`,
        namespace ? `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices` : '/apis/discovery.k8s.io/v1/endpointslices',
        { labelSelector },
        (cont) =>
          namespace
            ? this.#discovery.listNamespacedEndpointSlice({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont })
            : this.#discovery.listEndpointSliceForAllNamespaces({ labelSelector, limit: PAGE_SIZE, _continue: cont }),
        toEndpointSlice,
      ),
    );
  }

  watchNamespaces(labelSelector: string): Reflector<Namespace> {
    return new Reflector(
      listWatchSource(
        this.#watch,
        `Namespaces matching ${labelSelector}`,
        '/api/v1/namespaces',
        { labelSelector },
        (cont) => this.#core.listNamespace({ labelSelector, limit: PAGE_SIZE, _continue: cont }),
        toNamespace,
      ),
    );
  }

  async getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    try {
      return toConfigMap(await this.#core.readNamespacedConfigMap({ namespace, name }));
    } catch (error) {
      const e = toKubeApiError(`get ConfigMap ${namespace}/${name}`, error);
      if (e.notFound) return undefined;
      throw e;
    }
  }

  async applyConfigMap(cm: ConfigMapApply, options: ApplyOptions): Promise<ConfigMap> {
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
    try {
      const stored = await this.#objects.patch(
        body,
        undefined,
        options.dryRun ? 'All' : undefined,
        options.fieldManager,
        options.force ?? false,
        PatchStrategy.ServerSideApply,
      );
      return toConfigMap(stored);
    } catch (error) {
      throw toKubeApiError(`apply ConfigMap ${cm.namespace}/${cm.name}`, error);
    }
  }

  async recordEvent(event: EventRecord, reportingController: string): Promise<void> {
    const now = new Date();
    const { regarding } = event;
    const body: CoreV1Event = {
      metadata: {
        // Unique like kubectl's events: object name plus a random suffix.
        name: `${regarding.name}.${randomBytes(8).toString('hex')}`,
        namespace: regarding.namespace,
      },
      involvedObject: { ...regarding },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component: reportingController },
      reportingComponent: reportingController,
      reportingInstance: reportingController,
    };
    try {
      await this.#core.createNamespacedEvent({ namespace: regarding.namespace, body });
    } catch (error) {
      throw toKubeApiError(`record Event ${event.reason} on ${regarding.kind} ${regarding.namespace}/${regarding.name}`, error);
    }
  }

  async getPodTemplateAnnotations(namespace: string, deployment: string): Promise<Record<string, string> | undefined> {
    try {
      const d = await this.#apps.readNamespacedDeployment({ namespace, name: deployment });
      return d.spec?.template.metadata?.annotations ?? {};
    } catch (error) {
      const e = toKubeApiError(`get Deployment ${namespace}/${deployment}`, error);
      if (e.notFound) return undefined;
      throw e;
    }
  }

  async annotatePodTemplate(namespace: string, deployment: string, annotations: Record<string, string>): Promise<void> {
    try {
      await this.#apps.patchNamespacedDeployment(
        { namespace, name: deployment, body: { spec: { template: { metadata: { annotations } } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      throw toKubeApiError(`patch Deployment ${namespace}/${deployment}`, error);
    }
  }

  async listDeploymentPods(namespace: string, deployment: string): Promise<ConsumerPod[] | undefined> {
    let selector: string;
    try {
      selector = labelSelectorText((await this.#apps.readNamespacedDeployment({ namespace, name: deployment })).spec?.selector);
    } catch (error) {
      const e = toKubeApiError(`get Deployment ${namespace}/${deployment}`, error);
      if (e.notFound) return undefined;
      throw e;
    }
    try {
      return (await this.#core.listNamespacedPod({ namespace, labelSelector: selector })).items.map(toConsumerPod);
    } catch (error) {
      throw toKubeApiError(`list pods of Deployment ${namespace}/${deployment}`, error);
    }
  }

  async annotatePod(namespace: string, pod: string, annotations: Record<string, string>): Promise<void> {
    try {
      await this.#core.patchNamespacedPod(
        { namespace, name: pod, body: { metadata: { annotations } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      throw toKubeApiError(`patch Pod ${namespace}/${pod}`, error);
    }
  }

  async listPods(namespace: string, labelSelector: string): Promise<ConsumerPod[]> {
    try {
      return (await this.#core.listNamespacedPod({ namespace, labelSelector })).items.map(toConsumerPod);
    } catch (error) {
      throw toKubeApiError(`list pods ${labelSelector} in ${namespace}`, error);
    }
  }

  async getPodProxy(namespace: string, pod: string, port: number, path: string): Promise<string> {
    try {
      // The generated client parses a JSON answer into an object although its type says string: give text back.
      const answer: unknown = await this.#core.connectGetNamespacedPodProxyWithPath({ namespace, name: `${pod}:${port}`, path: path.replace(/^\//, '') });
      return typeof answer === 'string' ? answer : JSON.stringify(answer);
    } catch (error) {
      throw toKubeApiError(`GET ${path} of pod ${namespace}/${pod}:${port} (pods/proxy)`, error);
    }
  }

  async getDeploymentSelector(namespace: string, deployment: string): Promise<Record<string, unknown> | undefined> {
    try {
      const selector = (await this.#apps.readNamespacedDeployment({ namespace, name: deployment })).spec?.selector;
      return selector ? { ...selector } : undefined;
    } catch (error) {
      const e = toKubeApiError(`get Deployment ${namespace}/${deployment}`, error);
      if (e.notFound) return undefined;
      throw e;
    }
  }

  async applyNetworkPolicy(policy: NetworkPolicyApply, options: ApplyOptions): Promise<void> {
    const body = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: policy.name, namespace: policy.namespace, labels: policy.labels, annotations: policy.annotations },
      spec: policy.spec,
    };
    try {
      await this.#objects.patch(body, undefined, options.dryRun ? 'All' : undefined, options.fieldManager, options.force ?? false, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw toKubeApiError(`apply NetworkPolicy ${policy.namespace}/${policy.name}`, error);
    }
  }

  async readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined> {
    try {
      const value = (await this.#core.readNamespacedSecret({ namespace, name })).data?.[key];
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
    } catch (error) {
      const e = toKubeApiError(`get Secret ${namespace}/${name}`, error);
      if (e.notFound) return undefined;
      throw e;
    }
  }

  async getLease(namespace: string, name: string): Promise<Lease | undefined> {
    try {
      return toLease(await this.#coordination.readNamespacedLease({ namespace, name }));
    } catch (error) {
      const e = toKubeApiError(`get Lease ${namespace}/${name}`, error);
      if (e.notFound) return undefined;
      throw e;
    }
  }

  async createLease(lease: Lease): Promise<Lease> {
    try {
      return toLease(await this.#coordination.createNamespacedLease({ namespace: lease.namespace, body: fromLease(lease) }));
    } catch (error) {
      throw toKubeApiError(`create Lease ${lease.namespace}/${lease.name}`, error);
    }
  }

  async updateLease(lease: Lease): Promise<Lease> {
    try {
      return toLease(await this.#coordination.replaceNamespacedLease({ namespace: lease.namespace, name: lease.name, body: fromLease(lease) }));
    } catch (error) {
      throw toKubeApiError(`update Lease ${lease.namespace}/${lease.name}`, error);
    }
  }
}

function microTime(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : undefined;
}

function toLease(raw: V1Lease): Lease {
  const acquireTime = microTime(raw.spec?.acquireTime);
  const renewTime = microTime(raw.spec?.renewTime);
  return {
    name: raw.metadata?.name ?? '',
    namespace: raw.metadata?.namespace ?? '',
    resourceVersion: raw.metadata?.resourceVersion ?? '',
    holderIdentity: raw.spec?.holderIdentity ?? '',
    leaseDurationSeconds: raw.spec?.leaseDurationSeconds ?? 0,
    leaseTransitions: raw.spec?.leaseTransitions ?? 0,
    ...(acquireTime ? { acquireTime } : {}),
    ...(renewTime ? { renewTime } : {}),
  };
}

function fromLease(lease: Lease): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: lease.name, namespace: lease.namespace, ...(lease.resourceVersion ? { resourceVersion: lease.resourceVersion } : {}) },
    spec: {
      holderIdentity: lease.holderIdentity,
      leaseDurationSeconds: lease.leaseDurationSeconds,
      leaseTransitions: lease.leaseTransitions,
      ...(lease.acquireTime ? { acquireTime: new V1MicroTime(lease.acquireTime) } : {}),
      ...(lease.renewTime ? { renewTime: new V1MicroTime(lease.renewTime) } : {}),
    },
  };
}

/** The kubeconfig with `context` made current; an unknown name is an error that lists the known ones. */
function withContext(kc: KubeConfig, context: string | undefined): KubeConfig {
  if (context === undefined) return kc;
  const names = kc.getContexts().map((c) => c.name);
  if (!names.includes(context)) throw new Error(`--context ${JSON.stringify(context)}: no such context in the kubeconfig (it has ${names.join(', ') || 'none'})`);
  kc.setCurrentContext(context);
  return kc;
}
