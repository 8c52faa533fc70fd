// Shared pieces of the benchmark scenarios: process probes, the output watcher, the operator as a child process.
import { CoreV1Api, KubeConfig, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export const OUTPUT_NS = 'kubernaut-system';
export const CM = 'kubernaut-toolset-config';
export const root = join(import.meta.dirname, '..');

/** The V8 flags the Helm chart's defaults give the operator (maxHeapMiB, maxSemiSpaceMiB). */
export function chartNodeFlags(heapMiB: number): string[] {
  return [`--max-old-space-size=${heapMiB}`, '--max-semi-space-size=2'];
}

export const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

export async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/** Resident memory now (VmRSS) and the most it has been since the process started (VmHWM, the start-up peak included). */
export function rssMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { now: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** `peak / now MiB`, the way every memory row of the benchmarks reads. */
export function rssText(rss: { now: number; peak: number }): string {
  return `${rss.peak.toFixed(0)} / ${rss.now.toFixed(0)} MiB`;
}

/** User + system CPU time a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`;
}

export function adminApi(kubeconfig: string): { kc: KubeConfig; core: CoreV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api) };
}

/** A loopback HTTP target answering 200 "ok" on every path. */
export async function okTarget(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export function buildDist(): void {
  log('building dist/ (the operator runs compiled, as in the image)');
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}

/** Keeps the latest output ConfigMap as a separate client sees it, and counts its modifications. */
export class OutputWatcher {
  latest: V1ConfigMap | undefined;
  modifications = 0;
  #listeners = new Set<() => void>();
  #abort: AbortController | undefined;

  async start(kc: KubeConfig): Promise<void> {
    this.#abort = await new Watch(kc).watch(
      `/api/v1/namespaces/${OUTPUT_NS}/configmaps`,
      { fieldSelector: `metadata.name=${CM}` },
      (type: string, obj: V1ConfigMap) => {
        if (type === 'MODIFIED') this.modifications += 1;
        this.latest = type === 'DELETED' ? undefined : obj;
        for (const l of this.#listeners) l();
      },
      () => {},
    );
  }

  get text(): string {
    return this.latest?.data?.['toolset.yaml'] ?? '';
  }

  /** Resolves with the time the watcher saw content matching `accept`. */
  when(accept: (text: string) => boolean, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (accept(this.text)) {
          clearTimeout(timer);
          this.#listeners.delete(check);
          resolve(performance.now());
        }
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`output did not reach the expected state within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  stop(): void {
    this.#abort?.abort();
  }
}

export type OperatorChild = ChildProcess & { logText(): string };

/** The compiled build, as the image runs it (running the sources adds type stripping and ~40 MiB of RSS). */
export function startOperator(kubeconfig: string, config: string, logFile: string, nodeFlags: string[] = []): OperatorChild {
  const args = [...nodeFlags, join(root, 'dist/src/main.js'), 'run', '--config', config, '--kubeconfig', kubeconfig, '--log-level', 'debug'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, POD_NAMESPACE: OUTPUT_NS },
    stdio: ['ignore', 'ignore', 'pipe'],
  }) as OperatorChild;
  const out: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  child.on('exit', () => writeFileSync(logFile, out.join('')));
  child.logText = () => out.join('');
  return child;
}

export async function stopOperator(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export function lastHeapUsed(logText: string): number {
  return Number([...logText.matchAll(/"heapUsedMiB":(\d+)/g)].at(-1)?.[1] ?? NaN);
}

/** Reads one sample of a metric from the operator's /metrics (first series whose labels contain `labels`). */
export async function scrape(metricsUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && (l[name.length] === ' ' || l[name.length] === '{') && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

export type Row = [measure: string, value: string, target: string, result: string];

export function printTable(title: string, rows: Row[]): void {
  const width = rows.reduce((w, r) => Math.max(w, r[0].length), 'measure'.length);
  const lines = [`\n${title}`, `${'measure'.padEnd(width)}  ${'value'.padStart(12)}  ${'target'.padEnd(14)}  result`];
  for (const [name, value, target, result] of rows) lines.push(`${name.padEnd(width)}  ${value.padStart(12)}  ${target.padEnd(14)}  ${result}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs a scenario's main and exits with its outcome (the operator child and watches would keep Node alive). */
export function runScenario(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
