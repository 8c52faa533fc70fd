import type { EndpointSlice, Service, ServicePort } from '../kube/objects.ts';
import { objectKey } from '../kube/objects.ts';
import type { Candidate, Rejection } from './candidate.ts';
import { quote } from './rejected.ts';

/**
 * What decides where a Service's traffic really goes: an ExternalName Service is a DNS alias to any host, and a
 * Service without a selector routes to whatever addresses someone wrote into its EndpointSlices. Kept for every
 * Service (not only annotated ones), as a short string so a change is one comparison:
 * - `selector`: the Service selects pods;
 * - `slices`: no selector, and every endpoint of its hand-written EndpointSlices names a Pod of its own namespace
 *   (a claim the API server does not check against the address; see routeRejection);
 * - `no-selector:<why>`: no selector, and its endpoints are not (or not all) Pods of its namespace.
 */
export type RouteFact = `ExternalName:${string}` | 'selector' | 'slices' | `no-selector:${string}`;

/** A tenant's value in a message: as it is when it is a plain name or address, else quoted and shortened. */
const shown = (value: string) => (/^[A-Za-z0-9.:_-]{1,253}$/.test(value) ? value : quote(value));

/** The route of `service`; `slices` are the EndpointSlices labelled with its name (only read without a selector). */
export function routeFact(service: Service, slices: readonly EndpointSlice[] = []): RouteFact {
  if (service.spec.type === 'ExternalName') return `ExternalName:${service.spec.externalName ?? ''}`;
  if (Object.keys(service.spec.selector ?? {}).length > 0) return 'selector';
  const { namespace } = service.metadata;
  const endpoints = slices.flatMap((slice) => slice.endpoints.map((e) => ({ slice: slice.metadata.name, ...e })));
  if (endpoints.length === 0) return 'no-selector:has no EndpointSlices with endpoints';
  for (const e of endpoints) {
    const at = `its EndpointSlice ${namespace}/${shown(e.slice)} points at ${e.addresses.map(shown).join(', ') || 'no address'}`;
    const ref = e.targetRef;
    if (ref?.kind !== 'Pod' || !ref.name) return `no-selector:${at}, which names no Pod`;
    if ((ref.namespace ?? namespace) !== namespace) return `no-selector:${at} as Pod ${shown(ref.namespace ?? '')}/${shown(ref.name)}, outside namespace ${namespace}`;
  }
  return 'slices';
}

/**
 * The pods a Service routes to, and its ports: what a NetworkPolicy must allow to reach it. With a selector, the
 * selected pods and each port's target port; with Pod-naming EndpointSlices (`slices`), every pod of the namespace
 * (a NetworkPolicy cannot name pods) on the slices' ports, matched to the Service's ports by name.
 */
export interface ServicePods {
  selector: Record<string, string>;
  ports: { port: number; targetPort?: number | string; protocol?: string }[];
}

export function servicePods(service: Service, slices: readonly EndpointSlice[] = [], fact: RouteFact = routeFact(service, slices)): ServicePods | undefined {
  const { selector, ports } = service.spec;
  const own = (p: ServicePort) => ({ ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) });
  if (fact === 'selector') return { selector: selector ?? {}, ports: ports.map((p) => ({ port: p.port, ...own(p) })) };
  if (fact !== 'slices') return undefined;
  const sliced = new Map<string, ServicePods['ports'][number]>();
  for (const p of ports) {
    for (const sp of slices.flatMap((slice) => slice.ports)) {
      if ((sp.name ?? '') !== (p.name ?? '') || sp.port === undefined) continue;
      const entry = { port: p.port, targetPort: sp.port, protocol: sp.protocol ?? p.protocol ?? 'TCP' };
      sliced.set(JSON.stringify(entry), entry);
    }
  }
  return { selector: {}, ports: [...sliced.values()] };
}

/** The route fact of the Service `namespace/name`, or undefined when the operator sees no such Service. */
export type RouteLookup = (key: string) => RouteFact | undefined;

