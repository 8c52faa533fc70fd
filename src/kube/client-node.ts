import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { ApplyOptions, KubeClient, ServiceScope } from './client.ts';
import { ClientNodeConfigMaps } from './client-node/config-maps.ts';
import { createEvent } from './client-node/events.ts';
import { ClientNodeLeases } from './client-node/leases.ts';
import { ClientNodeWatches } from './client-node/watches.ts';
import { ClientNodeWorkloads } from './client-node/workloads.ts';
import type { ConfigMap, ConfigMapApply, ConsumerPod, EndpointSlice, EventRecord, Lease, Namespace, NetworkPolicyApply, Service } from './objects.ts';
import type { Reflector } from './reflector.ts';
import { shareDispatcher } from './shared-dispatcher.ts';

/**
 * The KubeClient over @kubernetes/client-node 2.x: one part per resource (client-node/), composed here so the rest of
 * the operator sees one interface. Every part shares the kubeconfig's one HTTP dispatcher.
 */
export class ClientNodeKube implements KubeClient {
  readonly #kc: KubeConfig;
  readonly #core: CoreV1Api;
  readonly #watches: ClientNodeWatches;
  readonly #configMaps: ClientNodeConfigMaps;
  readonly #workloads: ClientNodeWorkloads;
  readonly #leases: ClientNodeLeases;

  constructor(kc: KubeConfig) {
    this.#kc = shareDispatcher(kc);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#watches = new ClientNodeWatches(kc);
    this.#configMaps = new ClientNodeConfigMaps(kc);
    this.#workloads = new ClientNodeWorkloads(kc);
    this.#leases = new ClientNodeLeases(kc);
  }

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
    return this.#watches.services(scope);
  }

  watchConfigMaps(namespace: string, name?: string): Reflector<ConfigMap> {
    return this.#watches.configMaps(namespace, name);
  }

  watchEndpointSlices(namespace?: string): Reflector<EndpointSlice> {
    return this.#watches.endpointSlices(namespace);
  }

  watchNamespaces(labelSelector: string): Reflector<Namespace> {
    return this.#watches.namespaces(labelSelector);
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.#configMaps.get(namespace, name);
  }

  applyConfigMap(cm: ConfigMapApply, options: ApplyOptions): Promise<ConfigMap> {
    return this.#configMaps.apply(cm, options);
  }

  readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined> {
    return this.#configMaps.secretKey(namespace, name, key);
  }

  recordEvent(event: EventRecord, reportingController: string): Promise<void> {
    return createEvent(this.#core, event, reportingController);
  }

  getPodTemplateAnnotations(namespace: string, deployment: string): Promise<Record<string, string> | undefined> {
    return this.#workloads.podTemplateAnnotations(namespace, deployment);
  }

  annotatePodTemplate(namespace: string, deployment: string, annotations: Record<string, string>): Promise<void> {
    return this.#workloads.annotatePodTemplate(namespace, deployment, annotations);
  }

  getDeploymentSelector(namespace: string, deployment: string): Promise<Record<string, unknown> | undefined> {
    return this.#workloads.selector(namespace, deployment);
  }

  listDeploymentPods(namespace: string, deployment: string): Promise<ConsumerPod[] | undefined> {
    return this.#workloads.deploymentPods(namespace, deployment);
  }

  listPods(namespace: string, labelSelector: string): Promise<ConsumerPod[]> {
    return this.#workloads.pods(namespace, labelSelector);
  }

  annotatePod(namespace: string, pod: string, annotations: Record<string, string>): Promise<void> {
    return this.#workloads.annotatePod(namespace, pod, annotations);
  }

  getPodProxy(namespace: string, pod: string, port: number, path: string): Promise<string> {
    return this.#workloads.podProxy(namespace, pod, port, path);
  }

  applyNetworkPolicy(policy: NetworkPolicyApply, options: ApplyOptions): Promise<void> {
    return this.#workloads.applyNetworkPolicy(policy, options);
  }

  getLease(namespace: string, name: string): Promise<Lease | undefined> {
    return this.#leases.get(namespace, name);
  }

  createLease(lease: Lease): Promise<Lease> {
    return this.#leases.create(lease);
  }

  updateLease(lease: Lease): Promise<Lease> {
    return this.#leases.update(lease);
  }
}

/** The kubeconfig with `context` made current; an unknown name is an error that lists the known ones. */
function withContext(kc: KubeConfig, context: string | undefined): KubeConfig {
  if (context === undefined) return kc;
  const names = kc.getContexts().map((c) => c.name);
  if (!names.includes(context)) throw new Error(`--context ${JSON.stringify(context)}: no such context in the kubeconfig (it has ${names.join(', ') || 'none'})`);
  kc.setCurrentContext(context);
  return kc;
}
