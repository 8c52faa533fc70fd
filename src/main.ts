#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_FILE_HASH_PORT, serveFileHash } from './cli/file-hash.ts';
import { render } from './cli/render.ts';
import { run } from './cli/run.ts';
import { status, STATUS_OUTPUTS, type StatusOutput } from './cli/status.ts';
import { kubeFor } from './cli/kube-for.ts';
import type { ConfigMap } from './kube/objects.ts';
import { readFileOrStdin, validate } from './cli/validate.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { ALIAS_HELP, ALIAS_OPTIONS, withAliases } from './config/flag-aliases.ts';
import { SETTINGS } from './config/sources.ts';
import { LOG_FORMATS, type LogFormat } from './observe/logger.ts';
import { VERSION, versionLine } from './version.ts';

const EXIT_CODES = `Exit codes: 0 success; 1 failure (run: shutdown timed out or a runtime error; render: the output would be
invalid; validate: the file is invalid); 2 invalid configuration or usage (nothing was started).`;

const settingsHelp = `Configuration (file < KUBERNAUT_* environment < flags; see README "Configuration"; booleans: --x / --no-x;
DURATION in Go syntax: 500ms, 5s, 1m30s; a bare number is refused):
${SETTINGS.map(settingHelp).join('\n')}`;

/** One setting: its flag and environment variable, then what it does and its default. */
function settingHelp(s: (typeof SETTINGS)[number]): string {
  const value = s.kind === 'boolean' ? '' : ` ${s.kind === 'list' ? 'A,B' : s.kind === 'duration' ? 'DURATION' : s.kind.toUpperCase()}`;
  const plain = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const shown = Array.isArray(s.default) ? s.default.map(plain).join(',') || 'none' : s.default === undefined || s.default === '' ? 'none' : plain(s.default);
  const fallback = s.defaultEnv ? `$${s.defaultEnv}, else ${shown}` : shown;
  return `  --${s.flag}${value}`.padEnd(46) + `${s.env}\n      ${s.description ?? ''} (default: ${fallback})`;
}

const help: Record<string, string> = {
  main: `kubernaut-toolset ${VERSION}: keeps HolmesGPT's toolset configuration true to the annotated Services that are running.

Usage: kubernaut-toolset <command> [options]

Commands:
  run        run the operator (current kubeconfig, or the in-cluster ServiceAccount)
  status     what the running operator decided about every Service (a table, or -o wide|json|yaml)
  render     offline: Service manifests (files or stdin) in, the toolset file the operator would write out
             (--diff: as a unified diff against the live ConfigMap, exit 1 when they differ)
  validate   check a HolmesGPT custom toolset file against the schema
  file-hash  the sidecar of reload.inPlace: serves the sha256 of HolmesGPT's mounted toolset file
  version    print the version, git commit and build date (also --version, -v)

kubernaut-toolset <command> --help describes each command.

${EXIT_CODES}
`,
  run: `Usage: kubernaut-toolset run [--config FILE] [--kubeconfig FILE] [--log-level LEVEL] [--log-format FORMAT] [setting flags]

Runs the operator until SIGTERM/SIGINT: /healthz, /readyz, /status on --http-port (8080), /metrics on
--http-metrics-port (9090). --dry-run computes and logs the ConfigMap it would write and mutates nothing.

  --config FILE       YAML configuration file
  --kubeconfig FILE   instead of $KUBECONFIG / ~/.kube/config / in-cluster
  --context NAME      a kubeconfig context other than the current one
  --log-level LEVEL   error, warn (or warning), info (default) or debug
  --log-format FORMAT json (one object per line; the default unless stderr is a terminal) or text

${settingsHelp}

${ALIAS_HELP}

${EXIT_CODES}
`,
  status: `Usage: kubernaut-toolset status [-n NAMESPACE] [-o table|wide|json|yaml] [--kubeconfig FILE] [--context NAME]

Reads GET /status of the running operator through the API server's pod proxy (needs get on pods and pods/proxy in
its namespace; no port-forward), from the replica that leads, and prints what it decided about every Service:
SERVICE, VERDICT, TOOLSET, REASON, LAST CHECK and DETAIL (wide adds TYPE, ENDPOINT and FAILURES), or the whole
status as JSON or YAML. Exit 1 when no replica answers.

  -n, --namespace NS  where the operator runs (default kubernaut-system)
  -o, --output FORMAT table (default), wide, json or yaml
  --selector LABELS   its pods (default app.kubernetes.io/name=kubernaut-toolset)
  --port PORT         its HTTP port (default 8080, the chart's http.port)
  --kubeconfig FILE   instead of $KUBECONFIG / ~/.kube/config / in-cluster
  --context NAME      a kubeconfig context other than the current one
`,
  render: `Usage: kubernaut-toolset render [FILE...] [--config FILE] [--check-health] [--overrides FILE] [--diff] [setting flags]

Reads Service manifests (YAML or JSON; single Services or Lists such as "kubectl get svc -A -o yaml") from the
files, or stdin when none or "-" is given, and prints the toolset file the operator would write for them.
Services are validated as the API server would; a bad one is rejected by name and never stops the render.
Namespace objects in the input count for tenancy.trustLabel (kubectl get ns,svc -A -o yaml). The size budget
applies as in the operator. Without --check-health every candidate counts as healthy. Rejections and shadowed
Services go to stderr.

  --config FILE       the operator's configuration file (tenancy, toolsetDefaults, endpoint policy, budget, health)
  --check-health      GET each candidate's health URL as the operator would
  --overrides FILE    an overrides.yaml to merge, as the operator merges the ConfigMap's key
  --diff              compare with the live output ConfigMap (output.namespace/output.name, key output.key) and
                      print a unified diff (kubectl diff's convention: exit 1 when they differ, 0 when not); its
                      overrides.yaml applies unless --overrides is given
  --kubeconfig FILE, --context NAME   the cluster of --diff

${EXIT_CODES}
`,
  validate: `Usage: kubernaut-toolset validate FILE|-

Checks a HolmesGPT custom toolset file (toolsets: / mcp_servers:) against the schema kubernaut-toolset writes
with. Prints "valid" and exits 0, or lists every problem and exits 1.
`,
  'file-hash': `Usage: kubernaut-toolset file-hash --file PATH [--port PORT] [--address ADDRESS]

Runs in each HolmesGPT pod beside HolmesGPT when the operator reloads it in place (reload.inPlace), with the same
toolset ConfigMap volume mounted. GET / answers {"file", "sha256", "bytes"} of the file as it is now, or 503 when
it cannot be read; the operator asks HolmesGPT to reload only once the new file is there. Runs until SIGTERM.

  --file PATH         the mounted toolset file, e.g. /etc/holmes/config/custom_toolset.yaml
  --port PORT         default ${DEFAULT_FILE_HASH_PORT} (the operator's reload.hashPort)
  --address ADDRESS   default 0.0.0.0 (the operator calls the pod's IP)
`,
  version: 'Usage: kubernaut-toolset version (or --version, -v)\n\nPrints the version, the git commit and the build date stamped by `npm run build`.\n',
};