/** The routes of `services`, with the EndpointSlices given (for the selector-less ones). */
export function routeLookup(services: Iterable<Service>, slices: Iterable<EndpointSlice> = []): RouteLookup {
  const bySlice = slicesByService(slices);
  const facts = new Map<string, RouteFact>();
  for (const s of services) facts.set(objectKey(s.metadata), routeFact(s, bySlice.get(objectKey(s.metadata)) ?? []));
  return (key) => facts.get(key);
}

/** EndpointSlices grouped by their Service (namespace/name). */
export function slicesByService(slices: Iterable<EndpointSlice>): Map<string, EndpointSlice[]> {
  const by = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    if (!slice.service) continue;
    const key = objectKey({ namespace: slice.metadata.namespace, name: slice.service });
    by.set(key, [...(by.get(key) ?? []), slice]);
  }
  return by;
}

/** The candidates whose traffic stays where their trust allows, and a rejection for each of the others. */
export function routedCandidates(candidates: readonly Candidate[], routes: RouteLookup, options: RoutingOptions = { slicesConfined: false }): { candidates: Candidate[]; rejections: Rejection[] } {
  const kept: Candidate[] = [];
  const rejections: Rejection[] = [];
  for (const c of candidates) {
    const refused = routeRejection(c, routes, options);
    if (refused) rejections.push(refused);
    else kept.push(c);
  }
  return { candidates: kept, rejections };
}

export interface RoutingOptions {
  /**
   * The operator owns HolmesGPT's egress NetworkPolicy (consumer.networkPolicy), which lets HolmesGPT reach a
   * `slices` Service's namespace only: an EndpointSlice's address is written by hand, and the API server does not
   * check it against the Pod its targetRef names, so without the policy nothing confines where it leads.
   */
  slicesConfined: boolean;
}

/**
 * An untrusted namespace's toolset must reach pods of that namespace and nothing else (SPEC §6): its endpoint's
 * Service must exist, must not be ExternalName, and must select pods, or (with the egress policy confining it) have
 * EndpointSlices that name only Pods of the namespace. The endpoint policy already keeps the host inside the
 * namespace; this closes the ways a Service of the namespace can still lead out of it. Trusted namespaces are the
 * admins' and may point anywhere the policy allows.
 */
export function routeRejection(c: Candidate, routes: RouteLookup, options: RoutingOptions = { slicesConfined: false }): Rejection | undefined {
  if (c.trusted) return undefined;
  const refuse = (message: string): Rejection => ({ service: c.service, key: c.key, reason: 'RouteNotAllowed', message });
  if (!c.target) return refuse(`the endpoint ${c.endpoint} names no Service; an untrusted namespace's endpoint must be a Service of its own namespace`);
  const target = `${c.target.namespace}/${c.target.name}`;
  const fact = routes(target);
  const itself = target === c.key ? ' (this Service itself)' : '';
  if (fact === undefined) return refuse(`the endpoint names Service ${target}${itself}, which does not exist (or is outside the watched Services)`);
  if (fact.startsWith('ExternalName:')) {
    return refuse(`the endpoint names Service ${target}${itself} of type ExternalName (an alias of ${fact.slice('ExternalName:'.length) || 'nothing'}); from an untrusted namespace it must select pods of the namespace`);
  }
  if (fact.startsWith('no-selector:')) {
    return refuse(`the endpoint names Service ${target}${itself}, which has no selector and ${fact.slice('no-selector:'.length)}; from an untrusted namespace its endpoints must be Pods of the namespace`);
  }
  if (fact === 'slices' && !options.slicesConfined) {
    return refuse(`the endpoint names Service ${target}${itself}, which has no selector: its EndpointSlices name Pods of the namespace, but their addresses are written by hand and the API server does not check them; enable consumer.networkPolicy so the network confines HolmesGPT to the namespace's pods`);
  }
  return undefined;
}
