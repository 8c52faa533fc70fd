// config.schema.json is the one source of the settings (issue #15, item 4). What is derived from it at run time
// (defaults, flags, environment variables, durations) is checked here for its naming rules; what cannot be derived
// (the OperatorConfig type, the Helm chart's values) is held to the schema.
import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_SCHEMA, FIELDS, getAt, parseDuration, setAt, type Field, type SchemaNode } from '../../../src/config/fields.ts';
import { configFromDocument, loadConfig } from '../../../src/config/load.ts';
import { defaultConfig } from '../../../src/config/fields.ts';
import type { OperatorConfig } from '../../../src/config/operator-config.ts';
import { SETTINGS } from '../../../src/config/sources.ts';

/** Every property required, all the way down (toolsetDefaults, a free-form map, is set whole). */
type Complete<T> = { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? NonNullable<T[K]> : NonNullable<T[K]> extends object ? Complete<NonNullable<T[K]>> : NonNullable<T[K]> };
type Everything = Complete<Omit<OperatorConfig, 'toolsetDefaults'>> & Pick<OperatorConfig, 'toolsetDefaults'>;

/** The dotted paths of OperatorConfig's optional properties. */
type OptionalPaths<T, P extends string = ''> = {
  [K in keyof T & string]-?: object extends Pick<T, K> ? `${P}${K}` : T[K] extends readonly unknown[] ? never : T[K] extends object ? OptionalPaths<T[K], `${P}${K}.`> : never;
}[keyof T & string];

/** Every OperatorConfig property set (the compiler rejects a missing or unknown one), values off their defaults. */
const everything: Everything = {
  clusterDomain: 'corp.internal',
  namespaces: { include: ['monitoring'], exclude: ['kube-system'] },
  labelSelector: 'team=sre',
  autoDetect: true,
  endpoints: { allowedHosts: ['*.example.com'] },
  tenancy: { trustedNamespaces: ['monitoring'], trustLabel: true, untrustedMcp: true, tenantDescriptions: false },
  toolsetDefaults: { grafana: { config: { api_key: '{{ env.GRAFANA_KEY }}' } } },
  health: { enabled: false, timeoutMs: 2_000, concurrency: 8, failureThreshold: 3, intervalMs: 30_000, caFile: '/etc/ca.pem' },
  reconcile: { quietWindowMs: 250, maxDelayMs: 10_000, resyncIntervalMs: 600_000 },
  output: { namespace: 'holmes', name: 'holmes-toolsets', key: 'custom.yaml', adopt: true, sizeBudgetBytes: 2048 },
  dryRun: true,
  http: { address: '127.0.0.1', port: 8081, metricsPort: 9091 },
  watch: { stallTimeoutMs: 180_000 },
  leaderElection: { enabled: false, leaseName: 'holmes', leaseDurationMs: 20_000, renewDeadlineMs: 15_000, retryPeriodMs: 3_000 },
  shutdownTimeoutMs: 45_000,
  consumer: {
    base: { configMap: 'holmes/custom-toolsets-configmap', key: 'toolsets.yaml' },
    networkPolicy: {
      enabled: true, name: 'holmes-egress', podSelector: { matchLabels: { app: 'holmes' } },
      dns: [{ ipBlock: { cidr: '10.96.0.10/32' } }], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 443 }] }],
      ingress: [{ from: [{ podSelector: {} }] }],
    },
  },
  reload: { deployment: 'holmes/holmesgpt', inPlace: true, adminPort: 8000, hashPort: 9000, confirm: 'marker', confirmTimeoutMs: 7_000, minIntervalMs: 60_000, apiKeySecret: 'holmes-api-key', apiKeySecretKey: 'key' },
};

const dotted = (path: readonly string[]) => path.join('.');
/** File-only settings whose value is an object of the user's own keys (a leaf, not a section). */
const FILE_ONLY_OBJECTS = ['toolsetDefaults', 'consumer.networkPolicy.podSelector'];

function leafPaths(node: unknown, path: string[] = []): string[] {
  const isMap = node && typeof node === 'object' && !Array.isArray(node) && !FILE_ONLY_OBJECTS.includes(dotted(path));
  return isMap ? Object.entries(node).flatMap(([k, v]) => leafPaths(v, [...path, k])) : [dotted(path)];
}

/** The configuration file that yields `config`: every setting at its file path, durations written as `<n>ms`. */
function documentOf(config: object): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const f of FIELDS) setAt(doc, f.path, f.kind === 'duration' ? `${getAt(config, f.key) as number}ms` : getAt(config, f.key));
  return doc;
}

const JS_TYPE: Record<Field['kind'], string> = { boolean: 'boolean', integer: 'number', duration: 'number', string: 'string', list: 'array', object: 'object' };

