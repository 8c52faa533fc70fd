// Health scenario of `npm run bench`: one full round of checks over 2,000 loopback targets of which 10% hang,
// through the operator's own bounded fan-out, HealthBook and HTTP checker, against the bound timeout × ceil(bad / concurrency).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defaultConfig } from '../src/config/fields.ts';
import { checkAll, HealthBook, type HealthTarget } from '../src/health/health-book.ts';
import { checkHealth } from '../src/health/http-check.ts';
import { Metrics } from '../src/observe/metrics.ts';
import { waitFor } from '../tools/control-plane/wait.ts';
import { log, machine, openFds, printTable, runScenario, type Row } from './support.ts';

const TARGETS = Number(process.env.BENCH_HEALTH_TARGETS ?? 2_000);
const HANGING_SHARE = 0.1;
const MARGIN_MS = 1_000;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string; sockets: Set<Socket> }> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  return { server, sockets, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function round(concurrency: number, timeoutMs: number): Promise<Row[]> {
  const ok = await listen((_req, res) => res.end('ok'));
  const hang = await listen(() => {}); // accepts, reads the request, never answers
  const bad = Math.round(TARGETS * HANGING_SHARE);
  const targets = Array.from({ length: TARGETS }, (_, i) => {
    // Spread the hanging ones evenly so they meet healthy ones in every wave of the fan-out.
    const hanging = i % Math.round(1 / HANGING_SHARE) === 0;
    return { key: `ns/t${i}`, type: 'custom', toolset: `custom/ns/t${i}`, healthUrl: `${hanging ? hang.url : ok.url}/t${i}` };
  });
  const fdsBefore = openFds(process.pid);
  const results = { healthy: 0, unhealthy: 0 };
  const book = new HealthBook({ failureThreshold: 1, metrics: new Metrics({ processMetrics: false }) });
  const check = async (target: HealthTarget, signal: AbortSignal) => {
    const verdict = await checkHealth(target.healthUrl, { timeoutMs, signal });
    results[verdict.healthy ? 'healthy' : 'unhealthy'] += 1;
    return verdict;
  };
  const started = performance.now();
  await checkAll(book, targets, check, { concurrency, timeoutMs });
  const cycleMs = performance.now() - started;
  const peakFds = openFds(process.pid);
  const boundMs = timeoutMs * Math.ceil(bad / concurrency);
  let fdsAfter = NaN;
  await waitFor(() => ((fdsAfter = openFds(process.pid)) <= fdsBefore ? true : undefined), {
    timeoutMs: 10_000, describe: () => `open fds back to ${fdsBefore} (now ${fdsAfter})`,
  }).catch(() => {});
  for (const s of hang.sockets) s.destroy();
  ok.server.close();
  hang.server.close();
  log(`concurrency ${concurrency}: ${TARGETS} checks in ${(cycleMs / 1000).toFixed(2)} s (${results.healthy} healthy, ${results.unhealthy} not)`);
  return [
    [`concurrency ${concurrency}, timeout ${timeoutMs / 1000} s: full cycle`, `${(cycleMs / 1000).toFixed(2)} s`, `<= ${((boundMs + MARGIN_MS) / 1000).toFixed(1)} s`, cycleMs <= boundMs + MARGIN_MS ? 'met' : 'MISSED'],
    ['  verdicts healthy / not (expected)', `${results.healthy} / ${results.unhealthy}`, `${TARGETS - bad} / ${bad}`, results.unhealthy === bad && results.healthy === TARGETS - bad ? 'met' : 'MISSED'],
    ['  open fds before / at the end of the cycle / settled', `${fdsBefore} / ${peakFds} / ${fdsAfter}`, 'back to before', fdsAfter <= fdsBefore ? 'met' : 'MISSED'],
  ];
}

async function main(): Promise<void> {
  const defaults = defaultConfig({}).health;
  const rows = [
    ...(await round(defaults.concurrency, defaults.timeoutMs)),
    ...(await round(defaults.concurrency * 2, defaults.timeoutMs)),
  ];
  printTable(`health: ${TARGETS} loopback targets, ${HANGING_SHARE * 100}% hanging (bound: timeout × ceil(hanging / concurrency) + ${MARGIN_MS} ms), ${machine()}`, rows);
}

runScenario(main);
