import type { Candidate } from '../../../src/discovery/candidate.ts';
import type { DetectionOptions } from '../../../src/discovery/detect.ts';
import type { Tenancy } from '../../../src/discovery/tenancy.ts';
import type { ShortType } from '../../../src/discovery/toolset-types.ts';
import { TYPE_SPECS } from '../../../src/discovery/toolset-types.ts';
import type { Service, ServicePort } from '../../../src/kube/objects.ts';

export interface ServiceInput {
  name?: string;
  namespace?: string;
  uid?: string;
  createdAt?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ports?: ServicePort[];
  type?: string;
  externalName?: string;
}

/** A Service as the adapter hands it to the domain; one TCP port named http/8080 unless told otherwise. */
export function service(input: ServiceInput = {}): Service {
  const name = input.name ?? 'svc';
  const namespace = input.namespace ?? 'ns';
  return {
    metadata: {
      name,
      namespace,
      uid: input.uid ?? `uid-${namespace}-${name}`,
      resourceVersion: '1',
      creationTimestamp: input.createdAt ?? '2024-01-01T00:00:00Z',
      labels: input.labels ?? {},
      annotations: input.annotations ?? {},
    },
    spec: {
      type: input.type ?? 'ClusterIP',
      ports: input.ports ?? [{ name: 'http', port: 8080, protocol: 'TCP' }],
      ...(input.externalName !== undefined ? { externalName: input.externalName } : {}),
    },
  };
}

/** Annotations that opt a Service in with the given type, plus any extra ones. */
export function optIn(type: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': type, ...extra };
}

/** Every namespace trusted: for tests of rules other than tenancy (a single-team cluster). */
export const TRUST_ALL: Tenancy = { isTrusted: () => true, howToTrust: () => '' };

export function detectionOptions(overrides: { allowedHosts?: string[]; clusterDomain?: string; autoDetect?: boolean; tenancy?: Tenancy } = {}): DetectionOptions {
  return {
    policy: { clusterDomain: overrides.clusterDomain ?? 'cluster.local', allowedHosts: overrides.allowedHosts ?? [] },
    autoDetect: overrides.autoDetect ?? false,
    tenancy: overrides.tenancy ?? TRUST_ALL,
  };
}

/** A candidate built by hand (for claims and rendering), with the same derived fields detect() would give it. */
export function candidate(input: {
  type: ShortType;
  namespace?: string;
  name?: string;
  priority?: number;
  createdAt?: string;
  endpoint?: string;
  config?: Record<string, unknown>;
  description?: string;
}): Candidate {
  const namespace = input.namespace ?? 'ns';
  const name = input.name ?? input.type;
  const spec = TYPE_SPECS[input.type];
  const endpoint = input.endpoint ?? `http://${name}.${namespace}.svc.cluster.local:${spec.portNumber ?? 8080}`;
  const c: Candidate = {
    service: { namespace, name, uid: `uid-${namespace}-${name}` },
    key: `${namespace}/${name}`,
    type: input.type,
    toolset: spec.builtin ?? `${input.type}/${namespace}/${name}`,
    builtin: spec.builtin !== undefined,
    endpoint,
    healthUrl: `${endpoint}${spec.healthPath}`,
    config: input.config ?? {},
    priority: input.priority ?? 0,
    createdAt: input.createdAt ?? '2024-01-01T00:00:00Z',
    autoDetected: false,
  };
  if (input.description !== undefined) c.description = input.description;
  return c;
}
