import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { resolveClaims } from '../../../src/discovery/claims.ts';
import type { Candidate } from '../../../src/discovery/candidate.ts';
import { contentHash, toolsetDocument } from '../../../src/toolset/document.ts';
import { applyOverrides, parseOverrides } from '../../../src/toolset/overrides.ts';
import { planToolsets } from '../../../src/reconcile/toolsets.ts';
import type { ToolsetDefaults } from '../../../src/discovery/toolset-types.ts';
import type { ToolsetsMap } from '../../../src/toolset/toolsets-map.ts';
import { toolsetFileErrors, toolsetsMapErrors } from '../../../src/toolset/validate.ts';
import { seededRandom } from '../../support/seeded-random.ts';
import { candidate } from '../discovery/fixtures.ts';
import { expectGolden } from './golden.ts';
import { allTypesServices, configuredDefaults, configuredServices, detected } from './scenarios.ts';

/**
 * planToolsets without overrides or a binding budget: the generated map (each entry rendered and checked, then one
 * Service per toolset name) and the Services refused while rendering.
 */
function renderToolsets(candidates: readonly Candidate[], defaults: ToolsetDefaults = {}): { toolsets: ToolsetsMap; invalid: ReturnType<typeof planToolsets>['rejections'] } {
  const plan = planToolsets(candidates, undefined, { defaults, budgetBytes: Number.MAX_SAFE_INTEGER });
  return { toolsets: plan.toolsets, invalid: plan.rejections };
}

/** The file content plan() produces for these healthy candidates (no overrides.yaml, no binding budget). */
function documentFor(candidates: readonly Candidate[]): string {
  const { document } = planToolsets(candidates, undefined, { defaults: {}, budgetBytes: Number.MAX_SAFE_INTEGER });
  if (!document.ok) throw new Error(document.error);
  return document.content;
}

/** A seeded shuffle, so every run tries the same orders. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Every mapping key at any depth, with its path. */
function allKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => allKeys(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [`${path}/${k}`, ...allKeys(v, `${path}/${k}`)]);
  return [];
}

function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

const allTypes = detected(allTypesServices);
const configured = detected(configuredServices);

describe('golden files', () => {
  it('one Service of every type (all-types.yaml)', () => {
    const { toolsets, invalid } = renderToolsets(resolveClaims(allTypes).winners);
    expect(invalid).toEqual([]);
    expect(toolsetFileErrors(load(toolsetDocument(toolsets)))).toEqual([]);
    expectGolden('all-types.yaml', toolsetDocument(toolsets));
  });

  it('configured Services: endpoint override, https, admin defaults under annotation config, no logs toolset (configured.yaml)', () => {
    const { toolsets, invalid } = renderToolsets(resolveClaims(configured).winners, configuredDefaults);
    expect(invalid).toEqual([]);
    expect(toolsetFileErrors(load(toolsetDocument(toolsets)))).toEqual([]);
    expectGolden('configured.yaml', toolsetDocument(toolsets));
  });

  it('generated toolsets with user overrides merged on top (overrides-applied.yaml)', () => {
    const overrides = parseOverrides([
      'toolsets:',
      '  grafana/dashboards:',
      '    enabled: false',
      '  prometheus/metrics:',
      '    config:',
      '      headers:',
      '        Authorization: "Bearer {{ env.PROM_TOKEN }}"',
      '  kubernetes/logs:',
      '    enabled: true',
      '  custom/shop/orders-api:',
      '    llm_instructions: Use this API only for order questions.',
      '  runbook-links:',
      '    description: Links to the team runbooks',
      '    tools:',
      '      - name: runbook_index',
      '        description: List runbooks',
      '        command: cat /etc/runbooks/index.md',
      '',
    ].join('\n'));
    if (!overrides.ok) throw new Error(overrides.error);
    const merged = applyOverrides(renderToolsets(resolveClaims(allTypes).winners).toolsets, overrides.toolsets);
    if (!merged.ok) throw new Error(merged.error);
    const text = toolsetDocument(merged.toolsets);
    expect(toolsetFileErrors(load(text))).toEqual([]);
    expectGolden('overrides-applied.yaml', text);
  });
});

