// The consumer truth matrix: for every type and every way a backend can answer, does the operator's verdict
// (included or not, on the real API server) equal HolmesGPT 0.45.0's (enabled or not, its own loader and
// prerequisite checks on the entry the operator writes)? The only differences allowed are the ones
// docs/holmesgpt-compatibility.md explains, and they are asserted exactly, so a change on either side shows.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candidate } from '../../src/discovery/candidate.ts';
import { detect } from '../../src/discovery/detect.ts';
import type { ShortType } from '../../src/discovery/toolset-types.ts';
import { toService } from '../../src/kube/convert.ts';
import { detectionOptions, planSettings } from '../../src/reconcile/plan.ts';
import { toolsetDocument } from '../../src/toolset/document.ts';
import { renderEntry, type ToolsetDefaults } from '../../src/toolset/render.ts';
import type { OperatorConfig } from '../../src/config/operator-config.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { BEHAVIOURS, BehaviourServer, REQUIRED_TOKEN, type Behaviour } from '../support/backend-behaviours.ts';
import { HOLMES_TEST_TIMEOUT_MS, holmesLoadSequence } from '../support/holmesgpt.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';

const work = mkdtempSync(join(tmpdir(), 'kubernaut-truth-'));
const TYPES: ShortType[] = ['prometheus', 'thanos', 'victoriametrics', 'mimir', 'grafana', 'loki', 'victorialogs', 'tempo', 'elasticsearch', 'jaeger', 'custom'];
/** One HolmesGPT file holds one entry per built-in name, so the Prometheus-compatible types get files of their own. */
const FILES: ShortType[][] = [['prometheus', 'grafana', 'loki', 'victorialogs', 'tempo', 'elasticsearch', 'jaeger', 'custom'], ['thanos'], ['victoriametrics'], ['mimir']];
/**
 * HolmesGPT's check budget, its production default. A shorter one made HolmesGPT fail a healthy backend (and pass
 * nothing it should not) on a loaded machine: the matrix would then compare load, not behaviour. Hanging backends cut
 * their connections after 8 s, so they fail within it either way.
 */
const PREREQ_SECONDS = 20;
/**
 * HolmesGPT's Grafana check (api/dashboards/tags) turns HTTP and connection errors into a result it ignores
 * (grafana/toolset_grafana.py:192-199, :264-284): it enables a Grafana that answers 401 or 503, or is not even HTTP.
 * The operator checks that /api/health answers JSON and leaves such a Grafana out.
 */
const KNOWN_DIFFERENCES = ['grafana × unauthorized', 'grafana × unavailable', 'grafana × other-protocol'];

interface Cell { type: ShortType; behaviour: Behaviour; operator: boolean; holmesgpt: boolean }

/** The entry the operator writes for each Service: its own detection and rendering, on the Services the API server holds. */
async function entriesOf(core: CoreV1Api, ns: string, config: OperatorConfig, defaults: ToolsetDefaults): Promise<Map<string, { candidate: Candidate; entry: Record<string, unknown> }>> {
  const options = detectionOptions(planSettings(config), () => new Set());
  const out = new Map<string, { candidate: Candidate; entry: Record<string, unknown> }>();
  for (const raw of (await core.listNamespacedService({ namespace: ns })).items) {
    const d = detect(toService(raw), options);
    if (d.kind !== 'candidate') throw new Error(`${raw.metadata?.name}: ${JSON.stringify(d)}`);
    const rendered = renderEntry(d.candidate, defaults);
    if (!rendered.ok) throw new Error(`${raw.metadata?.name}: ${rendered.rejection.message}`);
    out.set(d.candidate.service.name, { candidate: d.candidate, entry: rendered.entry });
  }
  return out;
}

async function judged(running: RunningOperator, count: number): Promise<Map<string, boolean>> {
  const status = () => running.operator.status().services;
  await waitFor(() => (status().length === count && status().every((s) => s.verdict !== 'pending') ? true : undefined), {
    timeoutMs: 60_000, describe: () => `all ${count} judged: ${JSON.stringify(status().filter((s) => s.verdict === 'pending').map((s) => s.name))}`,
  });
  // Shadowed means healthy and written under another Service's claim: healthy all the same.
  return new Map(status().map((s) => [s.name, s.verdict === 'included' || s.verdict === 'shadowed']));
}

