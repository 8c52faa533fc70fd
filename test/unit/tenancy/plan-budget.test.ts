import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import type { Candidate } from '../../../src/discovery/candidate.ts';
import type { Service } from '../../../src/kube/objects.ts';
import { detectServices } from '../../../src/reconcile/detect-all.ts';
import { planToolsets } from '../../../src/reconcile/toolsets.ts';
import { MAX_ENTRY_BYTES } from '../../../src/toolset/render.ts';
import { toolsetFileErrors } from '../../../src/toolset/validate.ts';
import { candidate, detectionOptions, optIn, service } from '../discovery/fixtures.ts';

const NO_BUDGET = { defaults: {}, budgetBytes: Number.MAX_SAFE_INTEGER };

/**
 * A custom toolset whose entry is about `bytes` long: its endpoint annotation has a long path, which the entry
 * repeats twice (the health check URL and the path allow-list). A description cannot do it: detect() caps it at 500 characters.
 */
function sized(namespace: string, name: string, bytes: number): Candidate {
  return candidate({ type: 'custom', namespace, name, endpoint: `http://${name}.${namespace}.svc:8080/${'p'.repeat(Math.round(bytes / 2))}` });
}

describe('planToolsets: a Service refused while rendering never claims', () => {
  it('a top-priority claimant whose entry is invalid is rejected and the platform\'s Service keeps the toolset', () => {
    const platform = candidate({ type: 'prometheus', namespace: 'monitoring', name: 'prometheus-k8s' });
    const evil = candidate({ type: 'prometheus', namespace: 'team-a', name: 'evil-prom', priority: 999_999_999, refusedConfig: { verify_ssl: 'no' } });
    const plan = planToolsets([evil, platform], undefined, NO_BUDGET);
    expect(plan.winners.map((c) => c.key)).toEqual(['monitoring/prometheus-k8s']);
    expect(plan.shadowed).toEqual([]);
    expect(plan.rejections).toEqual([expect.objectContaining({ key: 'team-a/evil-prom', reason: 'InvalidConfig' })]);
    expect(plan.toolsets['prometheus/metrics']).toMatchObject({ config: { prometheus_url: platform.endpoint } });
  });
});

describe('planToolsets: per-Service entry cap', () => {
  it(`an entry over ${MAX_ENTRY_BYTES} bytes is rejected with EntryTooLarge; the others are written`, () => {
    const big = sized('team-a', 'big', MAX_ENTRY_BYTES + 1000);
    const small = sized('team-b', 'small', 10);
    const plan = planToolsets([big, small], undefined, NO_BUDGET);
    expect(plan.rejections).toEqual([expect.objectContaining({ key: 'team-a/big', reason: 'EntryTooLarge', message: expect.stringMatching(/^toolset custom\/team-a\/big renders to \d+ bytes; one Service may add at most 16384$/) })]);
    expect(Object.keys(plan.toolsets)).toEqual(['custom/team-b/small']);
  });
});

