import type { V1ConfigMap, V1EndpointSlice, V1LabelSelector, V1ObjectMeta, V1Pod, V1Service } from '@kubernetes/client-node';
import type { ConfigMap, ConsumerPod, EndpointSlice, Namespace, ObjectMeta, Service } from './objects.ts';

// Type-only imports: converting manifests (the offline render command) loads no client at run time.

function timestamp(value: unknown): string {
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  return typeof value === 'string' ? value : '';
}

function toMeta(meta: V1ObjectMeta | undefined): ObjectMeta {
  return {
    name: meta?.name ?? '',
    namespace: meta?.namespace ?? '',
    uid: meta?.uid ?? '',
    resourceVersion: meta?.resourceVersion ?? '',
    creationTimestamp: timestamp(meta?.creationTimestamp),
    labels: meta?.labels ?? {},
    annotations: meta?.annotations ?? {},
  };
}

/** Accepts a typed list item or a raw watch object (same shape, but dates as strings). */
export function toService(raw: unknown): Service {
  const svc = raw as V1Service;
  return {
    metadata: toMeta(svc.metadata),
    spec: {
      type: svc.spec?.type ?? 'ClusterIP',
      ports: (svc.spec?.ports ?? []).map((p) => ({
        port: p.port,
        ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
        ...(p.name ? { name: p.name } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      })),
      ...(svc.spec?.externalName ? { externalName: svc.spec.externalName } : {}),
      ...(svc.spec?.clusterIP ? { clusterIP: svc.spec.clusterIP } : {}),
      ...(svc.spec?.selector && Object.keys(svc.spec.selector).length > 0 ? { selector: svc.spec.selector } : {}),
    },
  };
}

export function toConfigMap(raw: unknown): ConfigMap {
  const cm = raw as V1ConfigMap;
  return { metadata: toMeta(cm.metadata), data: cm.data ?? {} };
}

/** A manifest's list field, or none when it is missing or not a list (render reads hand-written manifests). */
const listOf = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function toEndpointSlice(raw: unknown): EndpointSlice {
  const slice = raw as V1EndpointSlice;
  const metadata = toMeta(slice.metadata);
  return {
    metadata,
    service: metadata.labels[SERVICE_NAME_LABEL] ?? '',
    ports: listOf(slice.ports).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      ...(p.port !== undefined ? { port: p.port } : {}),
      ...(p.protocol ? { protocol: p.protocol } : {}),
    })),
    endpoints: listOf(slice.endpoints).map((e) => ({
      addresses: listOf(e.addresses).filter((a): a is string => typeof a === 'string'),
      ...(e.targetRef ? { targetRef: { kind: e.targetRef.kind, namespace: e.targetRef.namespace, name: e.targetRef.name } } : {}),
    })),
  };
}

export function toNamespace(raw: unknown): Namespace {
  return { metadata: toMeta((raw as { metadata?: V1ObjectMeta }).metadata) };
}

export function toConsumerPod(pod: V1Pod): ConsumerPod {
  const meta = toMeta(pod.metadata);
  const ready = pod.metadata?.deletionTimestamp === undefined && pod.status?.phase === 'Running' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const ip = pod.status?.podIP;
  return { name: meta.name, namespace: meta.namespace, uid: meta.uid, ready, annotations: meta.annotations, ...(ip ? { ip } : {}) };
}

/** A Deployment's selector as a list selector; a Deployment without one would select every pod, so that is refused. */
export function labelSelectorText(selector: V1LabelSelector | undefined): string {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    if (operator === 'In' || operator === 'NotIn') terms.push(`${key} ${operator.toLowerCase()} (${values.join(',')})`);
    else if (operator === 'Exists') terms.push(key);
    else if (operator === 'DoesNotExist') terms.push(`!${key}`);
    else throw new Error(`unsupported label selector operator ${JSON.stringify(operator)}`);
  }
  if (terms.length === 0) throw new Error('the Deployment has an empty selector');
  return terms.join(',');
}