describe('consumer truth matrix: the operator includes what HolmesGPT 0.45.0 enables', () => {
  let core: CoreV1Api;
  const servers = new Map<Behaviour, BehaviourServer>();
  let running: RunningOperator | undefined;

  beforeAll(async () => {
    core = fixtureApi().core;
    for (const b of [...BEHAVIOURS, 'token-required' as const]) servers.set(b, await BehaviourServer.start(b));
  });

  afterAll(async () => {
    await running?.stop();
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  it(`${TYPES.length} types × ${BEHAVIOURS.length} behaviours agree, except HolmesGPT's own Grafana check`, async () => {
    const ns = await freshNamespace(core, 'truth');
    const name = (t: ShortType, b: Behaviour) => `${t}-${b}`;
    await createServices(core, ns, TYPES.flatMap((t) => BEHAVIOURS.map((b) => ({ name: name(t, b), type: t, endpoint: servers.get(b)?.url ?? '' }))));
    const config = testConfig(ns);
    running = await startOperator(config);
    const operator = await judged(running, TYPES.length * BEHAVIOURS.length);

    const entries = await entriesOf(core, ns, config, {});
    const files: string[] = [];
    for (const b of BEHAVIOURS) {
      for (const [i, group] of FILES.entries()) {
        const file = join(work, `${b}-${i}.yaml`);
        const toolsets = Object.fromEntries(group.map((t) => {
          const e = entries.get(name(t, b));
          return [e?.candidate.toolset ?? t, e?.entry ?? {}];
        }));
        writeFileSync(file, toolsetDocument(toolsets));
        files.push(file);
      }
    }
    const loaded = await holmesLoadSequence(files, work, PREREQ_SECONDS);
    expect(loaded).toHaveLength(files.length);
    const cells: Cell[] = [];
    for (const [f, result] of loaded.entries()) {
      const b = BEHAVIOURS[Math.floor(f / FILES.length)] as Behaviour;
      for (const t of FILES[f % FILES.length] ?? []) {
        const toolset = entries.get(name(t, b))?.candidate.toolset ?? '';
        expect({ file: result.file, toolset, loaded: result.toolsets[toolset] !== undefined, invalid: result.invalid }).toEqual({ file: result.file, toolset, loaded: true, invalid: [] });
        cells.push({ type: t, behaviour: b, operator: operator.get(name(t, b)) ?? false, holmesgpt: result.toolsets[toolset]?.status === 'enabled' });
      }
    }

    const mark = (c: Cell) => `${c.operator ? 'in' : 'out'}/${c.holmesgpt ? 'on' : 'off'}`;
    const table = [`| type | ${BEHAVIOURS.join(' | ')} |`, `|---|${BEHAVIOURS.map(() => '---').join('|')}|`,
      ...TYPES.map((t) => `| ${t} | ${BEHAVIOURS.map((b) => mark(cells.find((c) => c.type === t && c.behaviour === b) as Cell)).join(' | ')} |`)];
    process.stdout.write(`consumer truth matrix (operator in/out of the file, HolmesGPT on/off):\n${table.join('\n')}\n`);
    expect(cells).toHaveLength(TYPES.length * BEHAVIOURS.length);
    const differences = cells.filter((c) => c.operator !== c.holmesgpt).map((c) => `${c.type} × ${c.behaviour}`);
    expect(differences.sort()).toEqual([...KNOWN_DIFFERENCES].sort());
    // In the known differences HolmesGPT is the one enabling: the operator never includes what HolmesGPT fails.
    expect(cells.filter((c) => c.operator && !c.holmesgpt)).toEqual([]);
    // Every behaviour but a healthy one (and a web page where the type's check accepts any 200) leaves the operator out.
    expect(cells.filter((c) => c.behaviour === 'healthy').every((c) => c.operator && c.holmesgpt)).toBe(true);
  }, 300_000);

  it('with admin credentials for a type, a 401 means "HolmesGPT will authenticate": both include it; a wrong credential only HolmesGPT can tell', async () => {
    await running?.stop();
    const ns = await freshNamespace(core, 'truth-auth');
    const defaults: ToolsetDefaults = { prometheus: { config: { additional_headers: { Authorization: 'Bearer {{ env.TRUTH_TOKEN }}' } } } };
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: servers.get('token-required')?.url ?? '' }]);
    const config = testConfig(ns, { toolsetDefaults: defaults });
    running = await startOperator(config);
    expect((await judged(running, 1)).get('prometheus')).toBe(true);
    const entry = (await entriesOf(core, ns, config, defaults)).get('prometheus')?.entry ?? {};
    const file = join(work, 'credentials.yaml');
    writeFileSync(file, toolsetDocument({ 'prometheus/metrics': entry }));
    const [right] = await holmesLoadSequence([file], mkdtempSync(join(work, 'right-')), PREREQ_SECONDS, { TRUTH_TOKEN: REQUIRED_TOKEN });
    const [wrong] = await holmesLoadSequence([file], mkdtempSync(join(work, 'wrong-')), PREREQ_SECONDS, { TRUTH_TOKEN: 'not-the-token' });
    expect({ right: right?.toolsets['prometheus/metrics']?.status, wrong: wrong?.toolsets['prometheus/metrics']?.status }).toEqual({ right: 'enabled', wrong: 'failed' });
  }, 2 * HOLMES_TEST_TIMEOUT_MS);
});