describe('planToolsets: size budget, largest contributors first (SPEC §6)', () => {
  it('drops the largest namespace\'s largest entries until the document fits, and writes the rest', () => {
    const hog = [sized('team-hog', 'a', 5000), sized('team-hog', 'b', 5000), sized('team-hog', 'c', 4000)];
    const fair = [sized('team-1', 'x', 3000), sized('team-2', 'y', 3000)];
    const all = [...hog, ...fair];
    const unbounded = planToolsets(all, undefined, NO_BUDGET);
    if (!unbounded.document.ok) throw new Error(unbounded.document.error);
    const budget = Buffer.byteLength(unbounded.document.content) - 6000;

    const plan = planToolsets(all, undefined, { defaults: {}, budgetBytes: budget });
    if (!plan.document.ok) throw new Error(plan.document.error);
    expect(Buffer.byteLength(plan.document.content)).toBeLessThanOrEqual(budget);
    expect(plan.rejections.map((r) => [r.key, r.reason])).toEqual([['team-hog/a', 'OutputBudget'], ['team-hog/b', 'OutputBudget']]);
    expect(plan.rejections[0]?.message).toMatch(/^custom\/team-hog\/a \(\d+ bytes\) left out to keep the output within its budget of \d+ bytes; namespace team-hog contributed the most \(\d+ bytes\)$/);
    expect(Object.keys(plan.toolsets).sort()).toEqual(['custom/team-1/x', 'custom/team-2/y', 'custom/team-hog/c']);
    expect(toolsetFileErrors(load(plan.document.content))).toEqual([]);
  });

  it('five Services rendering to near the cap each cannot freeze a small budget: what fits is written', () => {
    const tenants = Array.from({ length: 5 }, (_, i) => sized(`team-${i}`, 'big', 15_000));
    const grafana = candidate({ type: 'grafana', namespace: 'monitoring', name: 'grafana' });
    const plan = planToolsets([...tenants, grafana], undefined, { defaults: {}, budgetBytes: 40_000 });
    if (!plan.document.ok) throw new Error(plan.document.error);
    expect(Buffer.byteLength(plan.document.content)).toBeLessThanOrEqual(40_000);
    expect(plan.toolsets['grafana/dashboards']).toBeDefined();
    expect(plan.rejections.filter((r) => r.reason === 'OutputBudget')).toHaveLength(3);
  });

  it('the logs switch goes with the last logs toolset dropped', () => {
    const loki = candidate({ type: 'loki', namespace: 'logging', name: 'loki', config: {} });
    // Loki with the switch is 322 bytes, the placeholder file 344: at 300 neither fits, and nothing is written.
    const plan = planToolsets([loki], undefined, { defaults: {}, budgetBytes: 300 });
    expect(plan.toolsets).toEqual({});
    expect(plan.document).toEqual({ ok: false, error: 'the output is 344 bytes with every generated toolset left out (the base layer, overrides.yaml, or the placeholder), over output.sizeBudgetBytes (300)' });
  });

  it('a file over the budget without any generated toolset is no document at all, and says why', () => {
    const overrides = `toolsets:\n  mine:\n    description: "${'x'.repeat(2_000)}"\n    tools: []\n`;
    const plan = planToolsets([], overrides, { defaults: {}, budgetBytes: 1_024 });
    expect(plan.document).toEqual({ ok: false, error: expect.stringMatching(/^the output is 2\d{3} bytes with every generated toolset left out \(the base layer, overrides\.yaml, or the placeholder\), over output\.sizeBudgetBytes \(1024\)$/) as unknown });
  });

  it('within the budget nothing is dropped', () => {
    const plan = planToolsets([sized('a', 'x', 100), sized('b', 'y', 100)], undefined, { defaults: {}, budgetBytes: 100_000 });
    expect(plan.rejections).toEqual([]);
  });
});

describe('toolsetDefaults', () => {
  it('admin credentials are merged under the annotation\'s tuning keys; the checked endpoint always wins', () => {
    const prom = candidate({ type: 'prometheus', namespace: 'monitoring', name: 'p', config: { query_timeout_seconds_default: 30 } });
    const plan = planToolsets([prom], undefined, {
      defaults: { prometheus: { config: { additional_headers: { Authorization: 'Bearer {{ env.PROM_TOKEN }}' }, query_timeout_seconds_default: 10, prometheus_url: 'http://elsewhere' } } },
      budgetBytes: Number.MAX_SAFE_INTEGER,
    });
    expect(plan.toolsets['prometheus/metrics']).toEqual({
      enabled: true,
      config: { additional_headers: { Authorization: 'Bearer {{ env.PROM_TOKEN }}' }, query_timeout_seconds_default: 30, prometheus_url: prom.endpoint },
    });
  });

  it('defaults never reach custom toolsets (a tenant could aim them at its own server)', () => {
    const custom = candidate({ type: 'custom', namespace: 'team-a', name: 'api' });
    const plan = planToolsets([custom], undefined, { defaults: { prometheus: { config: { additional_headers: { A: 'b' } } } }, budgetBytes: Number.MAX_SAFE_INTEGER });
    expect(JSON.stringify(plan.toolsets)).not.toContain('additional_headers');
  });
});

describe('detectServices: one Service never fails the others', () => {
  it('an unexpected failure of one Service is its own InternalError rejection', () => {
    const broken = service({ namespace: 'team-a', name: 'broken', annotations: optIn('custom') });
    // A manifest the adapter would never produce: ports that are not a list make detection itself throw.
    (broken.spec as { ports: unknown }).ports = 'x';
    const fine = service({ namespace: 'team-b', name: 'fine', annotations: optIn('custom') });
    const { candidates, rejections } = detectServices([broken, fine] as Service[], detectionOptions());
    expect(candidates.map((c) => c.key)).toEqual(['team-b/fine']);
    expect(rejections).toEqual([expect.objectContaining({ key: 'team-a/broken', reason: 'InternalError', message: 'could not process this Service: TypeError' })]);
  });
});
