import { isNamespaceName, isServiceName } from './manifest.ts';

/**
 * What each short type becomes in HolmesGPT. Toolset names and config keys follow the HolmesGPT release pinned in
 * tools/holmesgpt/versions.env (0.45.0); docs/holmesgpt-compatibility.md records how they were checked.
 */
export type ShortType =
  | 'prometheus' | 'thanos' | 'victoriametrics' | 'mimir' | 'grafana' | 'loki' | 'victorialogs' | 'tempo' | 'elasticsearch' | 'jaeger' | 'custom'
  | 'mcp';

export interface TypeSpec {
  type: ShortType;
  /** The built-in HolmesGPT toolset, or undefined for the custom toolsets we generate ourselves. */
  builtin?: string;
  /** The key of the built-in's config that receives the endpoint. */
  endpointKey?: string;
  /** Where the built-in's API lives under the server's base URL (Mimir serves the Prometheus API under /prometheus). */
  apiPrefix?: string;
  portNames: readonly string[];
  /** Undefined means "the first port" (custom). */
  portNumber?: number;
  /** Auto-detection may recognise the type by portNumber alone (false where the port is common or shared). */
  detectByPort: boolean;
  /**
   * What HolmesGPT's own load-time check of the built-in requests, under the API URL (the endpoint), so that
   * "included" means "HolmesGPT enables it"; docs/holmesgpt-compatibility.md cites each check.
   */
  healthPath: string;
  /** Healthy also needs a JSON body, as HolmesGPT's check of this type requires. */
  healthJson: boolean;
  /** A logs toolset replaces HolmesGPT's kubernetes/logs, which must then be switched off. */
  providesLogs: boolean;
  /** Label values (app.kubernetes.io/name or app) that auto-detection recognises. */
  knownApps: readonly string[];
}

/** HolmesGPT checks every Prometheus-compatible API with an instant query of `up` (holmesgpt 0.45.0, PrometheusToolset.prerequisites_callable). */
const PROMETHEUS_API = {
  builtin: 'prometheus/metrics', endpointKey: 'prometheus_url', providesLogs: false, healthPath: '/api/v1/query?query=up', healthJson: false,
} as const;

