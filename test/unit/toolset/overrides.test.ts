import { describe, expect, it } from '@jest/globals';
import { applyOverrides, deepMerge, parseOverrides } from '../../../src/toolset/overrides.ts';
import type { ToolsetsMap } from '../../../src/toolset/toolsets-map.ts';

describe('parseOverrides', () => {
  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['blank', '  \n\t\n'],
    ['only comments', '# add overrides here\n  # later\n'],
    ['a null document', 'null\n'],
    ['toolsets: with no value', 'toolsets:\n'],
    ['an empty toolsets map', 'toolsets: {}\n'],
  ])('%s means no overrides', (_title, text) => {
    expect(parseOverrides(text)).toEqual({ ok: true, toolsets: {} });
  });

  it('reads a toolsets map', () => {
    const text = ['toolsets:', '  grafana/dashboards:', '    enabled: false', '  prometheus/metrics:', '    config:', '      headers: {X-Org: a}', ''].join('\n');
    expect(parseOverrides(text)).toEqual({
      ok: true,
      toolsets: { 'grafana/dashboards': { enabled: false }, 'prometheus/metrics': { config: { headers: { 'X-Org': 'a' } } } },
    });
  });

  it('rejects invalid YAML with the parser\'s first line', () => {
    const result = parseOverrides('toolsets:\n  a: [unclosed\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/^overrides\.yaml is not valid YAML: \S/);
    expect(result.error).not.toContain('\n');
  });

  it.each([
    ['a list', '- toolsets\n'],
    ['a string', 'just text\n'],
    ['a number', '42\n'],
  ])('rejects a document that is %s', (_title, text) => {
    expect(parseOverrides(text)).toEqual({ ok: false, error: 'overrides.yaml must be a mapping with a "toolsets" key' });
  });

  it('rejects unknown top-level keys, naming them', () => {
    expect(parseOverrides('toolsets: {}\nmcp_servers: {}\nextra: 1\n')).toEqual({
      ok: false,
      error: 'overrides.yaml: unknown top-level key(s) mcp_servers, extra; only "toolsets" is read',
    });
  });

  it.each([
    ['a list', 'toolsets:\n  - prometheus/metrics\n'],
    ['a string', 'toolsets: all\n'],
    ['a number', 'toolsets: 3\n'],
  ])('rejects toolsets that is %s', (_title, text) => {
    expect(parseOverrides(text)).toEqual({ ok: false, error: 'overrides.yaml: "toolsets" must be a mapping of toolset name to settings' });
  });

  it.each([
    ['null', 'toolsets:\n  grafana/loki:\n'],
    ['a scalar', 'toolsets:\n  grafana/loki: off\n'],
    ['a list', 'toolsets:\n  grafana/loki: [enabled]\n'],
  ])('rejects a %s entry, naming it', (_title, text) => {
    expect(parseOverrides(text)).toEqual({ ok: false, error: 'overrides.yaml: toolsets.grafana/loki must be a mapping (HolmesGPT rejects null or scalar entries)' });
  });
});

