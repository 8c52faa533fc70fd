import type { CoreV1Api, V1Service } from '@kubernetes/client-node';

export interface ServiceSpec {
  name: string;
  type?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[];
  /** Sets kubernaut.io/toolset-endpoint (a local HTTP target in most tests). */
  endpoint?: string;
  /** Leave out kubernaut.io/toolset: enabled. */
  optIn?: boolean;
  /** The pods it selects; default {app: <name>}, null for none (endpoints by hand). */
  selector?: Record<string, string> | null;
}

export function annotatedService(namespace: string, s: ServiceSpec): V1Service {
  const annotations: Record<string, string> = {
    ...(s.optIn === false ? {} : { 'kubernaut.io/toolset': 'enabled' }),
    ...(s.type ? { 'kubernaut.io/toolset-type': s.type } : {}),
    ...(s.endpoint ? { 'kubernaut.io/toolset-endpoint': s.endpoint } : {}),
    ...s.annotations,
  };
  return {
    metadata: { name: s.name, namespace, annotations, ...(s.labels ? { labels: s.labels } : {}) },
    spec: {
      ports: s.ports ?? [{ name: 'http', port: 80 }],
      ...(s.selector === null ? {} : { selector: s.selector ?? { app: s.name } }),
    },
  };
}

export async function createServices(core: CoreV1Api, namespace: string, specs: ServiceSpec[]): Promise<void> {
  await Promise.all(specs.map((s) => core.createNamespacedService({ namespace, body: annotatedService(namespace, s) })));
}

/** Merges annotations into a Service (null removes one), the way kubectl annotate does. */
export async function annotate(core: CoreV1Api, namespace: string, name: string, annotations: Record<string, string | null>): Promise<void> {
  const { setHeaderOptions, PatchStrategy } = await import('@kubernetes/client-node');
  await core.patchNamespacedService(
    { namespace, name, body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
