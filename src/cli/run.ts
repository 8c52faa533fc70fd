import { ClientNodeKube } from '../kube/client-node.ts';
import { createLogger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { ToolsetOperator } from '../operator.ts';
import { loadConfigFile } from '../config/load.ts';

export interface RunOptions {
  configFile?: string;
  kubeconfig?: string;
  dryRun: boolean;
  logLevel?: string;
}

/** `kubernaut-toolset run`: the operator, until SIGTERM or SIGINT. */
export async function run(options: RunOptions): Promise<number> {
  const config = loadConfigFile(options.configFile);
  if (options.dryRun) config.dryRun = true;
  const log = createLogger({ ...(options.logLevel ? { level: options.logLevel } : {}) });
  const kube = options.kubeconfig ? ClientNodeKube.fromFile(options.kubeconfig) : ClientNodeKube.fromDefault();
  const metrics = new Metrics();
  metrics.leader.set(1);
  const operator = new ToolsetOperator({ kube, config, metrics, log });
  log.info('starting', { server: kube.server, output: `${config.output.namespace}/${config.output.name}`, dryRun: config.dryRun });

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      log.info('shutting down', { signal });
      await operator.stop();
      log.info('stopped');
    })();
    return stopping;
  };
  const done = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
  });
  await operator.start();
  log.info('ready', { toolsets: operator.status().toolsets });
  await done;
  return 0;
}