describe('deepMerge', () => {
  it('merges nested objects key by key', () => {
    expect(deepMerge({ a: { b: 1, c: { d: 2, e: 3 } }, x: 1 }, { a: { c: { e: 30, f: 4 } }, y: 2 })).toEqual({ a: { b: 1, c: { d: 2, e: 30, f: 4 } }, x: 1, y: 2 });
  });

  it('replaces arrays instead of merging them', () => {
    expect(deepMerge({ tools: [{ name: 'a' }, { name: 'b' }] }, { tools: [{ name: 'c' }] })).toEqual({ tools: [{ name: 'c' }] });
  });

  it('the override wins on scalars, type changes and null', () => {
    expect(deepMerge({ a: 1, b: { c: 1 }, d: 'x', e: true }, { a: 2, b: 'flat', d: { now: 'object' }, e: null })).toEqual({ a: 2, b: 'flat', d: { now: 'object' }, e: null });
  });

  it('keeps base keys the override does not mention', () => {
    expect(deepMerge({ keep: { me: 1 } }, {})).toEqual({ keep: { me: 1 } });
  });

  it('does not change its inputs', () => {
    const base = { a: { b: 1 } };
    const over = { a: { c: 2 } };
    deepMerge(base, over);
    expect(base).toEqual({ a: { b: 1 } });
    expect(over).toEqual({ a: { c: 2 } });
  });

  it('cannot pollute Object.prototype through __proto__ keys', () => {
    const parsed = parseOverrides('toolsets:\n  __proto__:\n    polluted: true\n');
    if (parsed.ok) deepMerge({ x: { enabled: true } }, parsed.toolsets);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('applyOverrides', () => {
  const generated: ToolsetsMap = {
    'prometheus/metrics': { enabled: true, config: { prometheus_url: 'http://prom.monitoring.svc:9090' } },
    'grafana/loki': { enabled: true, config: { url: 'http://loki.logging.svc:3100' } },
    'kubernetes/logs': { enabled: false },
  };

  it('no overrides leaves the generated toolsets as they are', () => {
    expect(applyOverrides(generated, {})).toEqual({ ok: true, toolsets: generated });
  });

  it('an invalid generated map is the operator\'s fault, not overrides.yaml\'s, with or without overrides', () => {
    const broken = { ...generated, 'prometheus/metrics': { enabled: true, bogus_key: 1, config: { prometheus_url: 'http://prom.monitoring.svc:9090' } } } as ToolsetsMap;
    for (const overrides of [{}, { 'grafana/loki': { enabled: false } }] as ToolsetsMap[]) {
      const result = applyOverrides(broken, overrides);
      expect(result.ok ? 'ok' : result.error).toMatch(/^the generated toolsets are invalid \(an operator bug, not overrides\.yaml\): .*bogus_key/);
    }
  });

  it('the user wins and enabled: false turns a discovered toolset off', () => {
    const result = applyOverrides(generated, {
      'grafana/loki': { enabled: false },
      'prometheus/metrics': { config: { headers: { Authorization: 'Bearer {{ env.PROM_TOKEN }}' } } },
    });
    expect(result).toEqual({
      ok: true,
      toolsets: {
        'prometheus/metrics': { enabled: true, config: { prometheus_url: 'http://prom.monitoring.svc:9090', headers: { Authorization: 'Bearer {{ env.PROM_TOKEN }}' } } },
        'grafana/loki': { enabled: false, config: { url: 'http://loki.logging.svc:3100' } },
        'kubernetes/logs': { enabled: false },
      },
    });
  });

  it('the user can add toolsets of their own and replace the endpoint', () => {
    const result = applyOverrides(generated, {
      'prometheus/metrics': { config: { prometheus_url: 'http://thanos.monitoring.svc:9090' } },
      'internal-docs': { description: 'Team docs', tools: [{ name: 'docs', description: 'Read docs', command: 'cat /docs/index.md' }] },
    });
    if (!result.ok) throw new Error(result.error);
    expect(result.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: 'http://thanos.monitoring.svc:9090' } });
    expect(result.toolsets['internal-docs']).toMatchObject({ description: 'Team docs' });
  });

  it('an override of a generated name that is not generated now, and is no toolset by itself, waits for it', () => {
    const result = applyOverrides(generated, { 'custom/team-a/noisy': { enabled: false }, 'prometheus/metrics': { enabled: false } });
    expect(result).toEqual({ ok: true, toolsets: expect.not.objectContaining({ 'custom/team-a/noisy': expect.anything() }) as unknown });
    expect(result.ok && result.toolsets['prometheus/metrics']).toMatchObject({ enabled: false });
  });

  it('an override of a name the operator never generates is the admin\'s own toolset and must be whole', () => {
    expect(applyOverrides(generated, { 'custom/team-a': { enabled: false } })).toMatchObject({ ok: false, error: expect.stringMatching(/description/) as unknown });
  });

  it('does not change the generated map', () => {
    const copy = structuredClone(generated);
    applyOverrides(generated, { 'grafana/loki': { enabled: false, config: { headers: { A: 'b' } } } });
    expect(generated).toEqual(copy);
  });

  it.each([
    ['a wrongly typed prometheus_url', { 'prometheus/metrics': { config: { prometheus_url: 5 } } }, /^overrides\.yaml makes the toolsets invalid: .*\/prometheus~1metrics\/config\/prometheus_url must be string/],
    ['a dotted header name', { 'prometheus/metrics': { config: { headers: { 'X.Org': 'a' } } } }, /\/prometheus~1metrics\/config\/headers must match pattern/],
    ['a custom toolset without description', { 'my-tools': { tools: [] } }, /\/my-tools must have required property 'description'/],
    ['a dotted toolset name', { 'my.tools': { description: 'x' } }, /must match pattern "\^\[\^\.\]\+\$"/],
    ['enabled that is not a boolean', { 'grafana/loki': { enabled: 'no' } }, /\/grafana~1loki\/enabled must be boolean/],
    ['a trailing slash on the Loki url', { 'grafana/loki': { config: { url: 'http://loki.logging.svc:3100/' } } }, /\/grafana~1loki\/config\/url must match pattern/],
  ])('rejects a merge that breaks the schema: %s', (_title, overrides, message) => {
    const result = applyOverrides(generated, overrides);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(message);
  });
});
