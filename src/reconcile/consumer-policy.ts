import type { Candidate } from '../discovery/candidate.ts';
import type { ServicePods } from '../discovery/routing.ts';

/** A NetworkPolicy peer or rule as the API takes it; admin-given ones are passed through as they are. */
export type PolicyPeer = Record<string, unknown>;
export type PolicyRule = Record<string, unknown>;

/** The pods a written toolset's requests reach: its Service's namespace, selector and target port. */
export interface Backend {
  namespace: string;
  /** The pods' labels; empty: every pod of the namespace. */
  selector: Record<string, string>;
  port: number | string;
  protocol: string;
}

export interface ConsumerPolicySettings {
  namespace: string;
  name: string;
  /** HolmesGPT's pods (reload.deployment's selector, or the admin's). */
  podSelector: Record<string, unknown>;
  /** Where name lookups go (default: CoreDNS in kube-system). */
  dns: readonly PolicyPeer[];
  /** The admin's own egress rules: the API server, the LLM endpoint, CIDRs, the base layer's backends. */
  egress: readonly PolicyRule[];
  /** Who may reach HolmesGPT's pods; empty: ingress is not restricted by this policy. */
  ingress: readonly PolicyRule[];
}

/**
 * The pods each written toolset reaches, resolved through the Service its endpoint names: that Service's selector,
 * and the target port behind the endpoint's port (for a Service routed by Pod-naming EndpointSlices: every pod of
 * its namespace, on each port the slices give). A toolset whose endpoint names no Service (an allowed external
 * host of a trusted namespace) has no backend here: the admin's egress rules must cover it.
 */
export function backendsOf(written: readonly Candidate[], pods: (key: string) => ServicePods | undefined): { backends: Backend[]; uncovered: string[] } {
  const backends: Backend[] = [];
  const uncovered: string[] = [];
  for (const c of written) {
    const target = c.target ? pods(`${c.target.namespace}/${c.target.name}`) : undefined;
    const url = new URL(c.endpoint);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const servicePorts = target?.ports.filter((p) => p.port === port) ?? [];
    if (!c.target || servicePorts.length === 0) {
      uncovered.push(c.toolset);
      continue;
    }
    for (const p of servicePorts) backends.push({ namespace: c.target.namespace, selector: target?.selector ?? {}, port: p.targetPort ?? port, protocol: p.protocol ?? 'TCP' });
  }
  return { backends, uncovered: uncovered.sort() };
}

/** One egress rule per set of pods (namespace and labels) behind the written toolsets, with all their ports; sorted. */
export function backendRules(backends: readonly Backend[]): PolicyRule[] {
  const byPeer = new Map<string, { peer: PolicyPeer; ports: Map<string, { port: number | string; protocol: string }> }>();
  for (const b of backends) {
    const peer = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': b.namespace } },
      podSelector: { matchLabels: sortedLabels(b.selector) },
    };
    const key = JSON.stringify(peer);
    const entry = byPeer.get(key) ?? { peer, ports: new Map() };
    entry.ports.set(`${b.protocol}/${String(b.port)}`, { port: b.port, protocol: b.protocol });
    byPeer.set(key, entry);
  }
  return [...byPeer.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, { peer, ports }]) => ({
    to: [peer],
    ports: [...ports.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p),
  }));
}

/**
 * HolmesGPT's egress, allow-listed: DNS, the admin's own rules, and exactly the pods behind the written toolsets;
 * nothing else in the cluster, nothing link-local, nothing outside unless the admin lists it. Deterministic (sorted,
 * duplicates merged), so an unchanged set of toolsets gives byte-identical specs and no write.
 */
export function consumerPolicy(backends: readonly Backend[], settings: ConsumerPolicySettings): Record<string, unknown> {
  const toolsetRules = backendRules(backends);
  const dns = settings.dns.length > 0 ? [{ to: [...settings.dns], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }] : [];
  return {
    podSelector: settings.podSelector,
    policyTypes: settings.ingress.length > 0 ? ['Ingress', 'Egress'] : ['Egress'],
    ...(settings.ingress.length > 0 ? { ingress: [...settings.ingress] } : {}),
    egress: [...dns, ...settings.egress, ...toolsetRules],
  };
}

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
