// Faults of the API server itself: killed, history compacted away, frozen. Each runs against a control plane of
// its own (these faults would break every other test file sharing the suite's control plane).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientNodeKube } from '../../../src/kube/client-node.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { Metrics } from '../../../src/observe/metrics.ts';
import { ToolsetController } from '../../../src/controller/controller.ts';
import {
  compactEtcd, down, restartApiServer, signalApiServer, up, type ControlPlane,
} from '../../../tools/control-plane/control-plane.ts';
import { isOurs } from '../../../tools/control-plane/processes.ts';
import { waitFor } from '../../../tools/control-plane/wait.ts';
import { FaultProxy, proxyKubeconfig } from '../../support/fault-proxy.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { metricValue } from '../../support/metrics.ts';
import { outputWhere, testConfig } from '../../support/operator-harness.ts';
import { OperatorProcess, processArgs } from '../../support/operator-process.ts';
import { sampleSum } from '../../support/prometheus-text.ts';
import { annotatedService } from '../../support/services.ts';

const NS = 'faults';
const toolsetOf = (name: string) => `custom/${NS}/${name}`;

describe('API server faults (dedicated control plane)', () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  let target: HttpTarget;
  let work: string;
  const cleanup: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    cp = await up({ name: `faults-api-${process.pid}`, ownerPid: process.pid, controllerManager: false, audit: false });
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    target = await HttpTarget.start('healthy');
    work = mkdtempSync(join(tmpdir(), 'kubernaut-faults-'));
  }, 120_000);
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    // Whatever a test did to it, the next one starts with a running API server and no Services.
    if (!isOurs(cp.pids.apiserver, cp.dir)) await restartApiServer(cp);
    await core.deleteCollectionNamespacedService({ namespace: NS });
  }, 60_000);
  afterAll(async () => {
    await target.close();
    await down(cp.name);
  }, 60_000);

  const create = (name: string) => core.createNamespacedService({ namespace: NS, body: annotatedService(NS, { name, type: 'custom', endpoint: target.url }) });

  /** What the output must hold: one custom toolset per annotated Service that exists now. */
  async function expectedToolsets(): Promise<string[]> {
    const services = await core.listNamespacedService({ namespace: NS });
    return services.items.map((s) => toolsetOf(s.metadata?.name ?? '')).sort();
  }

  function operatorProcess(extraConfig = ''): OperatorProcess {
    const config = join(work, `config-${Date.now()}.yaml`);
    writeFileSync(config, [
      `namespaces:\n  include: [${NS}]`, 'endpoints:\n  allowedHosts: ["127.0.0.1"]', 'health:\n  timeout: 1s',
      'reconcile:\n  quietWindow: 100ms\n  maxDelay: 1s', `output:\n  namespace: ${NS}`, 'leaderElection:\n  enabled: false', extraConfig,
    ].join('\n'));
    const p = new OperatorProcess(processArgs(cp.kubeconfig, '--config', config));
    cleanup.push(async () => {
      p.kill('SIGKILL');
      await p.exited();
    });
    return p;
  }

  it('1. survives three SIGKILLs of kube-apiserver during Service churn, and matches the Services after the last restart', async () => {
    for (const name of ['a', 'b', 'c']) await create(name);
    const p = operatorProcess();
    await p.waitForLog('ready');
    await outputWhere(core, NS, (o) => Object.keys(o.toolsets).length === 3, 'the first three toolsets');

    // Churn: a new Service every 100 ms, and every third step deletes an older one; failures while the API
    // server is down are expected (the loop does not know whether such a request landed, so the end state is
    // read back from the API server, not predicted).
    let churning = true;
    let step = 0;
    let created = 0;
    const churn = (async () => {
      while (churning) {
        step += 1;
        await create(`churn-${step}`).then(() => (created += 1), () => {});
        if (step % 3 === 0) await core.deleteNamespacedService({ namespace: NS, name: `churn-${step - 2}` }).catch(() => {});
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    cleanup.push(async () => {
      churning = false;
      await churn;
    });
    for (let kill = 1; kill <= 3; kill++) {
      const before = step;
      await waitFor(() => (step >= before + 10 ? true : undefined), { timeoutMs: 30_000, describe: () => 'ten churn steps' });
      await signalApiServer(cp, 'SIGKILL');
      await waitFor(() => (step >= before + 13 ? true : undefined), { timeoutMs: 30_000, describe: () => 'churn while the API server is down' });
      await restartApiServer(cp);
    }
    const createdAtRestart = created;
    await waitFor(() => (created >= createdAtRestart + 10 ? true : undefined), {
      timeoutMs: 30_000, describe: () => `ten Services created after the last restart (${created - createdAtRestart} so far)`,
    });
    churning = false;
    await churn;

    const expected = await expectedToolsets();
    expect(expected.length).toBeGreaterThan(10);
    // The deadline is a hang guard; recovery time belongs to the benchmarks.
    const out = await outputWhere(core, NS, (o) => JSON.stringify(Object.keys(o.toolsets).sort()) === JSON.stringify(expected),
      `exactly the ${expected.length} Services that exist`, 60_000);
    expect(Object.keys(out.toolsets).sort()).toEqual(expected);
    expect(p.child.exitCode).toBeNull();
    const metrics = (await p.get('/metrics', 'metrics')).body;
    expect(sampleSum(metrics, 'kubernaut_toolset_watch_errors_total', { resource: 'services' })).toBeGreaterThanOrEqual(3);
    expect((await p.get('/healthz')).status).toBe(200);
    expect((await p.get('/readyz')).status).toBe(200);
  }, 180_000);

  it('2. relists when the watch history was compacted away (410), and reflects a deletion made during the gap', async () => {
    for (const name of ['keep', 'gone']) await create(name);
    // In-process, behind a proxy that can end the watch cleanly and hold the operator's next requests: the
    // resumed watch then asks a restarted API server (empty watch cache) for compacted history.
    const proxy = await FaultProxy.start(cp);
    cleanup.push(() => proxy.close());
    const kubeconfig = join(work, 'proxy.kubeconfig');
    writeFileSync(kubeconfig, proxyKubeconfig(proxy.url));
    const metrics = new Metrics({ processMetrics: false });
    const operator = new ToolsetController({
      kube: ClientNodeKube.fromFile(kubeconfig), metrics, config: testConfig(NS), log: createLogger({ silent: process.env.KUBERNAUT_TEST_LOGS !== '1', pretty: true }),
    });
    cleanup.push(() => operator.stop());
    await operator.start();
    await outputWhere(core, NS, (o) => toolsetOf('gone') in o.toolsets && toolsetOf('keep') in o.toolsets, 'keep and gone');
    // The output can be written before the watches are answered; the gap must start with them open.
    await waitFor(() => {
      const open = proxy.openWatches();
      return open.length >= 2 && open.some((r) => r.path.includes('/services')) ? open : undefined;
    }, { timeoutMs: 10_000, describe: () => `the operator's watches (Services among them) open through the proxy; open now: ${JSON.stringify(proxy.openWatches().map((r) => r.path))}` });

    proxy.hold();
    expect(proxy.endStreams()).toBeGreaterThanOrEqual(2);
    await core.deleteNamespacedService({ namespace: NS, name: 'gone' });
    await create('born-in-gap');
    const compacted = await compactEtcd(cp);
    expect(compacted).toBeGreaterThan(0);
    await signalApiServer(cp, 'SIGKILL');
    await restartApiServer(cp);
    const resumed = proxy.requests.length;
    proxy.release();

    const out = await outputWhere(core, NS, (o) => !(toolsetOf('gone') in o.toolsets) && toolsetOf('born-in-gap') in o.toolsets, 'the gap reflected');
    expect(Object.keys(out.toolsets).sort()).toEqual([toolsetOf('born-in-gap'), toolsetOf('keep')]);
    // The resumed watch asked for the old resource version and was told it expired; the operator then listed.
    const after = proxy.requests.slice(resumed);
    expect(after.find((r) => r.watch && r.path.includes('/services'))?.path).toMatch(/resourceVersion=\d+/);
    expect(await metricValue(metrics, 'kubernaut_toolset_watch_restarts_total', { resource: 'services', reason: 'expired' })).toBeGreaterThanOrEqual(1);
    expect(after.some((r) => !r.watch && r.path.startsWith(`/api/v1/namespaces/${NS}/services`))).toBe(true);
  }, 120_000);

  it('3. a frozen API server (SIGSTOP past the watchdog window): /healthz fails, the watchdog restarts the watch, and the output converges after SIGCONT', async () => {
    await create('before');
    const p = operatorProcess('watch:\n  stallTimeout: 2s');
    await p.waitForLog('ready');
    await outputWhere(core, NS, (o) => toolsetOf('before') in o.toolsets, 'the first toolset');
    expect((await p.get('/healthz')).status).toBe(200);

    await signalApiServer(cp, 'SIGSTOP');
    cleanup.push(() => signalApiServer(cp, 'SIGCONT').catch(() => {}));
    const stalled = await waitFor(async () => {
      const r = await p.get('/healthz');
      return r.status === 503 ? r : undefined;
    }, { timeoutMs: 30_000, describe: () => '/healthz to report the stalled watch' });
    expect(stalled.body).toMatch(/watch stalled for more than 4s/);
    await p.waitForLog('watch silent for too long; restarting it');
    expect(p.child.exitCode).toBeNull();

    await signalApiServer(cp, 'SIGCONT');
    await waitFor(async () => ((await p.get('/healthz')).status === 200 ? true : undefined), { timeoutMs: 30_000, describe: () => '/healthz to recover' });
    await create('after');
    await outputWhere(core, NS, (o) => toolsetOf('after') in o.toolsets && toolsetOf('before') in o.toolsets, 'the change made after SIGCONT');
    const metrics = (await p.get('/metrics', 'metrics')).body;
    expect(sampleSum(metrics, 'kubernaut_toolset_watch_restarts_total', { reason: 'stalled' })).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
