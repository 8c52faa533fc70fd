import { merge, type Observable } from 'rxjs';
import { inOutputNamespace, type OperatorConfig } from '../config/operator-config.ts';
import { TRUST_LABEL } from '../discovery/tenancy.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ConfigMap, EndpointSlice, Namespace, Service } from '../kube/objects.ts';
import type { Reflector } from '../kube/reflector.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { BaseLayerSource } from '../toolset/base-layer.ts';
import type { OutputCache } from './output-cache.ts';
import type { ReconcileRequest } from './reconcile-step.ts';
import type { RelevantServices } from './relevant-services.ts';
import type { TrustLabels } from './trust-labels.ts';
import { baseLayerChanges, configMapChanges, serviceChanges, sliceChanges, trustChanges } from './watch-changes.ts';

type AnyReflector = Reflector<Service | ConfigMap | Namespace | EndpointSlice>;

/** consumer.base.configMap as namespace and name ("name" is in the output namespace), or undefined when unset. */
export function baseLayerRef(config: OperatorConfig): { namespace: string; name: string; key: string } | undefined {
  const { configMap, key } = config.consumer.base;
  if (!configMap) return undefined;
  return { ...inOutputNamespace(config, configMap), key };
}

/**
 * The watches the controller plans from: Services and the hand-written EndpointSlices of selector-less ones (one
 * watch each per included namespace, or cluster-wide), the output ConfigMap, the admin's base-layer ConfigMap (consumer.base), and, with tenancy.trustLabel on, the Namespaces
 * labelled trusted.
 */
export class Watches {
  readonly services: Reflector<Service>[];
  readonly slices: Reflector<EndpointSlice>[];
  readonly configMap: Reflector<ConfigMap>;
  readonly namespaces: Reflector<Namespace> | undefined;
  readonly base: Reflector<ConfigMap> | undefined;
  readonly #output: { namespace: string; name: string };
  readonly #base: { namespace: string; name: string; key: string } | undefined;

  constructor(kube: KubeClient, config: OperatorConfig) {
    const selector = config.labelSelector ? { labelSelector: config.labelSelector } : {};
    const { include } = config.namespaces;
    this.services = (include.length > 0 ? include.map((namespace) => ({ namespace, ...selector })) : [selector]).map((scope) => kube.watchServices(scope));
    this.slices = include.length > 0 ? include.map((namespace) => kube.watchEndpointSlices(namespace)) : [kube.watchEndpointSlices()];
    this.configMap = kube.watchConfigMaps(config.output.namespace, config.output.name);
    this.namespaces = config.tenancy.trustLabel ? kube.watchNamespaces(`${TRUST_LABEL}=true`) : undefined;
    this.#base = baseLayerRef(config);
    this.base = this.#base ? kube.watchConfigMaps(this.#base.namespace, this.#base.name) : undefined;
    this.#output = config.output;
  }

  all(): AnyReflector[] {
    return [...this.services, ...this.slices, this.configMap, ...(this.namespaces ? [this.namespaces] : []), ...(this.base ? [this.base] : [])] as AnyReflector[];
  }

  get synced(): boolean {
    return this.all().every((r) => r.synced);
  }

  /** The watches whose first list has not finished, for the readiness message. */
  unsynced(): string[] {
    return this.all().filter((r) => !r.synced).map((r) => r.description);
  }

  /** The output ConfigMap as its informer last saw it. */
  outputConfigMap(): ConfigMap | undefined {
    return this.configMap.get(this.#output.namespace, this.#output.name);
  }

  /** The base layer's text as its informer last saw it, or undefined when none is configured. */
  baseLayer(): BaseLayerSource | undefined {
    const ref = this.#base;
    if (!ref || !this.base) return undefined;
    const source = `ConfigMap ${ref.namespace}/${ref.name}, key ${ref.key}`;
    return { source, text: this.base.get(ref.namespace, ref.name)?.data[ref.key] };
  }

  /** The Service `namespace/name` as its watch last saw it, or undefined when none of the watches has it. */
  service(key: string): Service | undefined {
    const [namespace = '', name = ''] = key.split('/');
    for (const r of this.services) {
      const found = r.get(namespace, name);
      if (found) return found;
    }
    return undefined;
  }

  /** The hand-written EndpointSlices of the Service `namespace/name`, as their watches last saw them. */
  slicesOf(key: string): EndpointSlice[] {
    const [namespace = '', name = ''] = key.split('/');
    return this.slices.flatMap((r) => r.list()).filter((s) => s.metadata.namespace === namespace && s.service === name);
  }

  allServices(): Service[] {
    return this.services.flatMap((r) => r.list());
  }

  /** Every change that can alter the output, routed through the store, the read-your-writes cache and the trust set. */
  changes$(parts: { store: RelevantServices; output: OutputCache; trust: TrustLabels; metrics: Metrics; log: Logger }): Observable<ReconcileRequest> {
    const { store, output, trust, metrics, log } = parts;
    return merge(
      ...this.services.map((r) => serviceChanges(r, store, metrics, log)),
      ...this.slices.map((r) => sliceChanges(r, store, metrics, log)),
      configMapChanges(this.configMap, output, metrics, log),
      ...(this.namespaces ? [trustChanges(this.namespaces, trust, metrics, log)] : []),
      ...(this.base ? [baseLayerChanges(this.base, metrics, log)] : []),
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.all().map((r) => r.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((r) => r.stop()));
  }
}
