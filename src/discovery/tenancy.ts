import type { Namespace } from '../kube/objects.ts';

/**
 * Who may claim what (SPEC §6). Whoever can annotate a Service in a namespace is a tenant of that namespace and may
 * be hostile; only trusted namespaces may claim HolmesGPT's built-in toolsets (and so also switch kubernetes/logs
 * off). Others may publish custom and Jaeger toolsets that reach Services of their own namespace only.
 */
export const TRUST_LABEL = 'kubernaut.io/toolset-trusted';

export interface Tenancy {
  isTrusted(namespace: string): boolean;
  /** What a cluster admin does to trust a namespace, for the message of a refused claim. */
  howToTrust(namespace: string): string;
}

export interface TenancySources {
  /** The operator's own namespace: always trusted (only its admins can create Services there). */
  ownNamespace: string;
  /** tenancy.trustedNamespaces. */
  trustedNamespaces: readonly string[];
  /** Namespaces labelled kubernaut.io/toolset-trusted=true, or undefined when the label is not in use. */
  labelled: (() => ReadonlySet<string>) | undefined;
}

/** The names of the Namespaces that carry the trust label with the value "true". */
export function trustedByLabel(namespaces: readonly Namespace[]): Set<string> {
  return new Set(namespaces.filter((n) => n.metadata.labels[TRUST_LABEL] === 'true').map((n) => n.metadata.name));
}

export function tenancy(sources: TenancySources): Tenancy {
  const listed = new Set([sources.ownNamespace, ...sources.trustedNamespaces]);
  return {
    isTrusted: (namespace) => listed.has(namespace) || (sources.labelled?.().has(namespace) ?? false),
    howToTrust: (namespace) => {
      const byList = `add it to tenancy.trustedNamespaces (Helm value tenancy.trustedNamespaces)`;
      return sources.labelled
        ? `${byList}, or label it: kubectl label namespace ${namespace} ${TRUST_LABEL}=true`
        : `${byList}, or turn on tenancy.trustLabel (Helm value tenancy.trustLabel=true) and label it: kubectl label namespace ${namespace} ${TRUST_LABEL}=true`;
    },
  };
}

