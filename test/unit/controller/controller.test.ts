import { afterEach, describe, expect, it } from '@jest/globals';
import type { ApplyOptions, ServiceScope } from '../../../src/kube/client.ts';
import type { ConfigMap, ConfigMapApply, EndpointSlice, EventRecord, Service } from '../../../src/kube/objects.ts';
import type { ListResult, ListWatchSource } from '../../../src/kube/list-watch.ts';
import { Reflector } from '../../../src/kube/reflector.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { Metrics } from '../../../src/observe/metrics.ts';
import { ToolsetController } from '../../../src/controller/controller.ts';
import { defaultConfig } from '../../../src/config/fields.ts';
import { waitFor } from '../../../tools/control-plane/wait.ts';
import { UnusedKube } from '../../support/unused-kube.ts';

function source<T>(items: () => Promise<T[]>): ListWatchSource<T> {
  return {
    description: 'fake',
    convert: (raw) => raw as T,
    list: async (): Promise<ListResult<T>> => ({ items: await items(), resourceVersion: '1' }),
    // A watch that stays open until aborted.
    watch: (_rv, _onEvent, onDone) => Promise.resolve({ abort: () => onDone() }),
  };
}

const service: Service = {
  metadata: {
    name: 'prom', namespace: 'obs', uid: 'u1', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', labels: {},
    annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'prometheus', 'kubernaut.io/toolset-endpoint': 'http://127.0.0.1:9' },
  },
  spec: { type: 'ClusterIP', ports: [{ name: 'web', port: 9090 }] },
};

/** A KubeClient whose Service list takes `listDelayMs`, so the ConfigMap cache syncs well before it. */
class SlowListKube extends UnusedKube {
  readonly applied: ConfigMapApply[] = [];
  readonly listDelayMs: number;
  constructor(listDelayMs: number) {
    super();
    this.listDelayMs = listDelayMs;
  }
  override watchServices(_scope: ServiceScope): Reflector<Service> {
    return new Reflector(source<Service>(() => new Promise((r) => setTimeout(() => r([service]), this.listDelayMs))));
  }
  override watchConfigMaps(): Reflector<ConfigMap> {
    return new Reflector(source<ConfigMap>(() => Promise.resolve([])));
  }
  override watchEndpointSlices(): Reflector<EndpointSlice> {
    return new Reflector(source<EndpointSlice>(() => Promise.resolve([])));
  }
  override getConfigMap(): Promise<ConfigMap | undefined> {
    return Promise.resolve(undefined);
  }
  override applyConfigMap(cm: ConfigMapApply, _options: ApplyOptions): Promise<ConfigMap> {
    this.applied.push(cm);
    return Promise.resolve({
      metadata: { name: cm.name, namespace: cm.namespace, uid: 'cm', resourceVersion: String(this.applied.length + 1), creationTimestamp: '', labels: cm.labels ?? {}, annotations: cm.annotations ?? {} },
      data: cm.data ?? {},
    });
  }
  override recordEvent(_event: EventRecord): Promise<void> {
    return Promise.resolve();
  }
}

/** A fast-reacting configuration without health checks or election, the output and the Service in `obs`. */
function wiringConfig(): ReturnType<typeof defaultConfig> {
  const config = defaultConfig({});
  config.reconcile = { quietWindowMs: 5, maxDelayMs: 20, resyncIntervalMs: 600_000 };
  config.health.enabled = false;
  config.leaderElection.enabled = false;
  config.endpoints.allowedHosts = ['127.0.0.1'];
  config.tenancy.trustedNamespaces = ['obs'];
  return config;
}

describe('ToolsetController wiring (fake API, real clock)', () => {
  let operator: ToolsetController | undefined;
  afterEach(async () => operator?.stop());

  it('reconciles once every cache is synced, even when a debounced trigger fired while one was still listing', async () => {
    const kube = new SlowListKube(150);
    const config = wiringConfig();
    operator = new ToolsetController({ kube, config, metrics: new Metrics({ processMetrics: false }), log: createLogger({ silent: true }) });
    await operator.start();
    expect(operator.ready).toBe(true);
    await waitFor(() => (kube.applied.length > 0 ? true : undefined), { timeoutMs: 2_000, describe: () => 'a write' });
    expect(kube.applied[0]?.data?.['toolset.yaml']).toContain('prometheus/metrics');
    expect(operator.status().toolsets).toEqual(['prometheus/metrics']);
  });
});

/** Lists once, then never answers again: an API server that went silent after start-up. */
class SilentAfterStartKube extends SlowListKube {
  #lists = 0;
  override watchServices(_scope: ServiceScope): Reflector<Service> {
    return new Reflector(source<Service>(() => (this.#lists++ === 0 ? Promise.resolve([service]) : new Promise<Service[]>(() => {}))));
  }
}

describe('watchdog and liveness', () => {
  let operator: ToolsetController | undefined;
  afterEach(async () => operator?.stop());

  it('restarts a watch that stays silent past the stall timeout, and liveness fails at twice that', async () => {
    const kube = new SilentAfterStartKube(0);
    const config = wiringConfig();
    config.watch.stallTimeoutMs = 300;
    const metrics = new Metrics({ processMetrics: false });
    operator = new ToolsetController({ kube, config, metrics, log: createLogger({ silent: true }) });
    await operator.start();
    expect(operator.live()).toEqual({ ok: true });
    await waitFor(async () => ((await metrics.registry.getSingleMetricAsString('kubernaut_toolset_watch_restarts_total')).includes('resource="services",reason="stalled"') ? true : undefined), {
      timeoutMs: 5_000, describe: () => 'a stalled restart of the Service watch',
    });
    const dead = await waitFor(() => {
      const live = operator?.live();
      return live && !live.ok ? live : undefined;
    }, { timeoutMs: 5_000, describe: () => 'liveness to fail' });
    expect(dead.reason).toBe('watch stalled for more than 0.6s: fake');
  });
});
