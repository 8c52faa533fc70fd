import { CoordinationV1Api, type KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { toKubeApiError } from '../errors.ts';
import type { Lease } from '../objects.ts';
import { readOrUndefined } from './api-calls.ts';

/** The Lease of leader election: read, created and replaced at a resourceVersion. */
export class ClientNodeLeases {
  readonly #coordination: CoordinationV1Api;

  constructor(kc: KubeConfig) {
    this.#coordination = kc.makeApiClient(CoordinationV1Api);
  }

  async get(namespace: string, name: string): Promise<Lease | undefined> {
    const raw = await readOrUndefined(`Lease ${namespace}/${name}`, () => this.#coordination.readNamespacedLease({ namespace, name }));
    return raw && toLease(raw);
  }

  async create(lease: Lease): Promise<Lease> {
    try {
      return toLease(await this.#coordination.createNamespacedLease({ namespace: lease.namespace, body: fromLease(lease) }));
    } catch (error) {
      throw toKubeApiError(`create Lease ${lease.namespace}/${lease.name}`, error);
    }
  }

  async update(lease: Lease): Promise<Lease> {
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
