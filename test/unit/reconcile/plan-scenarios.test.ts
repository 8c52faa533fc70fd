import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { createHash } from 'node:crypto';
import type { Plan } from '../../../src/reconcile/plan.ts';
import type { PlannedEvent } from '../../../src/reconcile/verdicts.ts';
import { toolsetFileErrors } from '../../../src/toolset/validate.ts';
import { loadScenarios, runScenario, type Scenario } from '../../support/plan-scenarios.ts';
import { seededRandom } from '../../support/seeded-random.ts';

/**
 * plan() scenario by scenario (test/scenarios/*.yaml; the format is described in test/support/plan-scenarios.ts).
 * Each scenario states its expectation; on top, every scenario is held to what must be true of any plan: an Event
 * for every verdict that has one, a loadable document within its budget, and the same bytes in any input order.
 */
const scenarios = loadScenarios();

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const verdictMap = (p: Plan) => Object.fromEntries(p.verdicts.map((v) => [`${v.namespace}/${v.name}`, `${v.verdict}/${v.reason}`]));
const eventList = (events: readonly PlannedEvent[]) => events.map((e) => `${e.event.reason} ${e.key}`).sort();

/** The Event each verdict calls for (SPEC §5: discovered, unhealthy, rejected, shadowed); none while pending. */
function expectedEvents(p: Plan): string[] {
  const written = new Set(p.toolsets);
  return p.verdicts.flatMap((v) => {
    const key = `service:${v.namespace}/${v.name}`;
    switch (v.verdict) {
      case 'rejected': return [`ToolsetRejected ${key}`];
      case 'unhealthy': return [`ToolsetUnhealthy ${key}`];
      case 'shadowed': return [`ToolsetShadowed ${key}`];
      // Announced once its current endpoint is verified (EndpointChanged: the previous entry is still written).
      case 'included': return v.toolset !== undefined && written.has(v.toolset) && v.reason === 'Healthy' ? [`ToolsetDiscovered ${key}`] : [];
      default: return [];
    }
  }).sort();
}

function checkExpectation(s: Scenario, p: Plan): void {
  const { expect: want } = s;
  expect(p.toolsets).toEqual([...want.toolsets].sort());
  const actual = verdictMap(p);
  const shown = Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, want.verdicts[k]?.includes('/') ? v : v.split('/')[0]]));
  expect(shown).toEqual(want.verdicts);
  expect(p.verdicts.length).toBe(Object.keys(actual).length);
  for (const [key, text] of Object.entries(want.messages ?? {})) {
    expect(p.verdicts.find((v) => `${v.namespace}/${v.name}` === key)?.message).toContain(text);
  }
  for (const [key, subset] of Object.entries(want.status ?? {})) {
    expect(p.verdicts.find((v) => `${v.namespace}/${v.name}` === key)).toMatchObject(subset);
  }
  const doc = want.document;
  if (doc && 'error' in doc) {
    expect(p.document.ok).toBe(false);
    if (!p.document.ok) expect(p.document.error).toContain(doc.error);
    return;
  }
  if (!p.document.ok) throw new Error(`no document: ${p.document.error}`);
  if (doc?.toolsets) expect(Object.keys(p.document.toolsets).sort()).toEqual([...doc.toolsets].sort());
  const written = writtenEntries(p.document.content);
  for (const [name, entry] of Object.entries(doc?.entries ?? {})) {
    expect(written[name]).toMatchObject(entry as Record<string, unknown>);
  }
}

function checkInvariants(s: Scenario, p: Plan): void {
  expect(eventList(p.events)).toEqual(expectedEvents(p));
  if (!s.settings.healthChecks) {
    // Nothing was checked: no check time and no failure count.
    expect(p.verdicts.filter((v) => v.lastCheck !== undefined || v.consecutiveFailures !== undefined)).toEqual([]);
  }
  if (!p.document.ok) return;
  const { content, hash, toolsets } = p.document;
  expect(hash).toBe(createHash('sha256').update(content).digest('hex'));
  expect(Buffer.byteLength(content)).toBeLessThanOrEqual(s.settings.budgetBytes);
  expect(toolsetFileErrors(load(content))).toEqual([]);
  const written = writtenEntries(content);
  expect(Object.keys(written).sort()).toEqual(Object.keys(toolsets).sort());
  for (const name of p.toolsets) expect(Object.keys(written)).toContain(name);
}

/** The entries HolmesGPT loads from the file: `toolsets:` and `mcp_servers:` (which it merges into the toolsets). */
function writtenEntries(content: string): Record<string, unknown> {
  const parsed = load(content) as { toolsets?: Record<string, unknown>; mcp_servers?: Record<string, unknown> };
  return { ...parsed.toolsets, ...parsed.mcp_servers };
}

describe('plan() scenarios (test/scenarios)', () => {
  it('has at least 40 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
  });

  describe.each([...new Set(scenarios.map((s) => s.file))])('%s', (file) => {
    for (const s of scenarios.filter((x) => x.file === file)) {
      it(s.name, () => {
        const before = structuredClone(s.services);
        const p = runScenario(s);
        expect(s.services).toEqual(before);
        checkExpectation(s, p);
        checkInvariants(s, p);
      });

      it(`${s.name}: same result in any input order`, () => {
        const reference = runScenario(s);
        const random = seededRandom(s.name.length * 7919 + s.services.length);
        for (let round = 0; round < 3; round++) {
          const p = runScenario(s, { services: shuffled(s.services, random), namespaces: shuffled(s.namespaces, random) });
          expect(p.document).toEqual(reference.document);
          expect(p.toolsets).toEqual(reference.toolsets);
          expect(p.verdicts).toEqual(reference.verdicts);
          expect(eventList(p.events)).toEqual(eventList(reference.events));
        }
      });
    }
  });
});