describe('determinism', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('the same Services in another order (seed %i) give identical bytes', (seed) => {
    expect(documentFor(shuffled(allTypes, seed))).toBe(documentFor(allTypes));
    expect(documentFor(shuffled(configured, seed))).toBe(documentFor(configured));
  });

  it('rendering winners in reverse order gives identical bytes', () => {
    const winners = resolveClaims(allTypes).winners;
    expect(toolsetDocument(renderToolsets([...winners].reverse()).toolsets)).toBe(toolsetDocument(renderToolsets(winners).toolsets));
  });

  it('config key order in the annotation does not change the bytes', () => {
    const a = candidate({ type: 'tempo', config: { labels: { service: 'service_name', pod: 'k8s_pod_name' }, timeout_seconds: 20 } });
    const b = candidate({ type: 'tempo', config: { timeout_seconds: 20, labels: { pod: 'k8s_pod_name', service: 'service_name' } } });
    expect(JSON.stringify(a.config)).not.toBe(JSON.stringify(b.config));
    expect(documentFor([a])).toBe(documentFor([b]));
  });

  it('keys are sorted at every level', () => {
    const doc = load(documentFor([...allTypes, ...detected(configuredServices.slice(3))]));
    const check = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(check);
      if (value && typeof value === 'object') {
        const keys = Object.keys(value);
        expect(keys).toEqual([...keys].sort());
        Object.values(value).forEach(check);
      }
    };
    check(doc);
  });
});

describe('document', () => {
  it('starts with the generated-file header, then the toolsets map, and ends with a newline', () => {
    const text = documentFor(allTypes);
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# Generated by kubernaut-toolset from annotated Services. Do not edit: changes are overwritten.',
      '# Put manual changes in the overrides.yaml key of this ConfigMap instead.',
      'toolsets:',
    ]);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });

  it('parses back to exactly the rendered map', () => {
    const { toolsets } = renderToolsets(resolveClaims([...allTypes, ...configured.slice(3)]).winners);
    expect(load(toolsetDocument(toolsets))).toEqual({ toolsets });
  });

  it('never folds long lines nor emits anchors for repeated values', () => {
    const long = 'x'.repeat(300);
    const shared = { A: 'same' };
    const text = toolsetDocument({ 'custom/a/b': { enabled: true, description: long, config: { one: shared, two: shared } } });
    expect(text).toContain(`description: ${long}\n`);
    expect(text).not.toMatch(/[&*]ref_/);
  });

  it('contentHash is the hex sha256 of the text', () => {
    expect(contentHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(contentHash(documentFor(allTypes))).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(documentFor(allTypes))).not.toBe(contentHash(documentFor(configured)));
  });
});

