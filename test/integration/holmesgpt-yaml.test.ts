// The operator reads and writes YAML as HolmesGPT 0.45.0 reads it: PyYAML's safe_load (YAML 1.1, through benedict),
// checked against PyYAML itself in the HolmesGPT venv. js-yaml's own default is YAML 1.2, where `enabled: yes` is a
// string and `0755` is 755.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { validate } from '../../src/cli/validate.ts';
import { dumpForHolmesGPT, loadAsHolmesGPT } from '../../src/toolset/holmes-yaml.ts';
import { parseOverrides } from '../../src/toolset/overrides.ts';
import { holmesPython } from '../support/holmesgpt.ts';

/** PyYAML's reading of each document, as JSON (non-finite numbers and dates spelled so JSON can carry them). */
function pyyaml(documents: readonly string[]): unknown[] {
  const script = [
    'import datetime, json, math, sys, yaml',
    'def plain(v):',
    '    if isinstance(v, float) and not math.isfinite(v): return {"float": str(v)}',
    '    if isinstance(v, (datetime.date, datetime.datetime)): return {"date": v.isoformat()}',
    '    if isinstance(v, dict): return {str(k): plain(x) for k, x in v.items()}',
    '    if isinstance(v, list): return [plain(x) for x in v]',
    '    return v',
    'print(json.dumps([plain(yaml.safe_load(d)) for d in json.load(sys.stdin)]))',
  ].join('\n');
  const out = spawnSync(holmesPython(), ['-c', script], { input: JSON.stringify(documents), encoding: 'utf8', timeout: 60_000 });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as unknown[];
}

function plain(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { float: Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf' };
  if (v instanceof Date) return { date: v.toISOString().replace('.000Z', '').replace('T00:00:00', '') };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const SCALARS = [
  'yes', 'Yes', 'YES', 'no', 'No', 'on', 'On', 'OFF', 'off', 'y', 'Y', 'n', 'N', 'true', 'False', 'TRUE', 'tRue',
  '0755', '0o755', '0x1F', '0b101', '08', '09', '1_000', '-1_000', '+12', '1:30', '1:30.5', '190:20:30', '12',
  '1.5', '1e3', '1.0e3', '1.0e+3', '.5', '.inf', '-.Inf', '.NaN', '~', 'null', 'Null', 'NULL', '',
  '2001-12-14', 'plain', '0', '-0', '007', '0.', '1__2',
];

describe('YAML as HolmesGPT reads it (PyYAML safe_load, YAML 1.1)', () => {
  it('reads every plain scalar the way PyYAML does', () => {
    const documents = SCALARS.map((s) => `v: ${s}`);
    const theirs = pyyaml(documents);
    const ours = documents.map((d) => plain(loadAsHolmesGPT(d)));
    const differ = SCALARS.map((s, i) => ({ s, ours: ours[i], theirs: theirs[i] })).filter((d) => JSON.stringify(d.ours) !== JSON.stringify(d.theirs));
    expect(differ).toEqual([]);
  });

  it('writes strings so that PyYAML reads back the same strings', () => {
    const value = { toolsets: Object.fromEntries(SCALARS.map((s, i) => [`t${i}`, { description: s, [s || 'empty']: s }])) };
    const [back] = pyyaml([dumpForHolmesGPT(value, { sortKeys: true, lineWidth: -1 })]);
    expect(back).toEqual(value);
  });

  it('validate and overrides.yaml accept `enabled: yes` and refuse `enabled: y`, as HolmesGPT does', () => {
    const out: string[] = [];
    const run = (text: string) => validate('-', () => text, (t) => void out.push(t), (t) => void out.push(t));
    const entry = (enabled: string) => `toolsets:\n  grafana/loki:\n    enabled: ${enabled}\n    config:\n      api_url: http://loki.monitoring.svc:3100\n`;
    expect(run(entry('yes'))).toBe(0);
    expect(run(entry('y'))).toBe(1);
    expect(out.join('')).toMatch(/enabled.*boolean/);
    expect(parseOverrides('toolsets:\n  kubernetes/logs:\n    enabled: off\n')).toMatchObject({ ok: true, toolsets: { 'kubernetes/logs': { enabled: false } } });
  });
});
