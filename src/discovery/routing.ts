import type { Service } from '../kube/objects.ts';
import { objectKey } from '../kube/objects.ts';
import type { Candidate, Rejection } from './candidate.ts';

/**
 * What decides where a Service's traffic really goes: an ExternalName Service is a DNS alias to any host, and a
 * Service without a selector routes to whatever addresses someone wrote into its EndpointSlices. Kept for every
 * Service (not only annotated ones), as a short string so a change is one comparison.
 */
export type RouteFact = `ExternalName:${string}` | 'selector' | 'no-selector';

export function routeFact(service: Service): RouteFact {
  if (service.spec.type === 'ExternalName') return `ExternalName:${service.spec.externalName ?? ''}`;
  return service.spec.selector && Object.keys(service.spec.selector).length > 0 ? 'selector' : 'no-selector';
}

/** The pods a Service with a selector routes to, and its ports: what a NetworkPolicy must allow to reach it. */
export interface ServicePods {
  selector: Record<string, string>;
  ports: { port: number; targetPort?: number | string; protocol?: string }[];
}

export function servicePods(service: Service): ServicePods | undefined {
  const { selector, ports, type } = service.spec;
  if (type === 'ExternalName' || !selector || Object.keys(selector).length === 0) return undefined;
  return {
    selector,
    ports: ports.map((p) => ({ port: p.port, ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })),
  };
}

/** The route fact of the Service `namespace/name`, or undefined when the operator sees no such Service. */
export type RouteLookup = (key: string) => RouteFact | undefined;

export function routeLookup(services: Iterable<Service>): RouteLookup {
  const facts = new Map<string, RouteFact>();
  for (const s of services) facts.set(objectKey(s.metadata), routeFact(s));
  return (key) => facts.get(key);
}

/** The candidates whose traffic stays where their trust allows, and a rejection for each of the others. */
export function routedCandidates(candidates: readonly Candidate[], routes: RouteLookup): { candidates: Candidate[]; rejections: Rejection[] } {
  const kept: Candidate[] = [];
  const rejections: Rejection[] = [];
  for (const c of candidates) {
    const refused = routeRejection(c, routes);
    if (refused) rejections.push(refused);
    else kept.push(c);
  }
  return { candidates: kept, rejections };
}

/**
 * An untrusted namespace's toolset must reach pods of that namespace and nothing else (SPEC §6): its endpoint's
 * Service must exist, must not be ExternalName, and must select pods. The endpoint policy already keeps the host
 * inside the namespace; this closes the two ways a Service of the namespace can still lead out of it. Trusted
 * namespaces are the admins' and may point anywhere the policy allows.
 */
export function routeRejection(c: Candidate, routes: RouteLookup): Rejection | undefined {
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
  if (fact === 'no-selector') {
    return refuse(`the endpoint names Service ${target}${itself}, which has no selector: its endpoints are written by hand and may point anywhere; from an untrusted namespace it must select pods of the namespace`);
  }
  return undefined;
}
