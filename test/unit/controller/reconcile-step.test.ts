import { describe, expect, it } from '@jest/globals';
import { ReconcileStep, type ReconcileRequest } from '../../../src/controller/reconcile-step.ts';
import { defaultConfig } from '../../../src/config/fields.ts';
import { HealthBook, type HealthTarget } from '../../../src/health/health-book.ts';
import type { ApplyOptions } from '../../../src/kube/client.ts';
import type { ConfigMap, ConfigMapApply, EventRecord, Service } from '../../../src/kube/objects.ts';
import { EventRecorder } from '../../../src/observe/events.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { Metrics } from '../../../src/observe/metrics.ts';
import { ConfigMapWriter } from '../../../src/output/configmap-writer.ts';
import { OutputPublisher } from '../../../src/output/publisher.ts';
import { planSettings } from '../../../src/reconcile/plan.ts';
import { UnusedKube } from '../../support/unused-kube.ts';
import { service } from '../discovery/fixtures.ts';

/** Records applies and Events; an apply fails while `failing` is set. */
class ScriptedKube extends UnusedKube {
  readonly applied: ConfigMapApply[] = [];
  readonly events: EventRecord[] = [];
  failing = false;
  /** The HTTP status of the failing apply: 400 (a webhook's denial) by default. */
  failingStatus = 400;
  override applyConfigMap(cm: ConfigMapApply, _options: ApplyOptions): Promise<ConfigMap> {
    if (this.failing) return Promise.reject(Object.assign(new Error('apply refused by a webhook'), { status: this.failingStatus }));
    this.applied.push(cm);
    return Promise.resolve({
      metadata: { name: cm.name, namespace: cm.namespace, uid: 'cm', resourceVersion: String(this.applied.length), creationTimestamp: '', labels: cm.labels ?? {}, annotations: cm.annotations ?? {} },
      data: cm.data ?? {},
    });
  }
  override recordEvent(event: EventRecord): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}

const prometheus = (endpoint = 'http://prom.obs.svc:9090'): Service => service({
  name: 'prom', namespace: 'obs',
  annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'prometheus', 'kubernaut.io/toolset-endpoint': endpoint },
});
const evil = service({ name: 'evil', namespace: 'obs', annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'nope' } });

function setup(options: { leading?: () => boolean; synced?: () => boolean } = {}) {
  const kube = new ScriptedKube();
  const config = defaultConfig({});
  config.output.namespace = 'obs';
  const metrics = new Metrics({ processMetrics: false });
  const log = createLogger({ silent: true });
  const events = new EventRecorder(kube, log, options.leading ?? (() => true));
  const health = new HealthBook({ failureThreshold: 2, metrics });
  let live: ConfigMap | undefined;
  const publisher = new OutputPublisher({ writer: new ConfigMapWriter(kube, { ...config.output, dryRun: false }), events, metrics, log, onStored: (s) => (live = s) });
  let services: Service[] = [prometheus()];
  const step = new ReconcileStep({
    snapshot: () => ((options.synced?.() ?? true) ? { services, namespaces: [], live } : undefined), settings: planSettings(config), health, publisher, events,
    leading: options.leading ?? (() => true), metrics, log,
  });
  const healthy = (key: string, healthUrl: string) =>
    health.settle({ item: { key, type: 'prometheus', toolset: 'prometheus/metrics', healthUrl }, ok: true, value: { healthy: true, status: 200, durationMs: 1 }, durationMs: 1 });
  // The checks each run started, as the pipeline's fan-out would receive them.
  const started: HealthTarget[][] = [];
  const run = (request: ReconcileRequest = { fullRecheck: false }) => {
    const checks: HealthTarget[] = [];
    started.push(checks);
    return step.run(request, (targets) => checks.push(...targets));
  };
  // Another writer overwrites the generated key: the next run has something to write.
  const scribble = () => {
    if (live) live = { ...live, data: { ...live.data, 'toolset.yaml': 'toolsets: {}\n' } };
  };
  return { kube, step, run, started, health, events, healthy, scribble, setServices: (s: Service[]) => (services = s) };
}

