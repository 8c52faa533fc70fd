import type { ToolsetDefaults } from '../discovery/toolset-types.ts';

/**
 * Everything the operator can be told, already validated and in base units (milliseconds, bytes). Built from
 * config.schema.json (src/config/fields.ts); test/unit/config/schema-agreement.test.ts holds this type to the schema.
 */
export interface OperatorConfig {
  clusterDomain: string;
  namespaces: {
    /** Watch only these namespaces (one watch each); empty means all namespaces. */
    include: string[];
    exclude: string[];
  };
  /** Applied to the Service list and watch alike. */
  labelSelector?: string;
  autoDetect: boolean;
  endpoints: { allowedHosts: string[] };
  tenancy: {
    /** May claim built-in toolsets, besides the operator's own namespace. */
    trustedNamespaces: string[];
    /** Also trust namespaces labelled kubernaut.io/toolset-trusted=true (the operator then watches Namespaces). */
    trustLabel: boolean;
    /** Untrusted namespaces may publish MCP servers. */
    untrustedMcp: boolean;
    /** Untrusted namespaces' descriptions are written (as one plain line); false: dropped. */
    tenantDescriptions: boolean;
  };
  /** Admin-owned config per built-in type, merged under each annotation's config. */
  toolsetDefaults: ToolsetDefaults;
  health: {
    enabled: boolean;
    timeoutMs: number;
    concurrency: number;
    failureThreshold: number;
    /** Every candidate is checked again this often, besides resyncs and changes. */
    intervalMs: number;
    /** PEM bundle trusted for https targets in addition to the system CAs. */
    caFile?: string;
  };
  reconcile: {
    quietWindowMs: number;
    maxDelayMs: number;
    /** Relist from the API server and re-check everything this often. */
    resyncIntervalMs: number;
  };
  output: Omit<OutputTarget, 'dryRun'>;
  dryRun: boolean;
  http: {
    address: string;
    /** /healthz, /readyz, /status. */
    port: number;
    /** /metrics; the same number serves everything on one port. */
    metricsPort: number;
  };
  watch: {
    /** A watch silent for this long is restarted; twice this long and /healthz fails. */
    stallTimeoutMs: number;
  };
  leaderElection: {
    enabled: boolean;
    /** The Lease lives in the output namespace. */
    leaseName: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
  shutdownTimeoutMs: number;
  consumer: {
    /** The admin's base layer: HolmesGPT's own toolset file, written under the discovered toolsets' names. */
    base: {
      /** "name" in the output namespace, or "namespace/name"; empty: none. */
      configMap: string;
      key: string;
    };
    /** HolmesGPT's egress, allow-listed by the operator. */
    networkPolicy: {
      enabled: boolean;
      name: string;
      podSelector: Record<string, unknown>;
      dns: Record<string, unknown>[];
      egress: Record<string, unknown>[];
      ingress: Record<string, unknown>[];
    };
  };
  reload: {
    /** The consumer's Deployment ("name" in the output namespace, or "namespace/name"); empty: no reload. */
    deployment: string;
    inPlace: boolean;
    adminPort: number;
    hashPort: number;
    /** How a pod's new file is confirmed before HolmesGPT reloads it: its file-hash sidecar, or the content marker. */
    confirm: 'sidecar' | 'marker';
    confirmTimeoutMs: number;
    /** Least time between two rollouts of the consumer; changes meanwhile fold into one rollout at its end. */
    minIntervalMs: number;
    /** A Secret in the consumer's namespace holding HolmesGPT's API key (HOLMES_API_KEY); empty: none is sent. */
    apiKeySecret: string;
    apiKeySecretKey: string;
  };
}

/** The output ConfigMap and how it is written (output.*, and the top-level dryRun). */
export interface OutputTarget {
  namespace: string;
  name: string;
  /** The data key the operator owns, default toolset.yaml. */
  key: string;
  /** Take over an existing ConfigMap of that name that another tool created. */
  adopt: boolean;
  sizeBudgetBytes: number;
  /** Compute everything, write no ConfigMap (Events and the Lease are held back by LeaderGate.mayWrite). */
  dryRun: boolean;
}

/** A setting naming an object as "name" (in the output namespace) or "namespace/name": reload.deployment, consumer.base.configMap. */
export function inOutputNamespace(config: OperatorConfig, ref: string): { namespace: string; name: string } {
  const [namespace, name] = ref.includes('/') ? ref.split('/', 2) as [string, string] : [config.output.namespace, ref];
  return { namespace, name };
}
