// npm run demo [-- --keep]: the operator's main job on the local control plane, end to end, in about a minute
// once the control plane is built.
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../../src/config/fields.ts';
import { ClientNodeKube } from '../../src/kube/client-node.ts';
import { createLogger } from '../../src/observe/logger.ts';
import { Metrics } from '../../src/observe/metrics.ts';
import { ToolsetController } from '../../src/controller/controller.ts';
import { statusTable } from '../../src/cli/status-table.ts';
import { down, up } from '../control-plane/control-plane.ts';
import { freePort } from '../control-plane/ports.ts';
import { waitFor } from '../control-plane/wait.ts';

const NAMESPACE = 'observability';
const OUTPUT_NAMESPACE = 'kubernaut-system';
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`\n==> ${line}`);

/** A stand-in for an observability backend: answers its health path with `status`. */
async function backend(name: string, status: number): Promise<{ server: Server; url: string }> {
  // JSON, as the APIs whose paths the operator checks answer (HolmesGPT's own checks want JSON from Grafana-family APIs).
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: name, status: status === 200 ? 'ok' : 'unavailable' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const PROMETHEUS = '/usr/bin/prometheus';

/** Debian's real Prometheus on loopback when it is installed; its query API is what the operator checks. */
async function realPrometheus(): Promise<{ process: ChildProcess; url: string } | undefined> {
  if (!existsSync(PROMETHEUS)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kubernaut-demo-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {scrape_interval: 15s}\nscrape_configs: []\n');
  const port = await freePort();
  const child = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) ? true : undefined), {
    timeoutMs: 30_000, intervalMs: 200, describe: () => 'Prometheus to be ready',
  });
  return { process: child, url };
}


async function main(): Promise<number> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    say('Usage: npm run demo [-- --keep]\n\nBuilds (first run) and starts a local control plane, annotates a few Services backed by local HTTP servers,');
    say('runs the operator, prints the HolmesGPT toolset file and the status, changes an annotation and shows the file follow.');
    say('--keep leaves the control plane running and prints its kubeconfig.');
    return 0;
  }
  step('Local control plane (the first run builds it from the Go module proxy: several minutes)');
  const cp = await up({ name: 'demo', progress: (l) => say(`    ${l}`) });
  say(`    Kubernetes ${cp.version} at ${cp.apiServerUrl}`);
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);

  const real = await realPrometheus();
  step(`Backends on loopback: ${real ? "Debian's real Prometheus" : 'a stand-in prometheus'} and grafana healthy, loki answering 503`);
  const prometheus = real ? { server: undefined, url: real.url } : await backend('prometheus', 200);
  const prometheus2 = await backend('prometheus-2', 200);
  const grafana = await backend('grafana', 200);
  const loki = await backend('loki', 503);
  for (const [name, b] of Object.entries({ prometheus, grafana, loki })) say(`    ${name.padEnd(11)} ${b.url}`);

  step(`Annotated Services in namespace ${NAMESPACE} (plus one with a bad annotation)`);
  for (const ns of [NAMESPACE, OUTPUT_NAMESPACE]) {
    await core.createNamespace({ body: { metadata: { name: ns } } }).catch(() => undefined);
  }
  const services: [string, Record<string, string>][] = [
    ['prometheus', { 'kubernaut.io/toolset-type': 'prometheus', 'kubernaut.io/toolset-endpoint': prometheus.url }],
    ['grafana', { 'kubernaut.io/toolset-type': 'grafana', 'kubernaut.io/toolset-endpoint': grafana.url }],
    ['loki', { 'kubernaut.io/toolset-type': 'loki', 'kubernaut.io/toolset-endpoint': loki.url }],
    ['mystery', { 'kubernaut.io/toolset-type': 'splunk' }],
  ];
  for (const [name, annotations] of services) {
    await core.deleteNamespacedService({ namespace: NAMESPACE, name }).catch(() => undefined);
    await core.createNamespacedService({
      namespace: NAMESPACE,
      body: { metadata: { name, annotations: { 'kubernaut.io/toolset': 'enabled', ...annotations } }, spec: { ports: [{ name: 'http', port: 80 }] } },
    });
    say(`    ${name}: ${Object.entries(annotations).map(([k, v]) => `${k.replace('kubernaut.io/', '')}=${v}`).join(' ')}`);
  }

  step('Operator running (in this process, against the local control plane)');
  const config = defaultConfig({ POD_NAMESPACE: OUTPUT_NAMESPACE });
  config.endpoints.allowedHosts = ['127.0.0.1'];
  // The platform team's namespace: it may provide the built-in toolsets (SPEC §6).
  config.tenancy.trustedNamespaces = [NAMESPACE];
  config.namespaces.include = [NAMESPACE];
  config.leaderElection.enabled = false;
  const operator = new ToolsetController({
    kube: ClientNodeKube.fromFile(cp.kubeconfig), config, metrics: new Metrics({ processMetrics: false }), log: createLogger({ level: 'warn', pretty: true }),
  });
  const started = Date.now();
  await operator.start();
  say(`    ready after ${Date.now() - started} ms`);
  const toolsetYaml = async () => (await core.readNamespacedConfigMap({ namespace: OUTPUT_NAMESPACE, name: config.output.name })).data?.[config.output.key] ?? '';

  step(`ConfigMap ${OUTPUT_NAMESPACE}/${config.output.name}, key ${config.output.key}`);
  say((await toolsetYaml()).replace(/^/gm, '    '));
  step('Status of every candidate Service');
  say(statusTable(operator.status()).trimEnd().replace(/^/gm, '    '));

  step(`Change: point Service prometheus at another backend (${prometheus2.url})`);
  const changed = Date.now();
  await core.patchNamespacedService(
    { namespace: NAMESPACE, name: 'prometheus', body: { metadata: { annotations: { 'kubernaut.io/toolset-endpoint': prometheus2.url } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await waitFor(async () => ((await toolsetYaml()).includes(prometheus2.url) ? true : undefined), {
    timeoutMs: 30_000, intervalMs: 50, describe: () => 'the ConfigMap to follow the change',
  });
  say(`    the ConfigMap followed in ${Date.now() - changed} ms:`);
  say((await toolsetYaml()).split('\n').filter((l) => l.includes('prometheus_url')).map((l) => `    ${l.trim()}`).join('\n'));

  await operator.stop();
  for (const b of [prometheus, prometheus2, grafana, loki]) b.server?.close();
  real?.process.kill('SIGTERM');
  if (values.keep) {
    step('Kept running');
    say(`    export KUBECONFIG=${cp.kubeconfig}`);
    say('    npm start -- --log-level debug   # run the operator against it; npm run cluster -- down --name demo to stop');
  } else {
    step('Cleaning up');
    await down('demo');
    say('    control plane stopped (run with -- --keep to leave it running)');
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await down('demo').catch(() => undefined);
    process.exit(1);
  },
);
