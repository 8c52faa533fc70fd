#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from './config/load.ts';
import { run } from './cli/run.ts';
import { VERSION as version } from './version.ts';

const usage = `kubernaut-toolset ${version}: keeps HolmesGPT's toolset configuration true to the annotated Services that are really running.

Usage: kubernaut-toolset <command> [options]

Commands:
  run        run the operator against the current kubeconfig (or the in-cluster ServiceAccount)
  version    print the version

Options of run:
  --config FILE       YAML configuration file (see README "Configuration")
  --kubeconfig FILE   kubeconfig to use instead of $KUBECONFIG / ~/.kube/config / in-cluster
  --dry-run           compute and log the ConfigMap it would write; never write anything
  --log-level LEVEL   error, warn, info (default) or debug
  -h, --help          this text

Exit codes: 0 success, 1 runtime failure, 2 invalid configuration or usage.
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        kubeconfig: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`kubernaut-toolset: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(usage);
    return values.help ? 0 : 2;
  }
  switch (command) {
    case 'version':
      process.stdout.write(`${version}\n`);
      return 0;
    case 'run':
      return run({
        dryRun: values['dry-run'],
        ...(values.config ? { configFile: values.config } : {}),
        ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
        ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
      });
    default:
      process.stderr.write(`kubernaut-toolset: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`kubernaut-toolset: ${message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
