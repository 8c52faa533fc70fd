import { describe, expect, it } from '@jest/globals';
import type { Candidate } from '../../../src/discovery/candidate.ts';
import { claimOrder, resolveClaims } from '../../../src/discovery/claims.ts';
import { detect } from '../../../src/discovery/detect.ts';
import { candidate, detectionOptions, optIn, service } from './fixtures.ts';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const keys = (cs: readonly Candidate[]) => cs.map((c) => c.key);

describe('resolveClaims', () => {
  it('gives an unclaimed toolset to its only claimant', () => {
    const p = candidate({ type: 'prometheus', namespace: 'monitoring', name: 'prom' });
    expect(resolveClaims([p])).toEqual({ winners: [p], shadowed: [] });
  });

  it('returns nothing for no candidates', () => {
    expect(resolveClaims([])).toEqual({ winners: [], shadowed: [] });
  });

  it('higher priority wins even against an older Service and an earlier key', () => {
    const old = candidate({ type: 'prometheus', namespace: 'a', name: 'old', priority: 0, createdAt: '2020-01-01T00:00:00Z' });
    const preferred = candidate({ type: 'prometheus', namespace: 'z', name: 'new', priority: 5, createdAt: '2025-01-01T00:00:00Z' });
    const { winners, shadowed } = resolveClaims([old, preferred]);
    expect(winners).toEqual([preferred]);
    expect(shadowed).toEqual([{ candidate: old, by: 'z/new' }]);
  });

  it('negative priorities lose to the default 0', () => {
    const low = candidate({ type: 'grafana', namespace: 'a', name: 'low', priority: -1, createdAt: '2020-01-01T00:00:00Z' });
    const normal = candidate({ type: 'grafana', namespace: 'b', name: 'normal', createdAt: '2024-01-01T00:00:00Z' });
    expect(keys(resolveClaims([low, normal]).winners)).toEqual(['b/normal']);
  });

  it('with equal priority the older Service wins', () => {
    const older = candidate({ type: 'loki', namespace: 'z', name: 'older', createdAt: '2023-06-01T10:00:00Z' });
    const newer = candidate({ type: 'loki', namespace: 'a', name: 'newer', createdAt: '2023-06-01T10:00:01Z' });
    const { winners, shadowed } = resolveClaims([newer, older]);
    expect(keys(winners)).toEqual(['z/older']);
    expect(shadowed).toEqual([{ candidate: newer, by: 'z/older' }]);
  });

  it('with equal priority and age the namespace/name order decides', () => {
    const b = candidate({ type: 'tempo', namespace: 'b', name: 'tempo' });
    const a2 = candidate({ type: 'tempo', namespace: 'a', name: 'tempo2' });
    const a1 = candidate({ type: 'tempo', namespace: 'a', name: 'tempo1' });
    const { winners, shadowed } = resolveClaims([b, a2, a1]);
    expect(keys(winners)).toEqual(['a/tempo1']);
    expect(shadowed.map((s) => [s.candidate.key, s.by])).toEqual([['a/tempo2', 'a/tempo1'], ['b/tempo', 'a/tempo1']]);
  });

  it('every loser is shadowed and names the winner; nothing is dropped', () => {
    const claimants = [
      candidate({ type: 'prometheus', namespace: 'n1', name: 'p1', priority: 1 }),
      candidate({ type: 'prometheus', namespace: 'n2', name: 'p2', priority: 3 }),
      candidate({ type: 'prometheus', namespace: 'n3', name: 'p3', priority: 2 }),
      candidate({ type: 'prometheus', namespace: 'n4', name: 'p4', priority: 3, createdAt: '2025-01-01T00:00:00Z' }),
    ];
    const { winners, shadowed } = resolveClaims(claimants);
    expect(keys(winners)).toEqual(['n2/p2']);
    expect(shadowed).toHaveLength(3);
    expect(shadowed.every((s) => s.by === 'n2/p2')).toBe(true);
    expect(new Set(shadowed.map((s) => s.candidate.key))).toEqual(new Set(['n1/p1', 'n3/p3', 'n4/p4']));
    // Shadowed in claim order: the runner-up first.
    expect(shadowed.map((s) => s.candidate.key)).toEqual(['n4/p4', 'n3/p3', 'n1/p1']);
  });

  it('resolves each built-in toolset independently', () => {
    const { winners, shadowed } = resolveClaims([
      candidate({ type: 'prometheus', namespace: 'a', name: 'p', priority: 1 }),
      candidate({ type: 'grafana', namespace: 'a', name: 'g' }),
      candidate({ type: 'prometheus', namespace: 'b', name: 'p' }),
      candidate({ type: 'grafana', namespace: 'b', name: 'g', priority: 9 }),
    ]);
    expect(winners.map((c) => [c.toolset, c.key])).toEqual([['grafana/dashboards', 'b/g'], ['prometheus/metrics', 'a/p']]);
    expect(shadowed.map((s) => [s.candidate.key, s.by]).sort()).toEqual([['a/g', 'b/g'], ['b/p', 'a/p']]);
  });

  it('custom and jaeger toolsets of different Services never collide', () => {
    const detected = [
      service({ namespace: 'shop', name: 'api', annotations: optIn('custom') }),
      service({ namespace: 'billing', name: 'api', annotations: optIn('custom') }),
      service({ namespace: 'shop', name: 'api-v2', annotations: optIn('custom') }),
      service({ namespace: 'tracing', name: 'jaeger', annotations: optIn('jaeger') }),
      service({ namespace: 'tracing-eu', name: 'jaeger', annotations: optIn('jaeger') }),
    ].map((svc) => {
      const d = detect(svc, detectionOptions());
      if (d.kind !== 'candidate') throw new Error(JSON.stringify(d));
      return d.candidate;
    });
    const { winners, shadowed } = resolveClaims(detected);
    expect(shadowed).toEqual([]);
    expect(winners.map((c) => c.toolset)).toEqual([
      'custom/billing/api',
      'custom/shop/api',
      'custom/shop/api-v2',
      'jaeger/tracing-eu/jaeger',
      'jaeger/tracing/jaeger',
    ].sort((a, b) => a.localeCompare(b)));
  });

  it('sorts winners by toolset name', () => {
    const input = [
      candidate({ type: 'tempo' }),
      candidate({ type: 'custom', namespace: 'a', name: 'x' }),
      candidate({ type: 'prometheus' }),
      candidate({ type: 'elasticsearch' }),
      candidate({ type: 'grafana' }),
      candidate({ type: 'loki' }),
      candidate({ type: 'jaeger', namespace: 'a', name: 'j' }),
    ];
    expect(resolveClaims(input).winners.map((c) => c.toolset)).toEqual([
      'custom/a/x',
      'elasticsearch/data',
      'grafana/dashboards',
      'grafana/loki',
      'grafana/tempo',
      'jaeger/a/j',
      'prometheus/metrics',
    ]);
  });

  it('gives the same answer for every input order', () => {
    const input = [
      candidate({ type: 'prometheus', namespace: 'a', name: 'p1' }),
      candidate({ type: 'prometheus', namespace: 'b', name: 'p2' }),
      candidate({ type: 'prometheus', namespace: 'c', name: 'p3', priority: 1 }),
      candidate({ type: 'grafana', namespace: 'a', name: 'g' }),
      candidate({ type: 'custom', namespace: 'a', name: 'c' }),
    ];
    const expected = resolveClaims(input);
    expect(keys(expected.winners)).toEqual(['a/c', 'a/g', 'c/p3']);
    for (const order of permutations(input)) {
      const got = resolveClaims(order);
      expect(keys(got.winners)).toEqual(keys(expected.winners));
      expect(got.shadowed.map((s) => [s.candidate.key, s.by])).toEqual(expected.shadowed.map((s) => [s.candidate.key, s.by]));
    }
  });

  it('does not reorder or change its input', () => {
    const input = [candidate({ type: 'prometheus', namespace: 'b', name: 'p' }), candidate({ type: 'prometheus', namespace: 'a', name: 'p' })];
    const before = structuredClone(input);
    resolveClaims(input);
    expect(input).toEqual(before);
  });
});

describe('claimOrder', () => {
  it('is negative when the first candidate should win', () => {
    const hi = candidate({ type: 'prometheus', namespace: 'z', name: 'z', priority: 2 });
    const lo = candidate({ type: 'prometheus', namespace: 'a', name: 'a', priority: 1 });
    expect(claimOrder(hi, lo)).toBeLessThan(0);
    expect(claimOrder(lo, hi)).toBeGreaterThan(0);
    expect(claimOrder(hi, hi)).toBe(0);
  });
});
