// The consumer truth matrix: for every type and every way a backend can answer, does the operator's verdict equal
// HolmesGPT 0.45.0's? Both sides come from what the operator really wrote to the API server:
// - the operator's side is whether the Service's entry is in the ConfigMap it wrote (health checks on);
// - HolmesGPT's side is HolmesGPT loading the ConfigMap a second operator wrote for the same Services with health
//   checks off (every entry, rendered and written by the same code), its prerequisite checks included.
// HolmesGPT also loads every file the health-checking operator wrote, and every toolset named in it must come back by
// name with a status: an entry HolmesGPT drops or refuses fails the matrix. The only differences allowed are the ones
// docs/holmesgpt-compatibility.md explains, and they are asserted exactly, so a change on either side shows.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../src/config/fields.ts';
import type { OperatorConfig } from '../../src/config/operator-config.ts';
import { toolsetName } from '../../src/discovery/detect.ts';
import type { ShortType } from '../../src/discovery/toolset-types.ts';
import { HASH_ANNOTATION } from '../../src/output/configmap-writer.ts';
import { PLACEHOLDER_TOOLSET } from '../../src/reconcile/output-document.ts';
import type { ToolsetDefaults } from '../../src/discovery/toolset-types.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { BEHAVIOURS, BehaviourServer, REQUIRED_TOKEN, type Behaviour } from '../support/backend-behaviours.ts';
import { HOLMES_TEST_TIMEOUT_MS, holmesLoadSequence, notReturned, type Loaded } from '../support/holmesgpt.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { readOutput, startOperator, testConfig, type ConfigPatch, type OutputSnapshot } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';

const work = mkdtempSync(join(tmpdir(), 'kubernaut-truth-'));
const TYPES: ShortType[] = ['prometheus', 'thanos', 'victoriametrics', 'mimir', 'grafana', 'loki', 'victorialogs', 'tempo', 'elasticsearch', 'jaeger', 'custom'];
/**
 * One namespace (and so one written file) holds one Service per built-in name, so the Prometheus-compatible types
 * get namespaces of their own; otherwise they would shadow each other.
 */
const GROUPS: ShortType[][] = [['prometheus', 'grafana', 'loki', 'victorialogs', 'tempo', 'elasticsearch', 'jaeger', 'custom'], ['thanos'], ['victoriametrics'], ['mimir']];
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
/**
 * The operator's production check timeout (the test harness shortens it to 1 s): with one behaviour's eight operators
 * checking at once on a loaded machine, a healthy backend answered after 1 s in a CI run, and the matrix compared
 * load, not behaviour. Hanging backends fail at this timeout either way.
 */
const OPERATOR_HEALTH = { health: { timeoutMs: defaultConfig({}).health.timeoutMs } };
/** The health-check-free operator writes beside the real one, in its own ConfigMap. */
const EVERY_ENTRY_OUTPUT = 'kubernaut-toolset-every-entry';

interface Cell { type: ShortType; behaviour: Behaviour; operator: boolean; holmesgpt: boolean }

/**
 * Runs the real operator until the ConfigMap on the API server holds its decision on all `count` Services (no
 * verdict pending, the stored hash annotation equal to the hash of its last decision), and returns that ConfigMap.
 */
async function writtenBy(core: CoreV1Api, config: OperatorConfig, count: number): Promise<OutputSnapshot> {
  const running = await startOperator(config);
  try {
    const { namespace, name, key } = config.output;
    return await waitFor(async () => {
      const status = running.operator.status();
      if (status.services.length !== count || status.services.some((s) => s.verdict === 'pending') || !status.output.hash) return undefined;
      const out = await readOutput(core, namespace, name, key);
      return out?.annotations[HASH_ANNOTATION] === status.output.hash ? out : undefined;
    }, {
      timeoutMs: 90_000,
      describe: () => `${namespace}/${name}: all ${count} Services judged and written: ${JSON.stringify(running.operator.status().services.map((s) => [s.name, s.verdict]))}`,
    });
  } finally {
    await running.stop();
  }
}

/** The health-checked file and the every-entry file, both as the operator wrote them for the Services of `ns`. */
async function bothFiles(core: CoreV1Api, ns: string, count: number, patch: ConfigPatch = {}): Promise<{ checked: OutputSnapshot; every: OutputSnapshot }> {
  const [checked, every] = await Promise.all([
    writtenBy(core, testConfig(ns, patch), count),
    writtenBy(core, testConfig(ns, { ...patch, health: { ...patch.health, enabled: false }, output: { ...patch.output, name: EVERY_ENTRY_OUTPUT } }), count),
  ]);
  return { checked, every };
}

/** The ConfigMap's text, byte for byte, in a file HolmesGPT can load. */
function fileOf(out: OutputSnapshot, name: string): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, out.text);
  return file;
}