describe('ReconcileStep', () => {
  it('writes nothing before the first round of health checks is in, then writes the healthy toolset', async () => {
    const { kube, step, run, started, healthy } = setup();
    expect(await run()).toEqual({ outcome: 'planned' });
    expect(started).toEqual([[expect.objectContaining({ key: 'obs/prom', healthUrl: 'http://prom.obs.svc:9090/api/v1/query?query=up' })]]);
    expect([kube.applied.length, step.primed]).toEqual([0, false]);
    expect(step.status().services).toEqual([expect.objectContaining({ name: 'prom', verdict: 'pending' })]);
    healthy('obs/prom', 'http://prom.obs.svc:9090/api/v1/query?query=up');
    expect(await run()).toMatchObject({ outcome: 'written', write: { ok: true, result: 'created' } });
    expect(started[1]).toEqual([]);
    expect(kube.applied[0]?.data?.['toolset.yaml']).toContain('prometheus/metrics');
    expect(step.primed).toBe(true);
  });

  it('keeps an included toolset\'s previous entry while its new endpoint is being checked, without holding other changes', async () => {
    const { kube, step, run, started, healthy, setServices } = setup();
    await run();
    healthy('obs/prom', 'http://prom.obs.svc:9090/api/v1/query?query=up');
    await run();
    const api = service({ name: 'api', namespace: 'obs', annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'custom' } });
    setServices([prometheus('http://prom2.obs.svc:9090'), api]);
    healthy('obs/api', 'http://api.obs.svc.cluster.local:8080/');
    const pinned = await run();
    expect(pinned).toMatchObject({ outcome: 'written', write: { result: 'updated' } });
    expect(started.at(-1)).toEqual([expect.objectContaining({ healthUrl: 'http://prom2.obs.svc:9090/api/v1/query?query=up' })]);
    // The new toolset is written at once, and Prometheus still with the endpoint that was checked.
    expect(kube.applied.at(-1)?.data?.['toolset.yaml']).toContain('custom/obs/api');
    expect(kube.applied.at(-1)?.data?.['toolset.yaml']).toContain('http://prom.obs.svc:9090');
    expect(step.status().services).toEqual([
      expect.objectContaining({ name: 'api', verdict: 'included', reason: 'Healthy' }),
      expect.objectContaining({
        name: 'prom', verdict: 'included', reason: 'EndpointChanged',
        message: 'written as prometheus/metrics with its previous endpoint until the new one (http://prom2.obs.svc:9090/api/v1/query?query=up) is checked',
      }),
    ]);
    healthy('obs/prom', 'http://prom2.obs.svc:9090/api/v1/query?query=up');
    await run();
    expect(kube.applied.at(-1)?.data?.['toolset.yaml']).toContain('http://prom2.obs.svc:9090');
    expect(kube.applied.at(-1)?.data?.['toolset.yaml']).not.toContain('http://prom.obs.svc:9090');
  });

  it('a standby replica plans and becomes ready but writes nothing', async () => {
    const { kube, step, run, healthy } = setup({ leading: () => false });
    await run();
    healthy('obs/prom', 'http://prom.obs.svc:9090/api/v1/query?query=up');
    expect(await run()).toMatchObject({ outcome: 'planned' });
    expect([kube.applied.length, step.primed]).toEqual([0, true]);
  });

  it('throws when the write fails, so the pipeline retries, and records the failure in status', async () => {
    const { kube, step, run, healthy } = setup();
    await run();
    healthy('obs/prom', 'http://prom.obs.svc:9090/api/v1/query?query=up');
    kube.failing = true;
    await expect(run()).rejects.toThrow('output not written (error): apply refused by a webhook');
    expect(step.status().output).toMatchObject({ problem: 'apply refused by a webhook', lastWrite: { result: 'error' } });
  });

  it('does not throw for a write no retry can fix (the API server found the object invalid): reported, and left for the next change', async () => {
    const { kube, step, run, healthy } = setup();
    await run();
    healthy('obs/prom', 'http://prom.obs.svc:9090/api/v1/query?query=up');
    kube.failing = true;
    kube.failingStatus = 422;
    await expect(run()).resolves.toMatchObject({ outcome: 'written', write: { ok: false, result: 'error', retryable: false } });
    expect(step.status().output).toMatchObject({ problem: 'apply refused by a webhook', lastWrite: { result: 'error' } });
  });

  it('starts the checks a reconcile found due even when its write then fails, so a new Service is not lost', async () => {
    const { kube, run, started, healthy, scribble, setServices } = setup();
    await run();
    healthy('obs/prom', 'http://prom.obs.svc:9090/api/v1/query?query=up');
    await run();
    // A Service appears while the writes that would undo another writer's scribble fail: its check is started by
    // the failing run, and not handed out again by the retries (the book counts it in flight).
    const api = service({ name: 'api', namespace: 'obs', annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'custom' } });
    setServices([prometheus(), api]);
    scribble();
    kube.failing = true;
    await expect(run()).rejects.toThrow('output not written');
    await expect(run()).rejects.toThrow('output not written');
    expect(started.slice(-2)).toEqual([[expect.objectContaining({ key: 'obs/api' })], []]);
    // The check the failed run started comes back healthy; the next run writes the Service.
    kube.failing = false;
    healthy('obs/api', 'http://api.obs.svc.cluster.local:8080/');
    await run();
    expect(kube.applied.at(-1)?.data?.['toolset.yaml']).toContain('custom/obs/api');
  });

  it('reports a rejected Service once per change of its state, not on every reconcile', async () => {
    const { kube, step, run, events, setServices } = setup();
    setServices([prometheus(), evil]);
    for (let i = 0; i < 3; i++) await run();
    await events.flush();
    const rejected = kube.events.filter((e) => e.reason === 'ToolsetRejected');
    expect(rejected).toEqual([expect.objectContaining({ regarding: expect.objectContaining({ name: 'evil' }) as unknown, type: 'Warning' })]);
    expect(step.status().services.find((s) => s.name === 'evil')).toMatchObject({ verdict: 'rejected', reason: 'UnknownType' });
  });

  it('skips while the caches are not synced, and then runs', async () => {
    let synced = false;
    const { kube, run, started, healthy } = setup({ synced: () => synced });
    expect(await run()).toEqual({ outcome: 'skipped' });
    synced = true;
    await run();
    expect(started.map((checks) => checks.length)).toEqual([0, 1]);
    healthy('obs/prom', 'http://prom.obs.svc:9090/api/v1/query?query=up');
    await run();
    expect(kube.applied).toHaveLength(1);
  });
});
