import type { ConfigMap, ConfigMapApply, ConsumerPod, EndpointSlice, EventRecord, Lease, Namespace, NetworkPolicyApply, Service } from './objects.ts';
import type { Reflector } from './reflector.ts';

export interface ServiceScope {
  /** One namespace, or all namespaces when absent. */
  namespace?: string;
  /** Applied to list and watch alike. */
  labelSelector?: string;
}

export interface ApplyOptions {
  fieldManager: string;
  /** Take over fields another manager owns (the operator's own key after a hand edit). */
  force?: boolean;
  /** Let the API server validate without persisting (dryRun=All). */
  dryRun?: boolean;
}

/**
 * Everything the operator asks of the API server. The client-node implementation is the only code that imports
 * @kubernetes/client-node; tests of the domain can supply their own.
 */
export interface KubeClient {
  /** The API server this client talks to, for logs. */
  readonly server: string;
  watchServices(scope: ServiceScope): Reflector<Service>;
  /** Watches the ConfigMaps of one namespace, optionally narrowed to one name. */
  watchConfigMaps(namespace: string, name?: string): Reflector<ConfigMap>;
  /**
   * Watches the EndpointSlices that the EndpointSlice controller did not write (those of selector-less Services,
   * written by hand or mirrored from Endpoints), in one namespace or all.
   */
  watchEndpointSlices(namespace?: string): Reflector<EndpointSlice>;
  /** Watches the Namespaces that carry a label selector's labels (cluster-scoped: needs a ClusterRole). */
  watchNamespaces(labelSelector: string): Reflector<Namespace>;
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  /** Server-side apply of the given fields; returns the object as stored. */
  applyConfigMap(configMap: ConfigMapApply, options: ApplyOptions): Promise<ConfigMap>;
  recordEvent(event: EventRecord, reportingController: string): Promise<void>;
  getLease(namespace: string, name: string): Promise<Lease | undefined>;
  /** Creates the Lease; a KubeApiError with status 409 when it already exists. */
  createLease(lease: Lease): Promise<Lease>;
  /** Replaces the Lease at `lease.resourceVersion`; a KubeApiError with status 409 when it changed since. */
  updateLease(lease: Lease): Promise<Lease>;
  /** The annotations of a Deployment's pod template, or undefined when there is no such Deployment. */
  getPodTemplateAnnotations(namespace: string, deployment: string): Promise<Record<string, string> | undefined>;
  /** Merges annotations into a Deployment's pod template, which rolls its pods. */
  annotatePodTemplate(namespace: string, deployment: string, annotations: Record<string, string>): Promise<void>;
  /** The pods a Deployment's selector selects, or undefined when there is no such Deployment. */
  listDeploymentPods(namespace: string, deployment: string): Promise<ConsumerPod[] | undefined>;
  /** Merges annotations into one pod's metadata (the kubelet syncs the pod, and with it its volumes). */
  annotatePod(namespace: string, pod: string, annotations: Record<string, string>): Promise<void>;
  /** One key of a Secret, decoded; undefined when the Secret or the key does not exist. */
  readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined>;
  /** A Deployment's pod selector (a LabelSelector), or undefined when there is no such Deployment. */
  getDeploymentSelector(namespace: string, deployment: string): Promise<Record<string, unknown> | undefined>;
  /** The pods a label selector selects in one namespace. */
  listPods(namespace: string, labelSelector: string): Promise<ConsumerPod[]>;
  /** GET `path` of one pod's `port` through the API server's pod proxy; the body as text. */
  getPodProxy(namespace: string, pod: string, port: number, path: string): Promise<string>;
  /** Server-side apply of a NetworkPolicy's labels, annotations and whole spec. */
  applyNetworkPolicy(policy: NetworkPolicyApply, options: ApplyOptions): Promise<void>;
}
