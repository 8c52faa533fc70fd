// Health verdicts with real HTTP targets, hysteresis, shadowing, rejections, and the Events and metrics they raise.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { PLACEHOLDER_TOOLSET } from '../../src/reconcile/output-document.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HttpTarget, type TargetBehaviour } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { metricReaching, metricValue } from '../support/metrics.ts';
import { outputWhere, readOutput, startOperator, testConfig, type ConfigPatch, type RunningOperator } from '../support/operator-harness.ts';
import { annotate, createServices } from '../support/services.ts';

describe('health, claims and signals', () => {
  let core: CoreV1Api;
  let healthy: HttpTarget;
  let running: RunningOperator | undefined;
  let ns: string;
  const targets: HttpTarget[] = [];

  beforeAll(async () => {
    core = fixtureApi().core;
    healthy = await HttpTarget.start('healthy');
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await Promise.all(targets.splice(0).map((t) => t.close()));
  });
  afterAll(async () => healthy.close());

  async function operatorIn(prefix: string, patch: ConfigPatch = {}) {
    ns = await freshNamespace(core, prefix);
    running = await startOperator(testConfig(ns, patch));
    return running;
  }

  async function target(behaviour: TargetBehaviour) {
    const t = await HttpTarget.start(behaviour);
    targets.push(t);
    return t;
  }

  async function eventMessages(name: string, reason: string): Promise<string[]> {
    return waitFor(async () => {
      const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name},reason=${reason}` });
      return list.items.length > 0 ? list.items.map((e) => `${e.type}: ${e.message}`) : undefined;
    }, { timeoutMs: 10_000, describe: () => `an Event ${reason} on ${name}` });
  }

  it('a hanging target costs one timeout and is left out; the healthy one is written; both are explained', async () => {
    const hanging = await target('hang');
    const failing = await target({ status: 503 });
    const { metrics, operator } = await operatorIn('timeouts', { health: { timeoutMs: 400 } });
    await createServices(core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: healthy.url },
      { name: 'grafana', type: 'grafana', endpoint: hanging.url },
      { name: 'tempo', type: 'tempo', endpoint: failing.url },
    ]);
    await waitFor(() => (operator.status().services.filter((s) => s.verdict !== 'pending').length === 3 ? true : undefined), {
      timeoutMs: 10_000, describe: () => `all three judged: ${JSON.stringify(operator.status().services)}`,
    });
    const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    expect(Object.keys(out.toolsets)).toEqual(['prometheus/metrics']);
    const byName = Object.fromEntries(operator.status().services.map((s) => [s.name, s]));
    expect(byName.grafana).toMatchObject({ verdict: 'unhealthy', reason: 'Timeout', message: expect.stringMatching(/timed out after 400 ms/) as unknown });
    expect(byName.tempo).toMatchObject({ verdict: 'unhealthy', reason: 'HttpStatus', message: expect.stringMatching(/HTTP 503/) as unknown });
    expect(byName.prometheus).toMatchObject({ verdict: 'included', reason: 'Healthy', healthUrl: `${healthy.url}/api/v1/query?query=up` });
    expect((await eventMessages('grafana', 'ToolsetUnhealthy'))[0]).toMatch(/^Warning: grafana\/dashboards: GET .* timed out after 400 ms/);
    expect((await eventMessages('prometheus', 'ToolsetDiscovered'))[0]).toMatch(/^Normal: prometheus\/metrics at /);
    expect(await metricReaching(metrics, 'kubernaut_toolset_health_checks_total', { type: 'grafana', result: 'Timeout' }, (v) => v > 0)).toBeGreaterThan(0);
    expect(await metricReaching(metrics, 'kubernaut_toolset_health_checks_total', { type: 'prometheus', result: 'healthy' }, (v) => v > 0)).toBeGreaterThan(0);
    expect(await metricReaching(metrics, 'kubernaut_toolset_toolsets', { type: 'tempo', verdict: 'unhealthy' }, (v) => v === 1)).toBe(1);
  });

  it('a target whose check is still hanging does not hold back the others', async () => {
    const hanging = await target('hang');
    const { operator } = await operatorIn('not-blocking', { health: { timeoutMs: 30_000 } });
    await createServices(core, ns, [{ name: 'slow', type: 'grafana', endpoint: hanging.url }]);
    await waitFor(() => (hanging.hits > 0 ? true : undefined), { timeoutMs: 10_000, describe: () => 'the hanging check to start' });
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: healthy.url }]);
    const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    expect(Object.keys(out.toolsets)).toEqual(['prometheus/metrics']);
    expect(operator.status().services.find((s) => s.name === 'slow')).toMatchObject({ verdict: 'pending', reason: 'NotChecked' });
  });

  it('uses the annotated health path, and drops an included target only after failureThreshold failures', async () => {
    const flaky = await target('healthy');
    const { operator } = await operatorIn('hysteresis', { health: { intervalMs: 150, failureThreshold: 3 } });
    await createServices(core, ns, [{ name: 'loki', type: 'loki', endpoint: flaky.url, annotations: { 'kubernaut.io/toolset-health-path': '/custom/ready' } }]);
    await outputWhere(core, ns, (o) => 'grafana/loki' in o.toolsets, 'grafana/loki');
    expect(operator.status().services[0]?.healthUrl).toBe(`${flaky.url}/custom/ready`);
    flaky.behaviour = { status: 500 };
    const seen: number[] = [];
    await waitFor(() => {
      const s = operator.status().services[0];
      if (s?.consecutiveFailures !== undefined) seen.push(s.consecutiveFailures);
      return s?.verdict === 'unhealthy' ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20, describe: () => `loki to be dropped: ${JSON.stringify(operator.status().services[0])}` });
    // It stayed included through the first failures and left on the third.
    expect(seen).toEqual(expect.arrayContaining([1, 2]));
    expect(operator.status().services[0]?.consecutiveFailures).toBe(3);
    const out = await outputWhere(core, ns, (o) => !('grafana/loki' in o.toolsets), 'loki removed');
    expect(out.toolsets).toEqual({ [PLACEHOLDER_TOOLSET]: { enabled: false, description: expect.stringMatching(/^Placeholder/) as unknown } });
    flaky.behaviour = 'healthy';
    await outputWhere(core, ns, (o) => 'grafana/loki' in o.toolsets, 'loki back after one success');
  });

  it('a Service annotated before its backend is up is written within seconds of the backend becoming healthy', async () => {
    const starting = await target({ status: 503 });
    // A health interval of 10 minutes: only the early re-check of a failed candidate can bring it in.
    const { operator, metrics } = await operatorIn('early-recheck', { health: { intervalMs: 600_000 } });
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: starting.url }]);
    await waitFor(() => (starting.hits >= 2 ? true : undefined), { timeoutMs: 15_000, describe: () => `a failed check to be repeated (hits: ${starting.hits})` });
    expect(operator.status().services[0]).toMatchObject({ verdict: 'unhealthy', reason: 'HttpStatus' });
    expect((await readOutput(core, ns))?.toolsets).not.toHaveProperty('prometheus/metrics');
    starting.behaviour = 'healthy';
    // Re-checks back off 1 s, 2 s, 4 s…: the next one comes within seconds.
    await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics once its backend is healthy', 20_000);
    const hits = starting.hits;
    // Once in, no more early re-checks: a reconcile after a relist checks nothing; the next check waits for the interval.
    const reconciles = await metricValue(metrics, 'kubernaut_toolset_reconciles_total', { result: 'success' });
    for (const r of operator.reflectors()) r.restart('relist');
    await metricReaching(metrics, 'kubernaut_toolset_reconciles_total', { result: 'success' }, (v) => v > reconciles);
    expect(starting.hits).toBe(hits);
  });

  it('one Service per built-in toolset: highest priority wins, the other is reported Shadowed and takes over when needed', async () => {
    const { operator } = await operatorIn('shadow');
    const second = await target('healthy');
    await createServices(core, ns, [
      { name: 'prom-a', type: 'prometheus', endpoint: healthy.url },
      { name: 'prom-b', type: 'prometheus', endpoint: second.url, annotations: { 'kubernaut.io/toolset-priority': '10' } },
    ]);
    await outputWhere(core, ns, (o) => (o.toolsets['prometheus/metrics']?.config as { prometheus_url?: string } | undefined)?.prometheus_url === second.url, 'prom-b as prometheus/metrics');
    await waitFor(() => (operator.status().services.find((s) => s.name === 'prom-a')?.verdict === 'shadowed' ? true : undefined), {
      timeoutMs: 5_000, describe: () => 'prom-a shadowed',
    });
    expect((await eventMessages('prom-a', 'ToolsetShadowed'))[0]).toMatch(new RegExp(`provided by Service ${ns}/prom-b`));
    await annotate(core, ns, 'prom-b', { 'kubernaut.io/toolset-priority': '-1' });
    await outputWhere(core, ns, (o) => (o.toolsets['prometheus/metrics']?.config as { prometheus_url?: string } | undefined)?.prometheus_url === healthy.url, 'prom-a after the priority change');
  });

  it('rejects malformed annotations with a reason, an Event and a metric, and keeps valid neighbours', async () => {
    const { metrics, operator } = await operatorIn('malformed');
    await createServices(core, ns, [
      { name: 'good', type: 'prometheus', endpoint: healthy.url },
      { name: 'bad-flag', annotations: { 'kubernaut.io/toolset': 'sometimes' } },
      { name: 'no-type' },
      { name: 'bad-type', type: 'splunk' },
      { name: 'bad-json', type: 'grafana', endpoint: healthy.url, annotations: { 'kubernaut.io/toolset-config': '{"url":' } },
      { name: 'far-away', type: 'grafana', endpoint: 'http://example.com:3000' },
      { name: 'bad-port', type: 'tempo', annotations: { 'kubernaut.io/toolset-port': 'metrics' } },
    ]);
    await waitFor(() => (operator.status().services.filter((s) => s.verdict === 'rejected').length === 6 ? true : undefined), {
      timeoutMs: 10_000, describe: () => `six rejections: ${JSON.stringify(operator.status().services)}`,
    });
    const reasons = Object.fromEntries(operator.status().services.filter((s) => s.verdict === 'rejected').map((s) => [s.name, s.reason]));
    expect(reasons).toEqual({
      'bad-flag': 'InvalidToolsetAnnotation', 'no-type': 'MissingType', 'bad-type': 'UnknownType',
      'bad-json': 'InvalidConfig', 'far-away': 'EndpointNotAllowed', 'bad-port': 'InvalidPort',
    });
    expect((await eventMessages('bad-type', 'ToolsetRejected'))[0]).toMatch(/^Warning: UnknownType: kubernaut\.io\/toolset-type="splunk" is not a known type/);
    expect((await eventMessages('far-away', 'ToolsetRejected'))[0]).toMatch(/host "example\.com" is not allowed/);
    expect(await metricReaching(metrics, 'kubernaut_toolset_annotation_rejections_total', { reason: 'UnknownType' }, (v) => v >= 1)).toBe(1);
    expect(await metricReaching(metrics, 'kubernaut_toolset_rejected_services', {}, (v) => v === 6)).toBe(6);
    const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'the valid neighbour');
    expect(Object.keys(out.toolsets)).toEqual(['prometheus/metrics']);

    // Fixing the annotation clears the rejection.
    await annotate(core, ns, 'bad-type', { 'kubernaut.io/toolset-type': 'custom', 'kubernaut.io/toolset-endpoint': healthy.url });
    await outputWhere(core, ns, (o) => `custom/${ns}/bad-type` in o.toolsets, 'the fixed Service');
    expect(await metricReaching(metrics, 'kubernaut_toolset_rejected_services', {}, (v) => v === 5)).toBe(5);
  });

  it('with health checking disabled, a dead endpoint is still written', async () => {
    await operatorIn('no-health', { health: { enabled: false } });
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: 'http://127.0.0.1:1' }]);
    const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics');
    expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: 'http://127.0.0.1:1' } });
    expect(await readOutput(core, ns)).toBeDefined();
  });
});