/** Every toolset the file names came back from HolmesGPT by name with a status, and nothing was refused. */
function everyWrittenToolsetReturned(out: OutputSnapshot, loaded: Loaded | undefined): { missing: string[]; invalid: string[]; loadError: string | null } {
  return {
    missing: notReturned(Object.keys(out.toolsets), loaded),
    invalid: loaded?.invalid ?? ['not loaded'],
    loadError: loaded?.load_error ?? null,
  };
}

describe('consumer truth matrix: the operator includes what HolmesGPT 0.45.0 enables', () => {
  let core: CoreV1Api;
  const servers = new Map<Behaviour, BehaviourServer>();

  beforeAll(async () => {
    core = fixtureApi().core;
    for (const b of [...BEHAVIOURS, 'token-required' as const]) servers.set(b, await BehaviourServer.start(b));
  });

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  it(`${TYPES.length} types × ${BEHAVIOURS.length} behaviours agree, except HolmesGPT's own Grafana check`, async () => {
    const name = (t: ShortType, b: Behaviour) => `${t}-${b}`;
    // One behaviour at a time (its four namespaces, two operators each, at once): bounded load on two cores.
    const runs: ({ b: Behaviour; group: ShortType[]; ns: string } & Awaited<ReturnType<typeof bothFiles>>)[] = [];
    for (const b of BEHAVIOURS) {
      runs.push(...await Promise.all(GROUPS.map(async (group, g) => {
        const ns = await freshNamespace(core, `truth-${g}`);
        await createServices(core, ns, group.map((t) => ({ name: name(t, b), type: t, endpoint: servers.get(b)?.url ?? '' })));
        return { b, group, ns, ...(await bothFiles(core, ns, group.length, OPERATOR_HEALTH)) };
      })));
    }

    const files = runs.flatMap((r, i) => [fileOf(r.every, `every-${i}`), fileOf(r.checked, `checked-${i}`)]);
    const loaded = await holmesLoadSequence(files, work, PREREQ_SECONDS);
    expect(loaded).toHaveLength(files.length);
    const cells: Cell[] = [];
    for (const [i, run] of runs.entries()) {
      const [every, checked] = [loaded[2 * i], loaded[2 * i + 1]];
      for (const [out, result] of [[run.every, every], [run.checked, checked]] as const) {
        expect({ ns: run.ns, ...everyWrittenToolsetReturned(out, result) }).toEqual({ ns: run.ns, missing: [], invalid: [], loadError: null });
      }
      // Health checks only leave entries out: what the checked file holds is the every-entry file's entry, unchanged
      // (or, with every Service left out, the operator's switched-off placeholder).
      for (const [toolset, entry] of Object.entries(run.checked.toolsets)) {
        if (toolset !== PLACEHOLDER_TOOLSET) expect({ toolset, entry: run.every.toolsets[toolset] }).toEqual({ toolset, entry });
      }
      for (const t of run.group) {
        const toolset = toolsetName(t, { namespace: run.ns, name: name(t, run.b) });
        expect({ ns: run.ns, toolset, inEveryEntryFile: run.every.toolsets[toolset] !== undefined }).toEqual({ ns: run.ns, toolset, inEveryEntryFile: true });
        cells.push({ type: t, behaviour: run.b, operator: run.checked.toolsets[toolset] !== undefined, holmesgpt: every?.toolsets[toolset]?.status === 'enabled' });
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
    const ns = await freshNamespace(core, 'truth-auth');
    const toolsetDefaults: ToolsetDefaults = { prometheus: { config: { additional_headers: { Authorization: 'Bearer {{ env.TRUTH_TOKEN }}' } } } };
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: servers.get('token-required')?.url ?? '' }]);
    const written = await writtenBy(core, testConfig(ns, { toolsetDefaults, ...OPERATOR_HEALTH }), 1);
    expect(Object.keys(written.toolsets)).toContain('prometheus/metrics');
    const file = fileOf(written, 'credentials');
    const [right] = await holmesLoadSequence([file], mkdtempSync(join(work, 'right-')), PREREQ_SECONDS, { TRUTH_TOKEN: REQUIRED_TOKEN });
    const [wrong] = await holmesLoadSequence([file], mkdtempSync(join(work, 'wrong-')), PREREQ_SECONDS, { TRUTH_TOKEN: 'not-the-token' });
    expect(everyWrittenToolsetReturned(written, right)).toEqual({ missing: [], invalid: [], loadError: null });
    expect({ right: right?.toolsets['prometheus/metrics']?.status, wrong: wrong?.toolsets['prometheus/metrics']?.status }).toEqual({ right: 'enabled', wrong: 'failed' });
  }, 2 * HOLMES_TEST_TIMEOUT_MS);
});
