// npm run bench: every scenario in turn, each in its own process (one control plane at a time on two cores).
// BENCH_SCENARIOS=pipeline,health,scale picks and orders them; see docs/benchmarks.md for what each measures.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SCENARIOS = ['pipeline', 'health', 'scale'];
const chosen = (process.env.BENCH_SCENARIOS ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const unknown = chosen.filter((s) => !SCENARIOS.includes(s));
if (unknown.length > 0) {
  process.stderr.write(`unknown BENCH_SCENARIOS entries: ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const scenario of chosen) {
  const file = join(import.meta.dirname, `${scenario}.bench.ts`);
  const run = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', file], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed += 1;
    process.stderr.write(`[bench] scenario ${scenario} failed (exit ${run.status ?? run.signal})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
