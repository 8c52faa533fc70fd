// HolmesGPT is the only reader of our output: its own loader (the in-cluster server's path, CUSTOM_TOOLSET_LOCATION)
// must accept every toolset the operator writes and, with a live target behind it, report it enabled.
// Real backends where this project may have them (test/support/real-backends.ts): Prometheus and VictoriaMetrics
// (Debian) and Jaeger (Go module proxy). Grafana, Loki and Tempo are AGPL-licensed, and Elasticsearch/OpenSearch are
// in no registry this project reaches, so those types are answered by test/consumer/fake_backends.py, which serves
// exactly the requests HolmesGPT's checks and the operator's make.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';
import { HOLMES_TEST_TIMEOUT_MS, holmesLoad, holmesPython, notReturned } from '../support/holmesgpt.ts';
import { startJaeger, startPrometheus, startVictoriaMetrics, type RealBackend } from '../support/real-backends.ts';

const root = join(import.meta.dirname, '../..');
/** A HolmesGPT load (Python import, then prerequisite checks up to its 20 s deadline) took ~27 s per test in a full
 * run under stress-ng, over 60 s with more load besides: the hang guard is generous, not a speed bound. */
const work = mkdtempSync(join(tmpdir(), 'kubernaut-holmes-'));

describe('HolmesGPT loads what the operator writes', () => {
  let core: CoreV1Api;
  let fake: ChildProcess;
  let fakeUrl = '';
  let prometheus: RealBackend | undefined;
  let jaeger: RealBackend | undefined;
  let running: RunningOperator | undefined;
  let python = '';

  beforeAll(async () => {
    python = holmesPython();
    core = fixtureApi().core;
    fake = spawn('python3', [join(root, 'test/consumer/fake_backends.py'), '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const port = await new Promise<string>((resolve) => createInterface({ input: fake.stdout as NodeJS.ReadableStream }).once('line', resolve));
    fakeUrl = `http://127.0.0.1:${port.trim()}`;
    [prometheus, jaeger] = await Promise.all([startPrometheus(), startJaeger()]);
  }, 20 * 60_000);

  afterAll(async () => {
    await running?.stop();
    fake?.kill();
    await Promise.all([prometheus?.stop(), jaeger?.stop()]);
  });

  it('every short type is accepted and enabled; a dead target is dropped by the operator', async () => {
    expect(existsSync(python)).toBe(true);
    const ns = await freshNamespace(core, 'holmes');
    const ready = { 'kubernaut.io/toolset-health-path': '/ready' };
    await createServices(core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: prometheus?.url ?? '' },
      { name: 'grafana', type: 'grafana', endpoint: fakeUrl },
      { name: 'loki', type: 'loki', endpoint: fakeUrl },
      { name: 'tempo', type: 'tempo', endpoint: fakeUrl },
      { name: 'elasticsearch', type: 'elasticsearch', endpoint: fakeUrl },
      { name: 'jaeger', type: 'jaeger', endpoint: jaeger?.url ?? '' },
      { name: 'team-api', type: 'custom', endpoint: fakeUrl, annotations: { ...ready, 'kubernaut.io/toolset-description': 'Team API' } },
      { name: 'dead-api', type: 'custom', endpoint: 'http://127.0.0.1:1', annotations: ready },
    ]);
    running = await startOperator(testConfig(ns));
    const out = await outputWhere(core, ns, (o) => Object.keys(o.toolsets).length === 8, 'seven toolsets and kubernetes/logs', 30_000);
    expect(Object.keys(out.toolsets).sort()).toEqual([
      `custom/${ns}/team-api`, 'elasticsearch/data', 'grafana/dashboards', 'grafana/loki', 'grafana/tempo', `jaeger/${ns}/jaeger`, 'kubernetes/logs', 'prometheus/metrics',
    ]);
    expect(out.toolsets).not.toHaveProperty(`custom/${ns}/dead-api`);
    expect(running.operator.status().services.find((s) => s.name === 'dead-api')).toMatchObject({ verdict: 'unhealthy', reason: 'ConnectionFailed' });

    const file = join(work, 'custom_toolset.yaml');
    writeFileSync(file, out.text);
    const loaded = await holmesLoad(file);
    expect(loaded.holmesgpt_version).toBe('0.45.0');
    expect(loaded.load_error).toBeNull();
    expect(loaded.invalid).toEqual([]);
    const statuses = Object.fromEntries(Object.keys(out.toolsets).map((name) => [name, loaded.toolsets[name]?.status]));
    expect(statuses).toEqual({
      [`custom/${ns}/team-api`]: 'enabled', 'elasticsearch/data': 'enabled', 'grafana/dashboards': 'enabled', 'grafana/loki': 'enabled',
      'grafana/tempo': 'enabled', [`jaeger/${ns}/jaeger`]: 'enabled', 'kubernetes/logs': 'disabled', 'prometheus/metrics': 'enabled',
    });
    expect(loaded.toolsets[`jaeger/${ns}/jaeger`]?.tools).toEqual([`jaeger_${ns.replaceAll('-', '_')}_jaeger_request`]);
  }, HOLMES_TEST_TIMEOUT_MS);

  it('mimir (under its /prometheus prefix) and victorialogs are written as HolmesGPT built-ins that it enables', async () => {
    await running?.stop();
    running = undefined;
    const ns = await freshNamespace(core, 'holmes-new');
    await createServices(core, ns, [
      { name: 'mimir', type: 'mimir', endpoint: fakeUrl },
      { name: 'vlogs', type: 'victorialogs', endpoint: fakeUrl },
      { name: 'vm', type: 'victoriametrics', endpoint: fakeUrl, annotations: { 'kubernaut.io/toolset-priority': '-1' } },
    ]);
    running = await startOperator(testConfig(ns));
    const out = await outputWhere(core, ns, (o) => Object.keys(o.toolsets).length === 2, 'prometheus/metrics and victorialogs', 30_000);
    expect(out.toolsets).toEqual({
      'prometheus/metrics': { enabled: true, config: { prometheus_url: `${fakeUrl}/prometheus` } },
      victorialogs: { enabled: true, config: { api_url: fakeUrl } },
    });
    expect(running.operator.status().services.find((s) => s.name === 'vm')).toMatchObject({ verdict: 'shadowed', healthUrl: `${fakeUrl}/api/v1/query?query=up` });
    const file = join(work, 'new-types.yaml');
    writeFileSync(file, out.text);
    const loaded = await holmesLoad(file);
    expect(loaded.invalid).toEqual([]);
    expect(notReturned(Object.keys(out.toolsets), loaded)).toEqual([]);
    expect({ prometheus: loaded.toolsets['prometheus/metrics']?.status, victorialogs: loaded.toolsets.victorialogs?.status }).toEqual({ prometheus: 'enabled', victorialogs: 'enabled' });
  }, HOLMES_TEST_TIMEOUT_MS);

  it('victoriametrics: the real VictoriaMetrics is written as prometheus/metrics, and HolmesGPT enables it', async () => {
    await running?.stop();
    running = undefined;
    const vm = await startVictoriaMetrics();
    try {
      const ns = await freshNamespace(core, 'holmes-vm');
      await createServices(core, ns, [{ name: 'vm', type: 'victoriametrics', endpoint: vm.url }]);
      running = await startOperator(testConfig(ns));
      const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics', 30_000);
      expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: vm.url } });
      const file = join(work, 'victoriametrics.yaml');
      writeFileSync(file, out.text);
      const loaded = await holmesLoad(file);
      expect(notReturned(Object.keys(out.toolsets), loaded)).toEqual([]);
      expect(loaded.toolsets['prometheus/metrics']?.status).toBe('enabled');
    } finally {
      await vm.stop();
    }
  }, HOLMES_TEST_TIMEOUT_MS);

  it('the other side: had a dead target been written, HolmesGPT would have failed it', async () => {
    const file = join(work, 'with-dead-target.yaml');
    writeFileSync(file, 'toolsets:\n  elasticsearch/data:\n    enabled: true\n    config:\n      api_url: http://127.0.0.1:1\n');
    const loaded = await holmesLoad(file);
    expect(loaded.toolsets['elasticsearch/data']?.status).toBe('failed');
  }, HOLMES_TEST_TIMEOUT_MS);

  it('the placeholder written when nothing is healthy loads (an empty toolsets map would not)', async () => {
    const placeholder = join(work, 'placeholder.yaml');
    writeFileSync(placeholder, 'toolsets:\n  kubernaut-toolset/none:\n    enabled: false\n    description: Placeholder\n');
    const loaded = await holmesLoad(placeholder);
    expect(loaded.load_error).toBeNull();
    expect(loaded.toolsets['kubernaut-toolset/none']?.status).toBe('disabled');
    const empty = join(work, 'empty.yaml');
    writeFileSync(empty, 'toolsets: {}\n');
    expect((await holmesLoad(empty)).load_error).toMatch(/No 'toolsets' or 'mcp_servers' key found/);
  }, HOLMES_TEST_TIMEOUT_MS);
});
