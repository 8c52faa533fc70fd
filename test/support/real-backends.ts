import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../tools/control-plane/ports.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';

/**
 * Real observability backends on loopback, each started by the test that needs it and stopped after it: Debian's
 * Prometheus and VictoriaMetrics, and Jaeger built from the Go module proxy (tools/backends/build.sh).
 * Grafana, Loki and Tempo are AGPL-licensed, which this project may not use, and no registry it reaches has
 * Elasticsearch or OpenSearch: those types are answered by test/consumer/fake_backends.py (README, "Consumer checks").
 */
export interface RealBackend {
  url: string;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '../..');

async function serving(what: string, child: ChildProcess, url: string, readyPath: string): Promise<RealBackend> {
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${log}`);
      return (await fetch(`${url}${readyPath}`).then((r) => r.ok, () => false)) ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, describe: () => `${what} at ${url}${readyPath} to be ready; its log: ${log}` });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/** Debian's Prometheus (package prometheus) with `config` as prometheus.yml. */
export async function startPrometheus(config = 'global: {scrape_interval: 15s}\nscrape_configs: []\n'): Promise<RealBackend> {
  const dir = mkdtempSync(join(tmpdir(), 'kubernaut-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child = spawn('/usr/bin/prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return serving('Prometheus', child, `http://127.0.0.1:${port}`, '/-/ready');
}

/** Debian's single-node VictoriaMetrics (package victoria-metrics): the Prometheus query API at its root. */
export async function startVictoriaMetrics(): Promise<RealBackend> {
  const dir = mkdtempSync(join(tmpdir(), 'kubernaut-victoriametrics-'));
  const port = await freePort();
  const child = spawn('/usr/bin/victoria-metrics', [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  return serving('VictoriaMetrics', child, `http://127.0.0.1:${port}`, '/health');
}

let jaegerBinary: string | undefined;

/** The Jaeger all-in-one binary, built from the Go module proxy on first use (minutes once, then cached). */
function jaegerAllInOne(): string {
  if (jaegerBinary) return jaegerBinary;
  const build = spawnSync('bash', [join(root, 'tools/backends/build.sh')], { encoding: 'utf8', timeout: 20 * 60_000 });
  if (build.status !== 0) throw new Error(`tools/backends/build.sh failed: ${build.stderr.slice(-2000)}`);
  jaegerBinary = join(build.stdout.trim().split('\n').at(-1) ?? '', 'jaeger-all-in-one');
  return jaegerBinary;
}

/** Jaeger all-in-one with in-memory storage; `url` is its query API (the one a jaeger Service points at). */
export async function startJaeger(): Promise<RealBackend> {
  const binary = jaegerAllInOne();
  // Every listener on a free loopback port: its defaults (16686, 4317, …) would collide with a second test run.
  const flags = ['query.http-server', 'query.grpc-server', 'admin.http', 'collector.grpc-server', 'collector.http-server',
    'collector.otlp.grpc', 'collector.otlp.http'];
  const ports = await Promise.all(flags.map(() => freePort()));
  const child = spawn(binary, flags.map((flag, i) => `--${flag}.host-port=127.0.0.1:${ports[i] ?? 0}`),
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SPAN_STORAGE_TYPE: 'memory' } });
  return serving('Jaeger', child, `http://127.0.0.1:${ports[0] ?? 0}`, '/api/services');
}

/** An instant query of a Prometheus-compatible API: the result vector. */
export async function promQuery(url: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data?: { result?: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${query}: ${body.error ?? res.status}`);
  return body.data?.result ?? [];
}