describe('renderToolsets', () => {
  it('every rendered document passes the HolmesGPT file schema', () => {
    for (const set of [allTypes, configured, [...allTypes, ...configured]]) {
      const { toolsets, invalid } = renderToolsets(resolveClaims(set).winners);
      expect(invalid).toEqual([]);
      expect(toolsetFileErrors(load(toolsetDocument(toolsets)))).toEqual([]);
    }
  });

  it('no key anywhere in the output contains a dot', () => {
    const doc = load(documentFor([...allTypes, ...configured]));
    const keys = allKeys(doc);
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => k.split('/').at(-1)?.includes('.'))).toEqual([]);
    expect(keysOf(doc).filter((k) => k.includes('.'))).toEqual([]);
  });

  it('built-ins get enabled: true and the health-checked endpoint under their URL key', () => {
    const { toolsets } = renderToolsets(resolveClaims(allTypes).winners);
    expect(toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: 'http://prometheus-server.monitoring.svc.cluster.local:9090' } });
    expect(toolsets['grafana/dashboards']).toEqual({ enabled: true, config: { api_url: 'http://grafana.monitoring.svc.cluster.local' } });
    expect(toolsets['grafana/loki']).toEqual({ enabled: true, config: { api_url: 'http://loki.logging.svc.cluster.local:3100' } });
    expect(toolsets['grafana/tempo']).toEqual({ enabled: true, config: { api_url: 'http://tempo.tracing.svc.cluster.local:3200' } });
    expect(toolsets['elasticsearch/data']).toEqual({ enabled: true, config: { api_url: 'http://elasticsearch.logging.svc.cluster.local:9200' } });
  });

  it('the endpoint wins over the same key in toolset-config', () => {
    // detect() already refuses both keys in an annotation; rendering must hold even so.
    const c = candidate({ type: 'prometheus', endpoint: 'http://prom.monitoring.svc:9090', refusedConfig: { prometheus_url: 'http://attacker.example.com', healthcheck: '-/ready' } });
    expect(renderToolsets([c]).toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: 'http://prom.monitoring.svc:9090', healthcheck: '-/ready' } });
  });

  it('custom and jaeger toolsets are HolmesGPT HTTP toolsets: the Service\'s own origin, GET, allow-listed paths, HolmesGPT checks the health URL', () => {
    const { toolsets } = renderToolsets(resolveClaims(allTypes).winners);
    const jaeger = toolsets['jaeger/tracing/jaeger-query'];
    const origin = 'http://jaeger-query.tracing.svc.cluster.local:16686';
    expect(jaeger).toMatchObject({ type: 'http', enabled: true, description: 'Jaeger traces from tracing/jaeger-query' });
    expect(jaeger?.config).toEqual({ endpoints: [{
      hosts: [origin], methods: ['GET'], health_check_url: `${origin}/api/services`,
      paths: ['/api/services', '/api/services/*/operations', '/api/traces', '/api/traces/*'],
    }] });
    expect(jaeger?.llm_instructions).toEqual(expect.stringContaining(`GET ${origin}/api/traces?service=<service>&lookback=1h&limit=20`));
    expect(jaeger).not.toHaveProperty('tools');
    const custom = toolsets['custom/shop/orders-api'];
    expect(custom).toMatchObject({
      type: 'http', enabled: true,
      description: 'Orders API of the shop: order status, payments and refunds',
      llm_instructions: 'Orders API of the shop: order status, payments and refunds',
    });
    expect(custom?.config).toEqual({ endpoints: [{
      hosts: ['http://orders-api.shop.svc.cluster.local:8080'], paths: ['/*'], methods: ['GET'], health_check_url: 'http://orders-api.shop.svc.cluster.local:8080/',
    }] });

    // detect() gives a custom toolset no config keys (ConfigKeyNotAllowed); rendering still carries a config over.
    const withConfig = renderToolsets([candidate({ type: 'custom', namespace: 'a', name: 'b', refusedConfig: { timeout_seconds: 5 } })]).toolsets['custom/a/b'];
    expect(withConfig).toMatchObject({ description: 'HTTP API of Service a/b', config: { timeout_seconds: 5 } });
    expect(withConfig).not.toHaveProperty('llm_instructions');
  });

  it('a description annotation replaces the default description of a jaeger toolset, and the instructions stay the operator\'s', () => {
    const c = candidate({ type: 'jaeger', namespace: 't', name: 'j', description: 'EU traces' });
    const entry = renderToolsets([c]).toolsets['jaeger/t/j'];
    expect(entry).toMatchObject({ description: 'EU traces' });
    expect(entry?.llm_instructions).toMatch(/^Jaeger query API of Service t\/j\./);
  });

  it('two Services whose toolset names give HolmesGPT the same tool name: the older keeps it, whatever the priorities', () => {
    const older = candidate({ type: 'custom', namespace: 'a-b', name: 'c', createdAt: '2026-01-01T00:00:00Z' });
    const newer = { ...candidate({ type: 'custom', namespace: 'a', name: 'b-c', createdAt: '2026-02-01T00:00:00Z' }), priority: 1000 };
    const { winners, shadowed } = resolveClaims([newer, older]);
    expect(winners.map((w) => w.key)).toEqual(['a-b/c']);
    expect(shadowed).toEqual([{ candidate: newer, by: 'a-b/c', tool: 'custom_a_b_c_request' }]);
  });

  it('a toolset whose tool name would pass 64 characters is refused (NameTooLong), its neighbours are written', () => {
    const long = candidate({ type: 'custom', namespace: 'team-with-a-rather-long-namespace', name: 'and-a-long-service-name' });
    const short = candidate({ type: 'custom', namespace: 'a', name: 'b' });
    const { toolsets, invalid } = renderToolsets([long, short]);
    expect(Object.keys(toolsets)).toEqual(['custom/a/b']);
    expect(invalid).toEqual([expect.objectContaining({
      key: long.key, reason: 'NameTooLong',
      message: expect.stringMatching(/^HolmesGPT would name this toolset's tool custom_team_with_a_rather_long_namespace_and_a_long_service_name_request \(72 characters\); model APIs accept at most 64/) as unknown,
    })]);
  });

  it.each([
    ['loki', 'loki' as const],
    ['elasticsearch', 'elasticsearch' as const],
  ])('a %s toolset switches kubernetes/logs off', (_name, type) => {
    expect(renderToolsets([candidate({ type })]).toolsets['kubernetes/logs']).toEqual({ enabled: false });
  });

  it('without a logs toolset kubernetes/logs is left alone', () => {
    const { toolsets } = renderToolsets([candidate({ type: 'prometheus' }), candidate({ type: 'grafana' }), candidate({ type: 'tempo' }), candidate({ type: 'jaeger' }), candidate({ type: 'custom' })]);
    expect(toolsets).not.toHaveProperty(['kubernetes/logs']);
  });

  it('renders an empty map for no winners', () => {
    expect(renderToolsets([])).toEqual({ toolsets: {}, invalid: [] });
  });

  // detect() refuses every config below (keys off its allow-list); these are the checks rendering repeats.
  it('a candidate whose config breaks its entry is reported InvalidConfig; the others are still rendered', () => {
    const bad = candidate({ type: 'prometheus', namespace: 'monitoring', name: 'prom', refusedConfig: { prometheus_ssl_enabled: 'yes' } });
    const others = allTypes.filter((c) => c.type !== 'prometheus');
    const { toolsets, invalid } = renderToolsets(resolveClaims([bad, ...others]).winners);
    expect(invalid).toEqual([
      {
        service: bad.service,
        key: 'monitoring/prom',
        reason: 'InvalidConfig',
        message: 'toolset prometheus/metrics: /prometheus~1metrics/config/prometheus_ssl_enabled must be boolean',
      },
    ]);
    expect(Object.keys(toolsets).sort()).toEqual([
      'custom/shop/orders-api',
      'elasticsearch/data',
      'grafana/dashboards',
      'grafana/loki',
      'grafana/tempo',
      'jaeger/tracing/jaeger-query',
      'kubernetes/logs',
    ]);
    expect(toolsetFileErrors({ toolsets })).toEqual([]);
  });

  it.each([
    ['grafana with an unknown config key', candidate({ type: 'grafana', refusedConfig: { datasource: 'x' } }), /\/grafana~1dashboards\/config must be equal to one of the allowed values/],
    ['prometheus with a number header', candidate({ type: 'prometheus', refusedConfig: { headers: { 'X-Org': 5 } } }), /\/prometheus~1metrics\/config\/headers\/X-Org must be string/],
    ['tempo with an unknown label', candidate({ type: 'tempo', refusedConfig: { labels: { container: 'c' } } }), /\/grafana~1tempo\/config\/labels must NOT have additional properties/],
    ['loki with a bad header map', candidate({ type: 'loki', refusedConfig: { headers: 'X-Scope-OrgID: a' } }), /\/grafana~1loki\/config\/headers must be object/],
    ['prometheus with a negative timeout', candidate({ type: 'prometheus', refusedConfig: { default_query_timeout_seconds: 0 } }), /default_query_timeout_seconds must be >= 1/],
  ])('%s is InvalidConfig with a message naming the path', (_title, c, message) => {
    const { toolsets, invalid } = renderToolsets([c]);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.reason).toBe('InvalidConfig');
    expect(invalid[0]?.message).toMatch(message);
    expect(invalid[0]?.message.startsWith(`toolset ${c.toolset}: `)).toBe(true);
    expect(toolsets).toEqual({});
  });

  it('an invalid logs toolset does not switch kubernetes/logs off', () => {
    const { toolsets, invalid } = renderToolsets([candidate({ type: 'loki', refusedConfig: { headers: 'x' } })]);
    expect(invalid).toHaveLength(1);
    expect(toolsets).toEqual({});
  });
});