const settingOptions: ParseArgsConfig['options'] = {
  ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: s.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }])),
  ...ALIAS_OPTIONS,
};

const commandOptions: Record<string, ParseArgsConfig['options']> = {
  run: { config: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' }, 'log-level': { type: 'string' }, 'log-format': { type: 'string' }, ...settingOptions },
  render: {
    config: { type: 'string' }, 'check-health': { type: 'boolean' }, overrides: { type: 'string' }, diff: { type: 'boolean' },
    kubeconfig: { type: 'string' }, context: { type: 'string' }, ...settingOptions,
  },
  status: {
    namespace: { type: 'string', short: 'n' }, output: { type: 'string', short: 'o' }, selector: { type: 'string' }, port: { type: 'string' },
    kubeconfig: { type: 'string' }, context: { type: 'string' },
  },
  validate: {},
  'file-hash': { file: { type: 'string' }, port: { type: 'string' }, address: { type: 'string' } },
  version: {},
};

function settingFlags(values: Record<string, string | boolean | string[] | undefined>): Record<string, string | boolean | undefined> {
  const own = Object.fromEntries(SETTINGS.flatMap((s) => (values[s.flag] === undefined ? [] : [[s.flag, values[s.flag] as string | boolean]])));
  return withAliases(values, own);
}

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'];
/** Spellings other tools use (logrus, external-dns, Reloader): accepted, and logged as ours. */
const LOG_LEVEL_ALIASES: Record<string, string> = { warning: 'warn' };

/** Usage mistakes of `run` that would otherwise surface silently (info logs dropped); kubeFor judges --kubeconfig. */
function runUsageProblem(logLevel: string | undefined, logFormat: string | undefined): string | undefined {
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) return `--log-level ${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(', ')} (or warning)`;
  if (logFormat !== undefined && !(LOG_FORMATS as readonly string[]).includes(logFormat)) return `--log-format ${JSON.stringify(logFormat)} is not one of ${LOG_FORMATS.join(', ')}`;
  return undefined;
}

/** Usage mistakes of `status`: an unknown output format, a port that is not one, or a stray argument. */
function statusUsageProblem(output: string, port: number, rawPort: string | undefined, positionals: readonly string[]): string | undefined {
  if (positionals.length > 0) return `unexpected argument ${positionals[0]}`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `--port ${JSON.stringify(rawPort)} is not a port (1-65535)`;
  if (!(STATUS_OUTPUTS as readonly string[]).includes(output)) return `-o ${JSON.stringify(output)} is not one of ${STATUS_OUTPUTS.join(', ')}`;
  return undefined;
}

