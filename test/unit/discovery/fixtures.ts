import type { Candidate } from '../../../src/discovery/candidate.ts';
import { detect, type DetectionOptions } from '../../../src/discovery/detect.ts';
import type { Tenancy } from '../../../src/discovery/tenancy.ts';
import type { ShortType } from '../../../src/discovery/toolset-types.ts';
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

/** The candidate detect() makes of `svc`; throws, saying what detect() returned instead, if that is not a candidate. */
export function detectedCandidate(svc: Service, options: DetectionOptions = detectionOptions()): Candidate {
  const d = detect(svc, options);
  if (d.kind !== 'candidate') {
    throw new Error(`fixture Service ${svc.metadata.namespace}/${svc.metadata.name} is not a candidate: detect() returned ${JSON.stringify(d)}`);
  }
  return d.candidate;
}

export interface CandidateInput {
  type: ShortType;
  namespace?: string;
  /** The Service's name; the type's name unless told. */
  name?: string;
  priority?: number;
  createdAt?: string;
  /** kubernaut.io/toolset-endpoint; without it the endpoint comes from the Service's port (http/8080). */
  endpoint?: string;
  /** kubernaut.io/toolset-config, as JSON (key order kept). */
  config?: Record<string, unknown>;
  description?: string;
  /**
   * A config that detect() refuses as kubernaut.io/toolset-config (a key off the allow-list, a wrong value), put on
   * the detected candidate afterwards: for tests of the checks rendering repeats. Throws if detect() accepts it.
   */
  refusedConfig?: Record<string, unknown>;
}

/** The opted-in Service a candidate fixture is detected from, in a trusted namespace. */
export function candidateService(input: CandidateInput): Service {
  const annotations: Record<string, string> = {};
  if (input.endpoint !== undefined) annotations['kubernaut.io/toolset-endpoint'] = input.endpoint;
  if (input.config !== undefined) annotations['kubernaut.io/toolset-config'] = JSON.stringify(input.config);
  if (input.priority !== undefined) annotations['kubernaut.io/toolset-priority'] = String(input.priority);
  if (input.description !== undefined) annotations['kubernaut.io/toolset-description'] = input.description;
  return service({
    namespace: input.namespace ?? 'ns',
    name: input.name ?? input.type,
    ...(input.createdAt !== undefined ? { createdAt: input.createdAt } : {}),
    annotations: optIn(input.type, annotations),
  });
}

/**
 * A candidate for claims, rendering and planning, obtained from the real detect() on an opted-in Service: its
 * toolset name, endpoint and health URL are whatever detection derives, never recomputed here.
 */
export function candidate(input: CandidateInput): Candidate {
  const { refusedConfig, ...asAnnotated } = input;
  const detected = detectedCandidate(candidateService(asAnnotated));
  if (refusedConfig === undefined) return detected;
  const d = detect(candidateService({ ...asAnnotated, config: refusedConfig }), detectionOptions());
  if (d.kind !== 'rejected' || !['ConfigKeyNotAllowed', 'InvalidConfig'].includes(d.rejection.reason)) {
    throw new Error(`fixture refusedConfig ${JSON.stringify(refusedConfig)} is not refused by detect(), which returned ${JSON.stringify(d)}; pass it as config`);
  }
  return { ...detected, config: refusedConfig };
}
