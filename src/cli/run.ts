import type { OperatorConfig } from '../config/operator-config.ts';
import { kubeFor } from './kube-for.ts';
import { OperatorHttp } from '../observe/http-server.ts';
import { createLogger, type LogFormat } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { ToolsetController } from '../controller/controller.ts';
import { BUILD } from '../version.ts';

export interface RunOptions {
  /** Already validated: configuration errors are reported before anything starts. */
  config: OperatorConfig;
  kubeconfig?: string;
  /** A kubeconfig context other than the current one. */
  context?: string;
  logLevel?: string;
  logFormat?: LogFormat;
}

/**
 * `kubernaut-toolset run`: the operator until SIGTERM or SIGINT. Shutdown reports not-ready first, stops the
 * watches, lets an in-flight write finish (a server-side apply is atomic: it lands whole or not at all), hands
 * the Lease back, closes the HTTP servers and exits 0; if that takes longer than the shutdown timeout it exits 1.
 */
export async function run(options: RunOptions): Promise<number> {
  const { config } = options;
  const log = createLogger({ ...(options.logLevel ? { level: options.logLevel } : {}), ...(options.logFormat ? { format: options.logFormat } : {}) });
  // A kubeconfig that cannot be used (an unknown --context) is a usage mistake: nothing was started.
  const kube = kubeFor(options.kubeconfig, options.context, 'run');
  if (!kube) return 2;
  const metrics = new Metrics();
  const operator = new ToolsetController({ kube, config, metrics, log });
  const http = new OperatorHttp();
  await http.start(
    {
      live: () => operator.live(),
      ready: () => operator.readiness(),
      status: () => operator.status(),
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    },
    { host: config.http.address, serverPort: config.http.port, metricsPort: config.http.metricsPort },
  );
  log.info('starting', {
    version: BUILD.version, commit: BUILD.commit, built: BUILD.date, server: kube.server, output: `${config.output.namespace}/${config.output.name}`, dryRun: config.dryRun,
    identity: operator.identity, http: http.ports,
  });

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  void operator.start().then(
    () => log.info('ready', { toolsets: operator.status().toolsets, leading: operator.mayWrite }),
    (error: unknown) => log.error('start failed', { error: (error as Error).message }),
  );
  const signal = await signalled;
  log.info('shutting down', { signal, timeoutMs: config.shutdownTimeoutMs });
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs).unref());
  const stopped = (async () => {
    await operator.stop();
    await http.stop();
    return 'stopped' as const;
  })();
  const outcome = await Promise.race([stopped, timeout]);
  if (outcome === 'timeout') {
    log.error('shutdown did not finish within the timeout; exiting anyway', { timeoutMs: config.shutdownTimeoutMs });
    return 1;
  }
  log.info('stopped');
  return 0;
}