export const TYPE_SPECS: Readonly<Record<ShortType, TypeSpec>> = {
  prometheus: {
    type: 'prometheus', ...PROMETHEUS_API, portNames: ['web', 'http'], portNumber: 9090, detectByPort: true,
    knownApps: ['prometheus', 'prometheus-server', 'kube-prometheus-stack-prometheus'],
  },
  // Prometheus-compatible query APIs, written as HolmesGPT's prometheus/metrics (they compete for it by priority).
  // Thanos Query's HTTP port is 10902 (charts often expose it as "http" on 9090); a sidecar shares 10902, so no
  // detection by port.
  thanos: {
    type: 'thanos', ...PROMETHEUS_API, portNames: ['http', 'http-query'], portNumber: 10902, detectByPort: false,
    knownApps: ['thanos-query', 'thanos-querier'],
  },
  // Single-node VictoriaMetrics serves the Prometheus API at its root on 8428; a cluster's vmselect needs
  // /select/<tenant>/prometheus, which only the endpoint annotation can say.
  victoriametrics: {
    type: 'victoriametrics', ...PROMETHEUS_API, portNames: ['http'], portNumber: 8428, detectByPort: true,
    knownApps: ['victoria-metrics-single', 'vmsingle'],
  },
  // Every Mimir component carries app.kubernetes.io/name=mimir and 8080 is everybody's port: annotation only.
  mimir: {
    type: 'mimir', ...PROMETHEUS_API, apiPrefix: '/prometheus', portNames: ['http-metrics', 'http'], portNumber: 8080, detectByPort: false,
    knownApps: [],
  },
  grafana: {
    type: 'grafana', builtin: 'grafana/dashboards', endpointKey: 'api_url', portNames: ['service', 'http'], portNumber: 3000, detectByPort: true,
    // HolmesGPT's own check (api/dashboards/tags) never fails; /api/health answering JSON proves the API is there.
    healthPath: '/api/health', healthJson: true, providesLogs: false, knownApps: ['grafana'],
  },
  loki: {
    type: 'loki', builtin: 'grafana/loki', endpointKey: 'api_url', portNames: ['http-metrics', 'http'], portNumber: 3100, detectByPort: true,
    healthPath: '/loki/api/v1/query_range?query=%7Bjob%3D%22test_endpoint%22%7D&limit=1', healthJson: true, providesLogs: true, knownApps: ['loki'],
  },
  victorialogs: {
    type: 'victorialogs', builtin: 'victorialogs', endpointKey: 'api_url', portNames: ['http'], portNumber: 9428, detectByPort: true,
    healthPath: '/health', healthJson: false, providesLogs: false, knownApps: ['victoria-logs-single', 'vlsingle'],
  },
  tempo: {
    type: 'tempo', builtin: 'grafana/tempo', endpointKey: 'api_url', portNames: ['http'], portNumber: 3200, detectByPort: true,
    healthPath: '/api/search?q=%7B%20.service.name%20%3D%20%22test-endpoint%22%20%7D&limit=1', healthJson: true, providesLogs: false, knownApps: ['tempo'],
  },
  elasticsearch: {
    type: 'elasticsearch', builtin: 'elasticsearch/data', endpointKey: 'api_url', portNames: ['http'], portNumber: 9200, detectByPort: true,
    healthPath: '/_cluster/health', healthJson: true, providesLogs: true, knownApps: ['elasticsearch', 'opensearch'],
  },
  jaeger: {
    type: 'jaeger', portNames: ['query', 'http-query'], portNumber: 16686, detectByPort: true, healthPath: '/api/services', healthJson: false, providesLogs: false,
    knownApps: ['jaeger', 'jaeger-query'],
  },
  custom: { type: 'custom', portNames: ['http'], detectByPort: false, healthPath: '/', healthJson: false, providesLogs: false, knownApps: [] },
  // An MCP server's check is the MCP handshake at its URL (kubernaut.io/toolset-mcp-path, default /mcp), not a path.
  mcp: { type: 'mcp', portNames: ['mcp', 'http'], detectByPort: false, healthPath: '/mcp', healthJson: false, providesLogs: false, knownApps: [] },
};

/** The types written as HolmesGPT's `type: http` toolsets, whose one tool is named after the toolset. */
export function isHttpToolsetType(type: ShortType): boolean {
  return type === 'custom' || type === 'jaeger';
}

export const SHORT_TYPES = Object.keys(TYPE_SPECS) as ShortType[];

/**
 * Built-in names accepted verbatim in kubernaut.io/toolset-type, mapped to the short type they mean; a built-in that
 * several types provide (prometheus/metrics) means the first of them.
 */
export const BUILTIN_ALIASES: Readonly<Record<string, ShortType>> = SHORT_TYPES.reduce<Record<string, ShortType>>((aliases, t) => {
  const builtin = TYPE_SPECS[t].builtin;
  if (builtin !== undefined && builtin !== t && !(builtin in aliases)) aliases[builtin] = t;
  return aliases;
}, {});

export function isShortType(value: string): value is ShortType {
  return Object.hasOwn(TYPE_SPECS, value);
}

/**
 * A name the operator generates for some Service: a built-in name, or `<type>/<namespace>/<name>` for the types
 * without one. Overrides of such a name may wait for their toolset; any other name is the admin's own toolset.
 */
export function isGeneratedName(name: string): boolean {
  if (name in BUILTIN_ALIASES) return true;
  const [type, namespace, service, ...rest] = name.split('/');
  return rest.length === 0 && type !== undefined && isShortType(type) && !TYPE_SPECS[type].builtin
    && isNamespaceName(namespace) && isServiceName(service);
}

/**
 * Admin-owned settings per built-in type (the operator's toolsetDefaults), merged under each Service's annotation
 * config. This is where credentials and `{{ env.NAME }}` references live: annotations may not carry them, and
 * only trusted namespaces can claim a built-in, so a tenant can never point these credentials at its own server.
 */
export type ToolsetDefaults = Partial<Record<ShortType, { config?: Record<string, unknown> }>>;
