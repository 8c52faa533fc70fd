import type { CoreV1Api } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { defaultConfig } from '../../src/config/fields.ts';
import type { OperatorConfig } from '../../src/config/operator-config.ts';
import { ClientNodeKube } from '../../src/kube/client-node.ts';
import { createLogger } from '../../src/observe/logger.ts';
import { Metrics } from '../../src/observe/metrics.ts';
import { ToolsetController } from '../../src/controller/controller.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { testCluster } from './cluster-info.ts';

export type ConfigPatch = {
  [K in keyof OperatorConfig]?: OperatorConfig[K] extends object ? Partial<OperatorConfig[K]> : OperatorConfig[K];
};

/** Lays a partial section over a full one, ignoring keys the patch leaves undefined. */
function merged<T extends object>(base: T, ...patches: (Partial<T> | undefined)[]): T {
  const defined = patches.map((p) => Object.fromEntries(Object.entries(p ?? {}).filter(([, v]) => v !== undefined)));
  return Object.assign({}, base, ...defined) as T;
}

/** Test defaults: one namespace in and out, loopback targets allowed, short quiet window. */
export function testConfig(namespace: string, patch: ConfigPatch = {}): OperatorConfig {
  const d = defaultConfig({});
  return {
    ...d,
    ...(patch.clusterDomain ? { clusterDomain: patch.clusterDomain } : {}),
    ...(patch.labelSelector ? { labelSelector: patch.labelSelector } : {}),
    autoDetect: patch.autoDetect ?? d.autoDetect,
    dryRun: patch.dryRun ?? d.dryRun,
    shutdownTimeoutMs: patch.shutdownTimeoutMs ?? d.shutdownTimeoutMs,
    namespaces: merged(d.namespaces, { include: [namespace] }, patch.namespaces),
    endpoints: merged(d.endpoints, { allowedHosts: ['127.0.0.1'] }, patch.endpoints),
    tenancy: merged(d.tenancy, patch.tenancy),
    toolsetDefaults: patch.toolsetDefaults ?? d.toolsetDefaults,
    health: merged(d.health, { timeoutMs: 1_000 }, patch.health),
    reconcile: merged(d.reconcile, { quietWindowMs: 100, maxDelayMs: 1_000 }, patch.reconcile),
    output: merged(d.output, { namespace }, patch.output),
    // In-process operators serve no HTTP (the process-level tests do) and need no election unless a test asks.
    http: merged(d.http, { port: 0, metricsPort: 0 }, patch.http),
    watch: merged(d.watch, patch.watch),
    leaderElection: merged(d.leaderElection, { enabled: false }, patch.leaderElection),
    // Rollouts as fast as the tests make changes, unless a test is about the limit.
    reload: merged(d.reload, { minIntervalMs: 0 }, patch.reload),
    consumer: { base: merged(d.consumer.base, patch.consumer?.base), networkPolicy: merged(d.consumer.networkPolicy, patch.consumer?.networkPolicy) },
  };
}

export interface RunningOperator {
  operator: ToolsetController;
  metrics: Metrics;
  config: OperatorConfig;
  stop(): Promise<void>;
}

/** Runs the real operator in this process against the test control plane. */
export async function startOperator(config: OperatorConfig): Promise<RunningOperator> {
  const metrics = new Metrics({ processMetrics: false });
  const log = createLogger({ silent: process.env.KUBERNAUT_TEST_LOGS !== '1', pretty: true, level: 'debug' });
  const operator = new ToolsetController({ kube: ClientNodeKube.fromFile(testCluster().kubeconfig), config, metrics, log });
  await operator.start();
  return { operator, metrics, config, stop: () => operator.stop() };
}

export interface OutputSnapshot {
  toolsets: Record<string, Record<string, unknown>>;
  text: string;
  resourceVersion: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  data: Record<string, string>;
}

export async function readOutput(core: CoreV1Api, namespace: string, name = 'kubernaut-toolset-config', key = 'toolset.yaml'): Promise<OutputSnapshot | undefined> {
  try {
    const cm = await core.readNamespacedConfigMap({ namespace, name });
    const text = cm.data?.[key] ?? '';
    const doc = (load(text) ?? {}) as { toolsets?: Record<string, Record<string, unknown>>; mcp_servers?: Record<string, Record<string, unknown>> };
    return {
      // What HolmesGPT loads: it merges mcp_servers into the toolsets.
      toolsets: { ...doc.toolsets, ...doc.mcp_servers }, text, resourceVersion: cm.metadata?.resourceVersion ?? '',
      annotations: cm.metadata?.annotations ?? {}, labels: cm.metadata?.labels ?? {}, data: cm.data ?? {},
    };
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** Polls the output ConfigMap until `accept` holds; fails with the last content seen. */
export async function outputWhere(
  core: CoreV1Api,
  namespace: string,
  accept: (out: OutputSnapshot) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<OutputSnapshot> {
  let last: OutputSnapshot | undefined;
  return waitFor(
    async () => {
      last = await readOutput(core, namespace);
      return last && accept(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 100, describe: () => `output ConfigMap in ${namespace} to have ${what}; last seen:\n${last?.text ?? '(no ConfigMap)'}` },
  );
}