describe('OperatorConfig agrees with config.schema.json', () => {
  it('has exactly one property per schema setting', () => {
    expect(leafPaths(everything).sort()).toEqual(FIELDS.map((f) => dotted(f.key)).sort());
  });

  it('a document setting every schema setting yields every property, each of the kind the schema gives it', () => {
    expect(configFromDocument(documentOf(everything), {})).toEqual(everything);
    for (const f of FIELDS) {
      const value = getAt(everything, f.key);
      expect([dotted(f.key), Array.isArray(value) ? 'array' : typeof value]).toEqual([dotted(f.key), JS_TYPE[f.kind]]);
    }
  });

  it('its optional properties are exactly the settings without a schema default', () => {
    const optional: Record<OptionalPaths<Omit<OperatorConfig, 'toolsetDefaults'>>, true> = { labelSelector: true, 'health.caFile': true };
    expect(Object.keys(optional).sort()).toEqual(FIELDS.filter((f) => f.default === undefined).map((f) => dotted(f.key)).sort());
  });
});

describe('defaults come from the schema', () => {
  const defaults = defaultConfig({});

  it.each(FIELDS.map((f) => [dotted(f.path), f] as const))('%s', (_path, f) => {
    const expected = f.default === undefined ? undefined : f.kind === 'duration' ? parseDuration(f.default as string) : f.default;
    expect(getAt(defaults, f.key)).toEqual(expected);
  });

  it('every default is a valid setting: the document of all defaults is the default configuration', () => {
    const doc: Record<string, unknown> = {};
    for (const f of FIELDS) if (f.default !== undefined) setAt(doc, f.path, f.default);
    expect(configFromDocument(doc, {})).toEqual(defaults);
  });

  it('defaults are fresh copies, never shared between configurations', () => {
    defaultConfig({}).namespaces.include.push('mutated');
    expect(defaultConfig({}).namespaces.include).toEqual([]);
  });

  it('every setting a flag or variable can set says what it does (run --help prints it)', () => {
    expect(SETTINGS.filter((s) => !s.description).map((s) => s.flag)).toEqual([]);
  });

  it('durations are the settings referencing #/$defs/duration, read into <name>Ms or their x-config-key', () => {
    expect(FIELDS.filter((f) => f.kind === 'duration').map((f) => `${dotted(f.path)} ${f.key.at(-1) ?? ''}`)).toEqual([
      'health.timeout timeoutMs', 'health.interval intervalMs', 'reconcile.quietWindow quietWindowMs', 'reconcile.maxDelay maxDelayMs',
      'reconcile.resyncInterval resyncIntervalMs', 'watch.stallTimeout stallTimeoutMs', 'leaderElection.leaseDuration leaseDurationMs',
      'leaderElection.renewDeadline renewDeadlineMs', 'leaderElection.retryPeriod retryPeriodMs', 'shutdownTimeout shutdownTimeoutMs',
      'reload.minInterval minIntervalMs',
      'reload.confirmTimeout confirmTimeoutMs',
    ]);
  });
});

