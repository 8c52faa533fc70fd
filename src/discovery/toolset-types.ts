/**
 * What each short type becomes in HolmesGPT. Toolset names and config keys follow the HolmesGPT release pinned in
 * tools/holmesgpt/versions.env (0.45.0); docs/holmesgpt-compatibility.md records how they were checked.
 */
export type ShortType = 'prometheus' | 'grafana' | 'loki' | 'tempo' | 'elasticsearch' | 'jaeger' | 'custom';

export interface TypeSpec {
  type: ShortType;
  /** The built-in HolmesGPT toolset, or undefined for the custom toolsets we generate ourselves. */
  builtin?: string;
  /** The key of the built-in's config that receives the endpoint. */
  endpointKey?: string;
  portNames: readonly string[];
  /** Undefined means "the first port" (custom). */
  portNumber?: number;
  healthPath: string;
  /** A logs toolset replaces HolmesGPT's kubernetes/logs, which must then be switched off. */
  providesLogs: boolean;
  /** Label values (app.kubernetes.io/name or app) that auto-detection recognises. */
  knownApps: readonly string[];
}

export const TYPE_SPECS: Readonly<Record<ShortType, TypeSpec>> = {
  prometheus: {
    type: 'prometheus', builtin: 'prometheus/metrics', endpointKey: 'prometheus_url', portNames: ['web', 'http'],
    portNumber: 9090, healthPath: '/-/healthy', providesLogs: false,
    knownApps: ['prometheus', 'prometheus-server', 'kube-prometheus-stack-prometheus'],
  },
  grafana: {
    type: 'grafana', builtin: 'grafana/dashboards', endpointKey: 'api_url', portNames: ['service', 'http'], portNumber: 3000,
    healthPath: '/api/health', providesLogs: false, knownApps: ['grafana'],
  },
  loki: {
    type: 'loki', builtin: 'grafana/loki', endpointKey: 'api_url', portNames: ['http-metrics', 'http'], portNumber: 3100,
    healthPath: '/ready', providesLogs: true, knownApps: ['loki'],
  },
  tempo: {
    type: 'tempo', builtin: 'grafana/tempo', endpointKey: 'api_url', portNames: ['http'], portNumber: 3200,
    healthPath: '/ready', providesLogs: false, knownApps: ['tempo'],
  },
  elasticsearch: {
    type: 'elasticsearch', builtin: 'elasticsearch/data', endpointKey: 'api_url', portNames: ['http'], portNumber: 9200,
    healthPath: '/_cluster/health', providesLogs: true, knownApps: ['elasticsearch', 'opensearch'],
  },
  jaeger: {
    type: 'jaeger', portNames: ['query', 'http-query'], portNumber: 16686, healthPath: '/', providesLogs: false,
    knownApps: ['jaeger', 'jaeger-query'],
  },
  custom: { type: 'custom', portNames: ['http'], healthPath: '/', providesLogs: false, knownApps: [] },
};

export const SHORT_TYPES = Object.keys(TYPE_SPECS) as ShortType[];

/** Built-in names accepted verbatim in kubernaut.io/toolset-type, mapped to the short type they mean. */
export const BUILTIN_ALIASES: Readonly<Record<string, ShortType>> = Object.fromEntries(
  SHORT_TYPES.flatMap((t) => (TYPE_SPECS[t].builtin ? [[TYPE_SPECS[t].builtin, t]] : [])),
);

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
    && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(namespace ?? '') && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(service ?? '');
}