describe('validate', () => {
  const good: ToolsetsMap = { 'prometheus/metrics': { enabled: true, config: { prometheus_url: 'http://p.m.svc:9090' } } };

  it('accepts a good map and file', () => {
    expect(toolsetsMapErrors(good)).toEqual([]);
    expect(toolsetFileErrors({ toolsets: good })).toEqual([]);
  });

  it('rejects a dotted toolset name and a dotted config key, naming them', () => {
    expect(toolsetsMapErrors({ 'my.tools': { description: 'x', tools: [] } }).join('\n')).toMatch(/must match pattern "\^\[\^\.\]\+\$"/);
    expect(toolsetsMapErrors({ 'prometheus/metrics': { enabled: true, config: { prometheus_url: 'http://p', headers: { 'a.b': 'c' } } } }).join('\n')).toMatch(
      /\/prometheus~1metrics\/config\/headers must match pattern/,
    );
  });

  it('rejects a null entry, a custom entry without description and a tool without command', () => {
    expect(toolsetsMapErrors({ x: null })).not.toEqual([]);
    expect(toolsetsMapErrors({ x: { tools: [] } }).join('\n')).toMatch(/\/x must have required property 'description'/);
    expect(toolsetsMapErrors({ x: { description: 'd', tools: [{ name: 't', description: 'd' }] } }).join('\n')).toMatch(/\/x\/tools\/0 must have required property 'command'/);
  });

  it('rejects an empty file and an empty toolsets map', () => {
    expect(toolsetFileErrors({})).not.toEqual([]);
    expect(toolsetFileErrors({ toolsets: {} })).not.toEqual([]);
  });

  it('rejects keys HolmesGPT forbids on built-ins', () => {
    expect(toolsetsMapErrors({ 'kubernetes/logs': { enabled: false, name: 'x' } }).join('\n')).toMatch(/\/kubernetes~1logs must be equal to one of the allowed values/);
  });
});
