import type { V1ConfigMap, V1ObjectMeta, V1Service } from '@kubernetes/client-node';
import type { ConfigMap, Namespace, ObjectMeta, Service } from './objects.ts';

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
        ...(p.name ? { name: p.name } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      })),
      ...(svc.spec?.externalName ? { externalName: svc.spec.externalName } : {}),
      ...(svc.spec?.clusterIP ? { clusterIP: svc.spec.clusterIP } : {}),
    },
  };
}

export function toConfigMap(raw: unknown): ConfigMap {
  const cm = raw as V1ConfigMap;
  return { metadata: toMeta(cm.metadata), data: cm.data ?? {} };
}

export function toNamespace(raw: unknown): Namespace {
  return { metadata: toMeta((raw as { metadata?: V1ObjectMeta }).metadata) };
}