describe('flags and environment variables come from the schema paths', () => {
  it('every setting but the file-only ones has one flag and one environment variable', () => {
    expect(SETTINGS.map((s) => dotted(s.path))).toEqual(FIELDS.filter((f) => !f.fileOnly).map((f) => dotted(f.path)));
    expect(FIELDS.filter((f) => f.fileOnly).map((f) => dotted(f.path))).toEqual([
      'toolsetDefaults', 'consumer.networkPolicy.podSelector', 'consumer.networkPolicy.dns', 'consumer.networkPolicy.egress', 'consumer.networkPolicy.ingress',
    ]);
    expect(FIELDS.filter((f) => !f.fileOnly && f.kind === 'object')).toEqual([]);
  });

  it('names are unique and follow the path', () => {
    expect(new Set(SETTINGS.map((s) => s.flag)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    expect(SETTINGS.find((s) => dotted(s.path) === 'leaderElection.renewDeadline')).toMatchObject({
      flag: 'leader-election-renew-deadline', env: 'KUBERNAUT_LEADER_ELECTION_RENEW_DEADLINE', kind: 'duration',
    });
    expect(SETTINGS.find((s) => dotted(s.path) === 'namespaces.include')).toMatchObject({ flag: 'namespaces-include', env: 'KUBERNAUT_NAMESPACES_INCLUDE', kind: 'list' });
  });

  it('flags win over the environment, the environment over the file, the file over the defaults', () => {
    const env = { KUBERNAUT_HEALTH_TIMEOUT: '2s', KUBERNAUT_HEALTH_CONCURRENCY: '4', KUBERNAUT_NAMESPACES_INCLUDE: 'a, b', KUBERNAUT_DRY_RUN: 'true', POD_NAMESPACE: 'ops' };
    const config = loadConfig({ env, flags: { 'health-timeout': '3s', 'reconcile-resync-interval': '2m', 'auto-detect': true } });
    expect(config.health).toMatchObject({ timeoutMs: 3_000, concurrency: 4 });
    expect([config.namespaces.include, config.dryRun, config.autoDetect, config.reconcile.resyncIntervalMs, config.output.namespace]).toEqual([['a', 'b'], true, true, 120_000, 'ops']);
  });
});

describe('the Helm chart agrees with config.schema.json', () => {
  const chartDir = join(import.meta.dirname, '../../../helm/kubernaut-toolset');
  const values = load(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const valuesSchema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as ChartNode;
  const helper = readFileSync(join(chartDir, 'templates/_helpers.tpl'), 'utf8');
  /** Settings the chart names differently (kt.config maps them back). */
  const CHART_NAMES: Record<string, string> = { 'namespaces.include': 'watchNamespaces', 'namespaces.exclude': 'excludeNamespaces', 'endpoints.allowedHosts': 'allowedHosts' };
  /** Settings the chart leaves at the operator's defaults. */
  const NOT_IN_CHART = ['http.address', 'watch.stallTimeout', 'shutdownTimeout'];
  const exposed = FIELDS.filter((f) => !NOT_IN_CHART.includes(dotted(f.path))).map((f) => [dotted(f.path), f, (CHART_NAMES[dotted(f.path)] ?? dotted(f.path)).split('.')] as const);

  it.each(NOT_IN_CHART)('%s is not a chart value', (path) => {
    expect(FIELDS.some((f) => dotted(f.path) === path)).toBe(true);
    expect(getAt(values, path.split('.'))).toBeUndefined();
  });

  it.each(exposed)('%s: values.yaml has the schema default and kt.config passes it on', (_path, f, chartPath) => {
    // The chart's empty string stands for "not set" (no default) or, for the output namespace, the release's own.
    const expected = f.default === undefined || f.defaultEnv ? '' : f.default;
    expect(getAt(values, chartPath)).toEqual(expected);
    expect(helper).toMatch(new RegExp(`"${chartPath[0] ?? ''}"|\\$v\\.${chartPath[0] ?? ''}\\b`));
  });

  it.each(exposed)('%s: values.schema.json allows no more than the configuration schema', (_path, f, chartPath) => {
    const chart = constraints(chartNode(valuesSchema, chartPath));
    const config = constraints(configNode(f));
    expect(chart.type).toBe(config.type);
    expect(chart.properties).toEqual(config.properties);
    expect(chart.uniqueItems).toBe(config.uniqueItems);
    if (config.pattern) expect(alternatives(chart.pattern)).toEqual(alternatives(config.pattern));
    if (config.itemsPattern) expect(chart.itemsPattern).toBe(config.itemsPattern);
    for (const [low, high] of [['minimum', 'maximum'], ['minLength', 'maxLength']] as const) {
      if (config[low] !== undefined) expect(chart[low]).toBeGreaterThanOrEqual(config[low]);
      if (config[high] !== undefined) expect(chart[high]).toBeLessThanOrEqual(config[high]);
    }
  });
});

interface ChartNode extends SchemaNode {
  anyOf?: ChartNode[];
  const?: unknown;
  items?: ChartNode;
  pattern?: string;
  properties?: Record<string, ChartNode>;
  uniqueItems?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

const DEFS: Record<string, ChartNode> = CONFIG_SCHEMA.$defs;

function resolve(node: ChartNode): ChartNode {
  const target = node.$ref ? DEFS[node.$ref.replace('#/$defs/', '')] : undefined;
  const resolved = target ? { ...target, ...node, $ref: undefined } : node;
  // An empty string in the chart's anyOf means "not set"; the other branch carries the constraints.
  return resolved.anyOf?.find((branch) => branch.type === 'string' && branch.const === undefined) ?? resolved;
}

function configNode(f: Field): ChartNode {
  return resolve(f.path.reduce<ChartNode>((node, key) => node.properties?.[key] ?? {}, CONFIG_SCHEMA as ChartNode));
}

function chartNode(root: ChartNode, path: readonly string[]): ChartNode {
  return resolve(path.reduce<ChartNode>((node, key) => node.properties?.[key] ?? {}, root));
}

function constraints(node: ChartNode) {
  const items = node.items ? resolve(node.items) : undefined;
  return {
    type: node.type, pattern: node.pattern, itemsPattern: items?.pattern, uniqueItems: node.uniqueItems,
    properties: node.properties ? Object.keys(node.properties).sort() : undefined,
    minimum: node.minimum, maximum: node.maximum, minLength: node.minLength, maxLength: node.maxLength,
  };
}

/** A pattern's top-level alternatives, in order: "^$|^x$" and "^x$|^$" are the same pattern. */
function alternatives(pattern: string | undefined): string[] {
  return (pattern ?? '').split('|').sort();
}

describe('the README shows the schema defaults', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Configuration file'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  // output.namespace is shown as "$POD_NAMESPACE (default …)": the one default that comes from the environment.
  const shown = load(block.replace(/^(\s*namespace:) \$POD_NAMESPACE.*$/m, '$1 kubernaut-system')) as Record<string, unknown>;

  it('lists every setting once, and nothing else', () => {
    expect(leafPaths(shown, []).sort()).toEqual(FIELDS.map((f) => dotted(f.path)).sort());
  });

  it.each(FIELDS.map((f) => [dotted(f.path), f] as const))('%s', (_path, f) => {
    const value = getAt(shown, f.path);
    expect(value).toEqual(f.default ?? (f.kind === 'list' ? [] : ''));
  });
});
