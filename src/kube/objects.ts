/**
 * The Kubernetes objects the operator reads and writes, reduced to the fields it uses. The adapter converts
 * client-node's objects into these, so the domain neither imports the client nor depends on its classes.
 */
export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  /** RFC 3339, as the API server sends it. */
  creationTimestamp: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ServicePort {
  name?: string;
  port: number;
  /** The pods' port behind it (a number or a container port's name); absent: the same as `port`. */
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface Service {
  metadata: ObjectMeta;
  spec: {
    type: string;
    ports: ServicePort[];
    externalName?: string;
    clusterIP?: string;
    /** The pods it routes to; absent (or empty): its endpoints are whatever someone writes into EndpointSlices. */
    selector?: Record<string, string>;
  };
}

/**
 * A discovery.k8s.io/v1 EndpointSlice, reduced to what routing reads: the Service it belongs to and where it points.
 * Only slices not written by the EndpointSlice controller are watched (those of selector-less Services).
 */
export interface EndpointSlice {
  metadata: ObjectMeta;
  /** The Service it belongs to (label kubernetes.io/service-name), in the slice's namespace. */
  service: string;
  ports: { name?: string; port?: number; protocol?: string }[];
  endpoints: { addresses: string[]; targetRef?: { kind?: string; namespace?: string; name?: string } }[];
}

/** Namespaces are read for their labels only (the trust label, SPEC §6). */
export interface Namespace {
  metadata: ObjectMeta;
}

export interface ConfigMap {
  metadata: ObjectMeta;
  data: Record<string, string>;
}

/** What the operator writes of HolmesGPT's NetworkPolicy (the spec is the API's NetworkPolicySpec as is). */
export interface NetworkPolicyApply {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
}

/** What the operator writes: a ConfigMap reduced to the fields it owns under server-side apply. */
export interface ConfigMapApply {
  name: string;
  namespace: string;
  /** When set, the API server refuses the write (409) if the object changed since it was read. */
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data?: Record<string, string>;
}

/** A coordination.k8s.io/v1 Lease, as leader election reads and writes it. */
export interface Lease {
  name: string;
  namespace: string;
  /** Empty when read; required for an update (optimistic concurrency). */
  resourceVersion: string;
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 with microseconds. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

export interface ObjectReference {
  kind: 'Service' | 'ConfigMap' | 'Deployment' | 'Lease' | 'NetworkPolicy';
  apiVersion: string;
  name: string;
  namespace: string;
  uid?: string;
}

export interface EventRecord {
  regarding: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export function objectKey(meta: Pick<ObjectMeta, 'namespace' | 'name'>): string {
  return `${meta.namespace}/${meta.name}`;
}

/** A pod of the consumer Deployment, as the in-place reload needs it. */
export interface ConsumerPod {
  name: string;
  namespace: string;
  uid: string;
  /** Absent until the pod has a network. */
  ip?: string;
  /** Running, not terminating, and its Ready condition is True. */
  ready: boolean;
  annotations: Record<string, string>;
}
