import type { Detection } from '../discovery/candidate.ts';
import { detect, type DetectionOptions } from '../discovery/detect.ts';
import { routeFact, servicePods, type RouteFact, type RouteLookup, type ServicePods } from '../discovery/routing.ts';
import type { EndpointSlice, Service } from '../kube/objects.ts';
import { objectKey } from '../kube/objects.ts';

/**
 * The Service store the controller plans from: only the Services whose detection is not "ignored", each as last
 * seen. Most Services in a cluster are not ours, and a change to one of them (or a label or status change on one
 * of ours that detection ignores) must not hold the debounce's quiet window open: with 50 unrelated changes a
 * second the window would never close and every reaction would wait for the maximum delay. The detection result is
 * the fingerprint, so what counts as relevant is exactly what detection reads, and a plan detects the few thousand
 * Services that matter instead of every Service in the cluster.
 *
 * Where every Service routes (its type, its selector and ports, and for a selector-less one its hand-written
 * EndpointSlices) is kept too: an untrusted toolset's endpoint may name a Service that is not annotated, and a change
 * of that Service's route changes the toolset's verdict (and the pods HolmesGPT's egress policy allows).
 */
export class RelevantServices {
  readonly #options: DetectionOptions;
  /** Any Service the operator watches, and a Service's hand-written EndpointSlices, as the watch caches hold them now. */
  readonly #serviceOf: (key: string) => Service | undefined;
  readonly #slicesOf: (key: string) => EndpointSlice[];
  readonly #relevant = new Map<string, { fingerprint: string; service: Service; target: string | undefined }>();
  /** How many relevant Services' endpoints name each Service (namespace/name). */
  readonly #targeted = new Map<string, number>();
  /**
   * The route of each targeted Service, and (routed to pods) its pods and ports; `text` compares two at once. Kept for
   * the Services some endpoint names only: a cluster's other Services never need one.
   */
  readonly #routes = new Map<string, { fact: RouteFact; pods: ServicePods | undefined; text: string }>();

  constructor(options: DetectionOptions, caches: { serviceOf: (key: string) => Service | undefined; slicesOf: (key: string) => EndpointSlice[] }) {
    this.#options = options;
    this.#serviceOf = caches.serviceOf;
    this.#slicesOf = caches.slicesOf;
  }

  /**
   * Records the event and returns true when the Service's detection result changed (in, out, or different), or
   * when the route of a Service that a relevant endpoint names changed.
   */
  changed(type: 'added' | 'modified' | 'deleted', service: Service): boolean {
    const key = objectKey(service.metadata);
    const previous = this.#relevant.get(key);
    const routeBefore = this.#routes.get(key)?.text;
    let after: string | undefined;
    this.#forget(key);
    if (type !== 'deleted') {
      const detection = detect(service, this.#options);
      after = detection.kind === 'ignored' ? undefined : JSON.stringify(detection);
      if (after !== undefined) this.#remember(key, { fingerprint: after, service, target: targetOf(detection) });
    }
    if (this.#targeted.has(key)) this.#route(key, type === 'deleted' ? undefined : service);
    const routeChanged = this.#targeted.has(key) && routeBefore !== this.#routes.get(key)?.text;
    return previous?.fingerprint !== after || routeChanged;
  }

  /**
   * A hand-written EndpointSlice changed (its watch cache already holds the change): true when that changed the route
   * of a Service that a relevant endpoint names.
   */
  sliceChanged(slice: EndpointSlice): boolean {
    const key = objectKey({ namespace: slice.metadata.namespace, name: slice.service });
    if (!this.#targeted.has(key)) return false;
    const before = this.#routes.get(key)?.text;
    this.#route(key, this.#serviceOf(key));
    return before !== this.#routes.get(key)?.text;
  }

  #route(key: string, service: Service | undefined): void {
    if (!service) {
      this.#routes.delete(key);
      return;
    }
    const slices = this.#slicesOf(key);
    const fact = routeFact(service, slices);
    const pods = servicePods(service, slices, fact);
    this.#routes.set(key, { fact, pods, text: JSON.stringify([fact, pods]) });
  }

  /** Where each Service some relevant endpoint names routes (for the plan's routing check). */
  routes(): RouteLookup {
    return (key) => this.#routes.get(key)?.fact;
  }

  /** The pods and ports behind each Service some relevant endpoint names (for HolmesGPT's egress policy). */
  pods(): (key: string) => ServicePods | undefined {
    return (key) => this.#routes.get(key)?.pods;
  }

  #remember(key: string, entry: { fingerprint: string; service: Service; target: string | undefined }): void {
    this.#relevant.set(key, entry);
    const { target } = entry;
    if (target === undefined) return;
    const count = this.#targeted.get(target) ?? 0;
    this.#targeted.set(target, count + 1);
    // A Service newly named: its route as the watch cache has it (this very Service when it names itself).
    if (count === 0) this.#route(target, target === key ? entry.service : this.#serviceOf(target));
  }

  #forget(key: string): void {
    const target = this.#relevant.get(key)?.target;
    this.#relevant.delete(key);
    if (target === undefined) return;
    const left = (this.#targeted.get(target) ?? 1) - 1;
    if (left > 0) {
      this.#targeted.set(target, left);
    } else {
      this.#targeted.delete(target);
      this.#routes.delete(target);
    }
  }

  /** Detection itself changed (the trust labels did): every Service is judged again. */
  reconsider(services: readonly Service[]): void {
    for (const service of services) this.changed('modified', service);
  }

  /** The Services that matter (candidates or rejections), each as last seen. */
  services(): Service[] {
    return [...this.#relevant.values()].map((r) => r.service);
  }

  get size(): number {
    return this.#relevant.size;
  }
}

function targetOf(detection: Detection): string | undefined {
  const target = detection.kind === 'candidate' ? detection.candidate.target : undefined;
  return target ? `${target.namespace}/${target.name}` : undefined;
}