/** Node's parseArgs explains mistakes at length; a user needs the flag and what is wrong with it. */
function usageMistake(message: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '(-\S+)(?:, (-\S+))?(?: <value>)?' argument missing/.exec(message);
  if (missing) return `${missing[2] ?? missing[1]} needs a value`;
  const flag = /Option '(-\S+)(?:, (-\S+))?' does not take an argument/.exec(message);
  if (flag) return `${flag[2] ?? flag[1]} takes no value`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument ${positional[1]}`;
  return message.split('\n')[0]?.replace(/\.$/, '') ?? message;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help.main ?? '');
    return command ? 0 : 2;
  }
  const options = commandOptions[command];
  if (!options) {
    process.stderr.write(`kubernaut-toolset: unknown command "${command}"\n\n${help.main ?? ''}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, allowNegative: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`kubernaut-toolset ${command}: ${usageMistake((error as Error).message)}; see "kubernaut-toolset ${command} --help"\n`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const { positionals } = parsed;
  if (values.help) {
    process.stdout.write(help[command] ?? '');
    return 0;
  }
  const str = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  switch (command) {
    case 'version':
      process.stdout.write(`${versionLine()}\n`);
      return 0;
    case 'validate': {
      if (positionals.length !== 1) {
        process.stderr.write(`kubernaut-toolset validate: give exactly one file (or - for stdin)\n\n${help.validate ?? ''}`);
        return 2;
      }
      const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
      return validate(positionals[0] ?? '-', readFileOrStdin, write(process.stdout), write(process.stderr));
    }
    case 'file-hash': {
      const port = Number(str('port') ?? DEFAULT_FILE_HASH_PORT);
      const file = str('file');
      if (!file || positionals.length > 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
        const problem = !file ? '--file is required' : positionals.length > 0 ? `unexpected argument ${JSON.stringify(positionals[0])}` : `--port ${JSON.stringify(str('port'))} is not a port (1-65535)`;
        process.stderr.write(`kubernaut-toolset file-hash: ${problem}\n\n${help['file-hash'] ?? ''}`);
        return 2;
      }
      return serveFileHash({ file, port, address: str('address') ?? '0.0.0.0', log: (line) => void process.stderr.write(`${line}\n`) });
    }
    case 'status': {
      const output = str('output') ?? 'table';
      const port = Number(str('port') ?? 8080);
      const problem = statusUsageProblem(output, port, str('port'), positionals);
      if (problem) {
        process.stderr.write(`kubernaut-toolset status: ${problem}; see "kubernaut-toolset status --help"\n`);
        return 2;
      }
      const kube = kubeFor(str('kubeconfig'), str('context'), 'status');
      if (!kube) return 2;
      return status({
        kube, namespace: str('namespace') ?? 'kubernaut-system', selector: str('selector') ?? 'app.kubernetes.io/name=kubernaut-toolset', port,
        output: output as StatusOutput, out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t),
      });
    }
    case 'render': {
      const config = loadConfig({ ...(str('config') ? { file: str('config') } : {}), flags: settingFlags(values) });
      let live: (() => Promise<ConfigMap | undefined>) | undefined;
      if (values.diff === true) {
        const kube = kubeFor(str('kubeconfig'), str('context'), 'render');
        if (!kube) return 2;
        live = () => kube.getConfigMap(config.output.namespace, config.output.name);
      }
      return render({
        ...(live ? { live } : {}),
        files: positionals, config, checkHealth: values['check-health'] === true,
        ...(str('overrides') ? { overridesFile: str('overrides') } : {}),
        stdin: () => readFileOrStdin('-'),
        out: (t) => void process.stdout.write(t),
        err: (t) => void process.stderr.write(t),
      });
    }
    default: {
      // Configuration problems first (they are the most to report), then the command's own usage.
      const config = loadConfig({ ...(str('config') ? { file: str('config') } : {}), flags: settingFlags(values) });
      const logLevel = str('log-level') === undefined ? undefined : LOG_LEVEL_ALIASES[str('log-level') ?? ''] ?? str('log-level');
      const problem = runUsageProblem(logLevel, str('log-format'));
      if (problem) {
        process.stderr.write(`kubernaut-toolset run: ${problem}\n`);
        return 2;
      }
      return run({
        config, ...(str('kubeconfig') ? { kubeconfig: str('kubeconfig') } : {}), ...(str('context') ? { context: str('context') } : {}),
        ...(logLevel ? { logLevel } : {}),
        ...(str('log-format') ? { logFormat: str('log-format') as LogFormat } : {}),
      });
    }
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
