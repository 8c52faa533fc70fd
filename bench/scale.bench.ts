// Scale scenario of `npm run bench`: 5,000 annotated Services among 20,000 others, then reaction latency under
// 50 background changes a second, then a soak with steady churn. One cluster for all three: filling it is the
// slow part (the API server creates ~45-90 Services a second on two cores).
import { PatchStrategy, setHeaderOptions, type CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '../tools/control-plane/control-plane.ts';
import { freePort } from '../tools/control-plane/ports.ts';
import { waitFor } from '../tools/control-plane/wait.ts';
import {
  adminApi, buildDist, chartNodeFlags, cpuSeconds, inBatches, lastHeapUsed, log, machine, okTarget, openFds, OutputWatcher, percentile,
  printTable, rssMiB, rssText, runScenario, scrape, startOperator, stopOperator, type Row,
} from './support.ts';

const ANNOTATED = Number(process.env.BENCH_SCALE_ANNOTATED ?? 5_000);
const NOISE = Number(process.env.BENCH_SCALE_NOISE ?? 20_000);
/** Custom toolsets are ~575 bytes each: 1,200 fill ~690 KB of the 900 KiB budget; the rest are built-in types. */
const CUSTOM = Math.min(ANNOTATED, Number(process.env.BENCH_SCALE_CUSTOM ?? 1_200));
const BACKGROUND_PER_SECOND = Number(process.env.BENCH_BACKGROUND_RATE ?? 50);
const LATENCY_CHANGES = Number(process.env.BENCH_CHANGES ?? 60);
const SOAK_MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const HEAP_MIB = Number(process.env.BENCH_HEAP_MIB ?? 256);
const QUIET_MS = 500;
const MAX_DELAY_MS = 5_000;
const BUILTIN_TYPES = ['prometheus', 'grafana', 'loki', 'tempo', 'elasticsearch'] as const;
const TOOLSETS_NS = 'bench-toolsets';
const NOISE_NS = 'bench-noise';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const customCount = (text: string) => text.match(/^ {2}custom\//gm)?.length ?? 0;

function annotations(type: string, endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': type, 'kubernaut.io/toolset-endpoint': endpoint, ...extra };
}

/** Sends `perSecond` patches a second from `next()` until stopped; counts what was sent and what failed. */
class BackgroundChurn {
  sent = 0;
  failed = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #startedAt = 0;

  start(perSecond: number, next: () => Promise<unknown>): void {
    this.#startedAt = performance.now();
    const tickMs = 100;
    const perTick = perSecond / (1000 / tickMs);
    let owed = 0;
    this.#timer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed -= 1) {
        // A backlog beyond a second's worth is dropped, so the achieved rate reports what the API server took.
        if (this.#inFlight >= perSecond) continue;
        this.#inFlight += 1;
        this.sent += 1;
        next().catch(() => (this.failed += 1)).finally(() => (this.#inFlight -= 1));
      }
    }, tickMs);
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.sent / ((performance.now() - this.#startedAt) / 1000);
  }
}

async function fill(core: CoreV1Api, targetUrl: string): Promise<{ winners: Map<string, string> }> {
  for (const name of ['kubernaut-system', TOOLSETS_NS, NOISE_NS]) await core.createNamespace({ body: { metadata: { name } } });
  const started = performance.now();
  // Headless: no ClusterIP to allocate, which halves the API server's writes for Services the operator ignores.
  await inBatches(Array.from({ length: NOISE }, (_, i) => i), 200, (i) =>
    core.createNamespacedService({ namespace: NOISE_NS, body: { metadata: { name: `noise-${i}` }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 8080 }] } } }));
  log(`created ${NOISE} unannotated Services in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const winners = new Map<string, string>();
  await inBatches(Array.from({ length: ANNOTATED }, (_, i) => i), 200, (i) => {
    const custom = i < CUSTOM;
    const type = custom ? 'custom' : BUILTIN_TYPES[i % BUILTIN_TYPES.length] ?? 'prometheus';
    // Built-in types compete for one toolset each; the highest priority (the last of each type) must win.
    const endpoint = custom ? targetUrl : `${targetUrl}/b${i}`;
    if (!custom) winners.set(type, endpoint);
    return core.createNamespacedService({
      namespace: TOOLSETS_NS,
      body: {
        metadata: { name: `svc-${i}`, annotations: annotations(type, endpoint, custom ? {} : { 'kubernaut.io/toolset-priority': String(i) }) },
        spec: { ports: [{ name: 'http', port: 8080 }] },
      },
    });
  });
  log(`created ${NOISE} + ${ANNOTATED} Services in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return { winners };
}

/** One annotation change at a time until the separate watcher sees it; returns sorted latencies in ms. */
async function latencies(core: CoreV1Api, watcher: OutputWatcher, label: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 1; i <= count; i++) {
    const marker = `${label}-${i}`;
    const sent = performance.now();
    const seen = watcher.when((text) => text.includes(marker), 60_000);
    await core.patchNamespacedService(
      { namespace: TOOLSETS_NS, name: 'svc-0', body: { metadata: { annotations: { 'kubernaut.io/toolset-description': marker } } } },
      mergePatch,
    );
    out.push((await seen) - sent);
  }
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  buildDist();
  const work = mkdtempSync(join(tmpdir(), 'kubernaut-bench-scale-'));
  await down('bench-scale');
  const cp = await up({ name: 'bench-scale', controllerManager: false, audit: false, progress: log });
  const { kc, core } = adminApi(cp.kubeconfig);
  const target = await okTarget();
  const { winners } = await fill(core, target.url);

  const watcher = new OutputWatcher();
  await watcher.start(kc);
  const metricsPort = await freePort();
  const config = join(work, 'config.yaml');
  writeFileSync(config, [
    'endpoints:\n  allowedHosts: ["127.0.0.1"]',
    // The toolsets point at loopback targets through allowedHosts, which only a trusted namespace may use.
    `tenancy:\n  trustedNamespaces: ["${TOOLSETS_NS}"]`,
    `reconcile:\n  quietWindow: ${QUIET_MS}ms\n  maxDelay: ${MAX_DELAY_MS}ms`,
    `http:\n  address: 127.0.0.1\n  port: ${await freePort()}\n  metricsPort: ${metricsPort}`,
  ].join('\n'));
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

  // 1. Start to first complete ConfigMap.
  const started = performance.now();
  const operator = startOperator(cp.kubeconfig, config, join(work, 'operator.log'), chartNodeFlags(HEAP_MIB));
  const pid = operator.pid ?? 0;
  const complete = await watcher.when(
    (text) => customCount(text) === CUSTOM && [...winners.values()].every((endpoint) => text.includes(`${endpoint}\n`)),
    300_000,
  );
  const firstComplete = (complete - started) / 1000;
  const cpuAtComplete = cpuSeconds(pid);
  const rssAtComplete = rssMiB(pid);
  log(`first complete ConfigMap after ${firstComplete.toFixed(2)} s, ${cpuAtComplete.toFixed(1)} CPU s`);
  await waitFor(() => (operator.logText().includes('"message":"ready"') ? true : undefined), { timeoutMs: 60_000, describe: () => 'operator ready' });

  // 2. Reaction latency, quiet cluster, then under background churn that never changes the output (labels on any
  //    of the 25,000 Services), then under churn where one change in ten rewrites a custom toolset's description.
  const quiet = await latencies(core, watcher, 'quiet', LATENCY_CHANGES);
  const churn = new BackgroundChurn();
  let tick = 0;
  const anyService = () => {
    const i = Math.floor(Math.random() * (ANNOTATED + NOISE));
    return i < ANNOTATED ? { namespace: TOOLSETS_NS, name: `svc-${i}` } : { namespace: NOISE_NS, name: `noise-${i - ANNOTATED}` };
  };
  churn.start(BACKGROUND_PER_SECOND, () => core.patchNamespacedService({ ...anyService(), body: { metadata: { labels: { 'bench/tick': String(++tick) } } } }, mergePatch));
  const underNoise = await latencies(core, watcher, 'noise', LATENCY_CHANGES);
  const noiseRate = churn.stop();
  const relevant = new BackgroundChurn();
  relevant.start(BACKGROUND_PER_SECOND, () => {
    tick += 1;
    if (tick % 10 !== 0) return core.patchNamespacedService({ ...anyService(), body: { metadata: { labels: { 'bench/tick': String(tick) } } } }, mergePatch);
    const i = 1 + Math.floor(Math.random() * (CUSTOM - 1));
    return core.patchNamespacedService({ namespace: TOOLSETS_NS, name: `svc-${i}`, body: { metadata: { annotations: { 'kubernaut.io/toolset-description': `bg-${tick}` } } } }, mergePatch);
  });
  const underChurn = await latencies(core, watcher, 'churn', Math.ceil(LATENCY_CHANGES / 2));
  const churnRate = relevant.stop();
  log(`latency: quiet p99 ${percentile(quiet, 99).toFixed(0)} ms, label noise p99 ${percentile(underNoise, 99).toFixed(0)} ms, output churn p99 ${percentile(underChurn, 99).toFixed(0)} ms`);

  // 3. Soak: steady churn for SOAK_MINUTES; every 30 s a sample of RSS, fds and the event loop's p99 lag.
  const soakRows: Row[] = [];
  if (SOAK_MINUTES > 0) {
    const samples: { rss: number; fds: number; lagP99: number }[] = [];
    const writesBefore = watcher.modifications;
    let outputChanges = 0;
    let soakTick = 0;
    const soak = new BackgroundChurn();
    // 5 changes a second: 3 label changes anywhere (irrelevant), 1 description change, and a short-lived annotated
    // Service created or deleted (kept ~30 s) in turn: 2 of the 5 change the output.
    soak.start(5, async () => {
      soakTick += 1;
      const phase = soakTick % 5;
      if (phase < 3) return core.patchNamespacedService({ ...anyService(), body: { metadata: { labels: { 'bench/tick': String(soakTick) } } } }, mergePatch);
      outputChanges += 1;
      if (phase === 3) {
        const i = 1 + (soakTick % (CUSTOM - 1));
        return core.patchNamespacedService({ namespace: TOOLSETS_NS, name: `svc-${i}`, body: { metadata: { annotations: { 'kubernaut.io/toolset-description': `soak-${soakTick}` } } } }, mergePatch);
      }
      const slot = Math.floor(soakTick / 5);
      // Creates soak-<slot>, deletes the one made 30 slots (30 s) earlier: the number of them stays ~30.
      await core.createNamespacedService({ namespace: TOOLSETS_NS, body: { metadata: { name: `soak-${slot}`, annotations: annotations('custom', target.url) }, spec: { ports: [{ name: 'http', port: 8080 }] } } });
      if (slot >= 30) await core.deleteNamespacedService({ namespace: TOOLSETS_NS, name: `soak-${slot - 30}` });
    });
    const end = Date.now() + SOAK_MINUTES * 60_000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, Math.max(0, end - Date.now()))));
      // prom-client resets the loop-delay histogram at each scrape: each sample is the p99 of the last 30 s.
      samples.push({ rss: rssMiB(pid).now, fds: openFds(pid), lagP99: (await scrape(metricsUrl, 'nodejs_eventloop_lag_p99_seconds')) * 1000 });
      const last = samples.at(-1);
      log(`soak ${samples.length * 0.5} min: RSS ${last?.rss.toFixed(0)} MiB, fds ${last?.fds}, loop lag p99 ${last?.lagP99.toFixed(1)} ms, writes ${watcher.modifications - writesBefore}`);
    }
    const rate = soak.stop();
    const writes = watcher.modifications - writesBefore;
    // The first two samples include the ramp-up of heap and caches; growth is measured from minute 1 onwards.
    const base = samples[Math.min(1, samples.length - 1)];
    const last = samples.at(-1);
    const lags = samples.map((s) => s.lagP99).sort((a, b) => a - b);
    const fds = samples.map((s) => s.fds);
    soakRows.push(
      [`soak ${SOAK_MINUTES} min at ${rate.toFixed(1)} changes/s (2 in 5 change the output), failures ${soak.failed}`, '', '', ''],
      ['  RSS at minute 1 → end', `${base?.rss.toFixed(0)} → ${last?.rss.toFixed(0)} MiB`, 'no growth', ''],
      ['  RSS max over the soak', `${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MiB`, '', ''],
      ['  open fds min / max / end', `${Math.min(...fds)} / ${Math.max(...fds)} / ${fds.at(-1)}`, 'flat', ''],
      ['  event-loop lag p99 (30 s windows) median / max', `${percentile(lags, 50).toFixed(1)} / ${percentile(lags, 100).toFixed(1)} ms`, '', ''],
      ['  ConfigMap writes per output-changing change', `${(writes / Math.max(1, outputChanges)).toFixed(2)} (${writes}/${outputChanges})`, '<= 1', writes <= outputChanges ? 'met' : 'MISSED'],
      ['  operator CPU seconds, whole run', `${cpuSeconds(pid).toFixed(0)} s`, '', ''],
    );
  }
  const heapUsed = lastHeapUsed(operator.logText());
  const rssEnd = rssMiB(pid);
  const restarts = operator.exitCode;
  await stopOperator(operator);
  watcher.stop();
  target.server.close();
  await down('bench-scale');

  const p = (xs: number[]) => `${percentile(xs, 50).toFixed(0)} / ${percentile(xs, 99).toFixed(0)} ms`;
  printTable(`scale: ${ANNOTATED} annotated (${CUSTOM} custom, ${ANNOTATED - CUSTOM} competing built-in) among ${ANNOTATED + NOISE} Services, Kubernetes ${cp.version}, ${machine()}, ${chartNodeFlags(HEAP_MIB).join(' ')}`, [
    ['first complete ConfigMap', `${firstComplete.toFixed(2)} s`, '<= 10 s', firstComplete <= 10 ? 'met' : 'MISSED'],
    ['  operator CPU seconds to get there', `${cpuAtComplete.toFixed(1)} s`, '', ''],
    ['  operator RSS peak / then (the peak: listing every Service at start-up)', rssText(rssAtComplete), '<= 300 MB', Math.max(rssAtComplete.peak, rssAtComplete.now) * 1.048576 <= 300 ? 'met' : 'MISSED'],
    ['reaction latency p50 / p99, quiet', p(quiet), 'p99 <= 1.5 s', percentile(quiet, 99) <= 1_500 ? 'met' : 'MISSED'],
    [`  with ${noiseRate.toFixed(0)} label changes/s in the background`, p(underNoise), 'p99 <= 1.5 s', percentile(underNoise, 99) <= 1_500 ? 'met' : 'MISSED'],
    [`  with ${churnRate.toFixed(0)} changes/s, 1 in 10 changing the output`, p(underChurn), `<= maxDelay ${MAX_DELAY_MS / 1000} s + render`, ''],
    ...soakRows,
    ['operator RSS peak / end; heap used at last reconcile', `${rssText(rssEnd)}; ${heapUsed} MiB`, '', restarts === null ? '' : 'operator exited early!'],
  ]);
  process.stdout.write(`operator logs: ${work}\n`);
}

runScenario(main);
