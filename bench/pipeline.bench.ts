// npm run bench: the reconcile pipeline measured end to end on the local control plane, with the operator as a
// separate process (as in production) and a separate watcher on the output ConfigMap.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '../tools/control-plane/control-plane.ts';
import { waitFor } from '../tools/control-plane/wait.ts';
import {
  adminApi, buildDist, chartNodeFlags, inBatches, lastHeapUsed, log, machine, okTarget, OUTPUT_NS, OutputWatcher, percentile, printTable, rssMiB, rssText,
  runScenario, startOperator, stopOperator, type Row,
} from './support.ts';

const ANNOTATED = Number(process.env.BENCH_ANNOTATED ?? 1_000);
const NOISE = Number(process.env.BENCH_NOISE ?? 10_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 60);
const QUIET_MS = 500;

/** The heap cap the Helm chart sets (maxHeapMiB) for the first operator; the second runs with V8's own sizing. */
const CHART_HEAP_MIB = Number(process.env.BENCH_HEAP_MIB ?? 256);

async function main(): Promise<void> {
  buildDist();
  const work = mkdtempSync(join(tmpdir(), 'kubernaut-bench-'));
  await down('bench');
  const cp = await up({ name: 'bench', controllerManager: false, audit: false, progress: log });
  const { kc, core } = adminApi(cp.kubeconfig);
  const target = await okTarget();
  const targetUrl = target.url;

  for (const name of [OUTPUT_NS, 'bench-toolsets', 'bench-noise']) await core.createNamespace({ body: { metadata: { name } } });
  let started = performance.now();
  await inBatches(Array.from({ length: NOISE }, (_, i) => i), 250, (i) =>
    core.createNamespacedService({ namespace: 'bench-noise', body: { metadata: { name: `noise-${i}` }, spec: { ports: [{ name: 'http', port: 8080 }] } } }));
  await inBatches(Array.from({ length: ANNOTATED }, (_, i) => i), 250, (i) =>
    core.createNamespacedService({
      namespace: 'bench-toolsets',
      body: {
        metadata: {
          name: `svc-${i}`,
          annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'custom', 'kubernaut.io/toolset-endpoint': targetUrl },
        },
        spec: { ports: [{ name: 'http', port: 8080 }] },
      },
    }));
  log(`created ${NOISE} unannotated and ${ANNOTATED} annotated Services in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const watcher = new OutputWatcher();
  await watcher.start(kc);
  const config = join(work, 'config.yaml');
  writeFileSync(config, `endpoints:\n  allowedHosts: ["127.0.0.1"]\ntenancy:\n  trustedNamespaces: ["bench-toolsets"]\nreconcile:\n  quietWindow: ${QUIET_MS}ms\n  maxDelay: 5s\noutput:\n  sizeBudgetBytes: 1048576\n`);

  // (b) start to first complete ConfigMap.
  started = performance.now();
  let operator = startOperator(cp.kubeconfig, config, join(work, 'operator-1.log'), chartNodeFlags(CHART_HEAP_MIB));
  const complete = await watcher.when((text) => (text.match(/^ {2}custom\//gm)?.length ?? 0) === ANNOTATED, 120_000);
  const firstComplete = (complete - started) / 1000;
  log(`first complete ConfigMap after ${firstComplete.toFixed(2)} s`);

  // (a) reaction latency: one annotation change at a time, until a separate watcher sees it in the output.
  const latencies: number[] = [];
  for (let i = 1; i <= CHANGES; i++) {
    const marker = `bench-change-${i}`;
    const sent = performance.now();
    const seen = watcher.when((text) => text.includes(marker), 30_000);
    await core.patchNamespacedService(
      { namespace: 'bench-toolsets', name: 'svc-0', body: { metadata: { annotations: { 'kubernaut.io/toolset-description': marker } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    latencies.push((await seen) - sent);
  }
  latencies.sort((a, b) => a - b);
  // (d) RSS of the operator process at the end of the run, and its peak (the start-up list of every Service).
  const rss = operator.pid ? rssMiB(operator.pid) : { now: NaN, peak: NaN };
  const heapUsed = lastHeapUsed(operator.logText());
  await stopOperator(operator);

  // (c) writes over three resyncs with nothing changing: a second operator with a 3 s resync period.
  writeFileSync(config, `endpoints:\n  allowedHosts: ["127.0.0.1"]\ntenancy:\n  trustedNamespaces: ["bench-toolsets"]\nreconcile:\n  quietWindow: ${QUIET_MS}ms\n  resyncInterval: 3s\noutput:\n  sizeBudgetBytes: 1048576\n`);
  operator = startOperator(cp.kubeconfig, config, join(work, 'operator-2.log'));
  const logs = () => operator.logText();
  await waitFor(() => (logs().includes('"message":"ready"') ? true : undefined), { timeoutMs: 120_000, describe: () => 'the second operator to be ready' });
  const before = watcher.modifications;
  await waitFor(() => ((logs().match(/resync: relisting/g)?.length ?? 0) >= 3 ? true : undefined), {
    timeoutMs: 60_000, describe: () => 'three resyncs',
  });
  // Count only once the reconcile that follows the third resync has finished.
  await waitFor(() => {
    const text = logs();
    const third = [...text.matchAll(/resync: relisting/g)][2]?.index ?? Infinity;
    return text.indexOf('"message":"reconciled"', third) > third ? true : undefined;
  }, { timeoutMs: 60_000, describe: () => 'the reconcile after the third resync' });
  const resyncWrites = watcher.modifications - before;
  const defaultSizingRss = operator.pid ? rssMiB(operator.pid) : { now: NaN, peak: NaN };
  const defaultSizingHeapUsed = lastHeapUsed(logs());
  await stopOperator(operator);
  watcher.stop();
  target.server.close();
  await down('bench');

  const rows: Row[] = [
    ['(a) reaction latency p50', `${percentile(latencies, 50).toFixed(0)} ms`, `p99 <= ${QUIET_MS + 1000} ms`, ''],
    ['(a) reaction latency p95', `${percentile(latencies, 95).toFixed(0)} ms`, '', ''],
    ['(a) reaction latency p99', `${percentile(latencies, 99).toFixed(0)} ms`, `<= ${QUIET_MS + 1000} ms`, percentile(latencies, 99) <= QUIET_MS + 1000 ? 'met' : 'MISSED'],
    [`(b) first complete ConfigMap (${ANNOTATED} of ${ANNOTATED + NOISE} Services)`, `${firstComplete.toFixed(2)} s`, '<= 10 s', firstComplete <= 10 ? 'met' : 'MISSED'],
    ['(c) ConfigMap writes over 3 resyncs, no change', String(resyncWrites), '0', resyncWrites === 0 ? 'met' : 'MISSED'],
    [`(d) operator RSS peak / end (as the chart runs it: ${chartNodeFlags(CHART_HEAP_MIB).join(' ')})`, rssText(rss), '<= 300 MB', Math.max(rss.peak, rss.now) * 1.048576 <= 300 ? 'met' : 'MISSED'],
    ['    heap used at its last reconcile', `${heapUsed} MiB`, '', ''],
    ["(d') RSS peak / after 3 resyncs with V8's default heap sizing", rssText(defaultSizingRss), '', 'for comparison'],
    ['    heap used at its last reconcile', `${defaultSizingHeapUsed} MiB`, '', ''],
  ];
  printTable(`reconcile pipeline: ${ANNOTATED} annotated among ${ANNOTATED + NOISE} Services, ${CHANGES} changes, quiet window ${QUIET_MS} ms, Kubernetes ${cp.version}, ${machine()}`, rows);
  process.stdout.write(`operator logs: ${work}\n`);
}

runScenario(main);
