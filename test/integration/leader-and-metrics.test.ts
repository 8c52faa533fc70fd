// Two replicas and a Lease; the metrics endpoint judged by promtool and scraped by a real Prometheus.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CoordinationV1Api, type CoreV1Api } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from 'node:http';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { testCluster } from '../support/cluster-info.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere } from '../support/operator-harness.ts';
import { OperatorProcess, processArgs, processSuite } from '../support/operator-process.ts';
import { auditedRequests, serviceAccountKubeconfig } from '../support/service-account.ts';
import { promQuery, startPrometheus } from '../support/real-backends.ts';
import { createServices } from '../support/services.ts';

const LEASE = ['--leader-election-lease-duration', '4s', '--leader-election-renew-deadline', '3s', '--leader-election-retry-period', '500ms'];
const writes = (audit: string, user: string) => auditedRequests(readFileSync(audit, 'utf8'), user)
  .filter((r) => r.resource === 'configmaps' && ['create', 'patch', 'update'].includes(r.verb)).length;

describe('leader election between two operator processes', () => {
  const suite = processSuite();

  async function replicas(ns: string) {
    const rules = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
    const a = await serviceAccountKubeconfig(suite.kc, suite.core, ns, 'replica-a', rules);
    const b = await serviceAccountKubeconfig(suite.kc, suite.core, ns, 'replica-b', rules);
    const args = (kubeconfig: string) => processArgs(kubeconfig, '--namespaces-include', ns, '--endpoints-allowed-hosts', '127.0.0.1', ...LEASE);
    const first = new OperatorProcess(args(a.kubeconfig), { POD_NAMESPACE: ns, POD_NAME: 'replica-a' });
    suite.processes.push(first);
    await first.waitForLog('became leader');
    const second = new OperatorProcess(args(b.kubeconfig), { POD_NAMESPACE: ns, POD_NAME: 'replica-b' });
    suite.processes.push(second);
    await second.waitForLog('ready');
    return { first, second, users: { first: a.username, second: b.username } };
  }

  const leaseHolder = async (ns: string) =>
    (await suite.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: ns, name: 'kubernaut-toolset' })).spec?.holderIdentity ?? '';

  it('exactly one writes; after SIGKILL of the leader the other takes over within the lease and reconciles a change made meanwhile', async () => {
    const ns = await freshNamespace(suite.core, 'leader');
    await createServices(suite.core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    const { first, second, users } = await replicas(ns);
    await outputWhere(suite.core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    expect(await leaseHolder(ns)).toMatch(/^replica-a_/);
    expect(JSON.parse((await second.get('/status')).body)).toMatchObject({ ready: true, leader: { election: true, leading: false } });
    expect((await second.get('/metrics', 'metrics')).body).toMatch(/^kubernaut_toolset_leader 0$/m);
    expect((await first.get('/metrics', 'metrics')).body).toMatch(/^kubernaut_toolset_leader 1$/m);
    const audit = testCluster().logs.audit ?? '';
    expect(writes(audit, users.second)).toBe(0);
    expect(writes(audit, users.first)).toBeGreaterThan(0);

    first.kill('SIGKILL');
    await createServices(suite.core, ns, [{ name: 'grafana', type: 'grafana', endpoint: suite.target.url }]);
    // The deadline is a hang guard; how fast the takeover is belongs to the benchmarks.
    const led = await second.waitForLog('became leader', 30_000);
    // A killed leader cannot hand over: the standby waited for the Lease to expire.
    expect(String(led.acquired)).toMatch(/^expired \(held by replica-a_/);
    await outputWhere(suite.core, ns, (o) => 'grafana/dashboards' in o.toolsets, 'grafana, written by the new leader');
    expect(await leaseHolder(ns)).toMatch(/^replica-b_/);
    expect(writes(audit, users.second)).toBeGreaterThan(0);
  });

  it('with two replicas the dashboard counts each Service once: only the leader exports per-Service series', async () => {
    const ns = await freshNamespace(suite.core, 'ha-metrics');
    await createServices(suite.core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }, { name: 'bad', type: 'splunk' }]);
    const { first, second } = await replicas(ns);
    await outputWhere(suite.core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    const standby = (await second.get('/metrics', 'metrics')).body;
    expect(standby).not.toMatch(/^kubernaut_toolset_(toolsets|rejected_services)\{/m);
    expect((await first.get('/metrics', 'metrics')).body).toMatch(/^kubernaut_toolset_toolsets\{type="prometheus",verdict="included"\} 1$/m);
    // The dashboard's own queries, through a real Prometheus scraping both replicas.
    const dashboard = readFileSync(join(import.meta.dirname, '../../helm/kubernaut-toolset/dashboards/kubernaut-toolset.json'), 'utf8');
    const exprs = [...dashboard.matchAll(/"expr": "((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1] ?? ''}"`) as string)
      .filter((e) => /kubernaut_toolset_(toolsets|rejected_services)\{/.test(e)).map((e) => e.replaceAll('$namespace', '.*').replaceAll('$job', '.*').replaceAll('$instance', '.*'));
    expect(exprs).toHaveLength(2);
    const targets = [(await first.ports()).metrics, (await second.ports()).metrics].map((p) => `"127.0.0.1:${p}"`).join(', ');
    const prometheus = await startPrometheus(['global: {scrape_interval: 1s}', 'scrape_configs:', '  - job_name: kubernaut-toolset', `    static_configs: [{targets: [${targets}]}]`, ''].join('\n'));
    try {
      await waitFor(async () => ((await promQuery(prometheus.url, 'up == 1')).length === 2 ? true : undefined), { timeoutMs: 30_000, intervalMs: 500, describe: () => 'both replicas scraped' });
      const [byVerdict, byReason] = [await promQuery(prometheus.url, exprs[0] ?? ''), await promQuery(prometheus.url, exprs[1] ?? '')];
      expect(byVerdict.map((r) => [r.metric.verdict, r.value[1]])).toEqual([['included', '1']]);
      expect(byReason.map((r) => [r.metric.reason, r.value[1]])).toEqual([['UnknownType', '1']]);
    } finally {
      await prometheus.stop();
    }
  });

  it('a graceful exit hands the Lease over at once', async () => {
    const ns = await freshNamespace(suite.core, 'handover');
    await createServices(suite.core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    const { first, second } = await replicas(ns);
    first.kill('SIGTERM');
    const stopped = await first.exited();
    expect(stopped.code).toBe(0);
    expect(first.entries().some((e) => e.message === 'leadership released')).toBe(true);
    const led = await second.waitForLog('became leader', 30_000);
    // The Lease was handed over, not left to expire: the standby took a released Lease.
    expect(led.acquired).toBe('released');
  });
});

const promtool = ['/usr/bin/promtool', 'promtool'].find((p) => p === 'promtool' || existsSync(p)) ?? 'promtool';

describe('metrics', () => {
  let core: CoreV1Api;
  let target: HttpTarget;
  let op: OperatorProcess | undefined;

  beforeAll(async () => {
    ({ core } = fixtureApi());
    target = await HttpTarget.start('healthy');
  });
  afterEach(async () => {
    op?.kill('SIGKILL');
    await op?.exited();
  });
  afterAll(async () => target.close());

  async function operatorWithMetrics(): Promise<{ ns: string; body: string; port: number }> {
    const ns = await freshNamespace(core, 'metrics');
    await createServices(core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: target.url },
      { name: 'bad', type: 'splunk' },
    ]);
    op = new OperatorProcess(processArgs(testCluster().kubeconfig, '--namespaces-include', ns, '--endpoints-allowed-hosts', '127.0.0.1', '--no-leader-election-enabled'), { POD_NAMESPACE: ns });
    await op.waitForLog('ready');
    await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    const port = (await op.ports()).metrics;
    return { ns, body: (await op.get('/metrics', 'metrics')).body, port };
  }

  it('/metrics passes promtool check metrics and carries the series of SPEC 5', async () => {
    const { body } = await operatorWithMetrics();
    const check = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
    for (const series of [
      'kubernaut_toolset_toolsets{type="prometheus",verdict="included"} 1',
      'kubernaut_toolset_annotation_rejections_total{reason="UnknownType"} 1',
      'kubernaut_toolset_configmap_writes_total{result="created"} 1',
      'kubernaut_toolset_leader 1',
    ]) expect(body).toContain(series);
    for (const name of [
      'kubernaut_toolset_health_checks_total', 'kubernaut_toolset_health_check_duration_seconds_bucket', 'kubernaut_toolset_reconciles_total',
      'kubernaut_toolset_reconcile_duration_seconds_bucket', 'kubernaut_toolset_output_bytes', 'kubernaut_toolset_watch_events_total',
      'kubernaut_toolset_last_successful_reconcile_timestamp_seconds', 'kubernaut_toolset_event_to_applied_seconds_bucket', 'process_cpu_seconds_total',
    ]) expect(body).toMatch(new RegExp(`^${name}`, 'm'));
  });

  it('a real Prometheus scrapes it and sees up == 1', async () => {
    const { port } = await operatorWithMetrics();
    const prometheus = await startPrometheus([
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: kubernaut-toolset',
      `    static_configs: [{targets: ["127.0.0.1:${port}"]}]`,
      '',
    ].join('\n'));
    try {
      const query = (q: string) => new Promise<string>((resolve, reject) => {
        get(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(q)}`, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
      const up = await waitFor(async () => {
        const r = JSON.parse(await query('up{job="kubernaut-toolset"}')) as { data?: { result?: { value: [number, string] }[] } };
        return r.data?.result?.[0]?.value[1] === '1' ? r : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500, describe: () => 'Prometheus to report up == 1' });
      expect(up.data?.result).toHaveLength(1);
      const leader = JSON.parse(await query('kubernaut_toolset_leader')) as { data: { result: { value: [number, string] }[] } };
      expect(leader.data.result[0]?.value[1]).toBe('1');
    } finally {
      await prometheus.stop();
    }
  });
});
