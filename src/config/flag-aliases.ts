import { ConfigError } from './fields.ts';

/**
 * The flag names Kubernetes controllers use (controller-runtime, kube-controller-manager), as aliases of the
 * settings' own flags: `--leader-elect`, `--metrics-bind-address`, `--health-probe-bind-address`, `--namespace`.
 * The settings' names stay, as documented; an alias and its setting's own flag given together must agree.
 */
export const ALIAS_OPTIONS = {
  'leader-elect': { type: 'boolean' },
  'metrics-bind-address': { type: 'string' },
  'health-probe-bind-address': { type: 'string' },
  namespace: { type: 'string', multiple: true },
} as const;

export const ALIAS_HELP = `Kubernetes-style aliases:
  --leader-elect / --no-leader-elect        --leader-election-enabled
  --metrics-bind-address [HOST]:PORT        --http-metrics-port (and --http-address)
  --health-probe-bind-address [HOST]:PORT   --http-port (and --http-address)
  --namespace NS (repeatable)               --namespaces-include`;

type Flags = Record<string, string | boolean | undefined>;
type Values = Record<string, string | boolean | string[] | undefined>;

function bindAddress(flag: string, value: string): { host?: string; port: string } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(value.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new ConfigError(`--${flag} ${JSON.stringify(value)}: expected [HOST]:PORT, e.g. :9090 or 0.0.0.0:9090`);
  }
  const host = match[1]?.replace(/^\[|\]$/g, '');
  return { ...(host ? { host } : {}), port: match[2] as string };
}

function put(flags: Flags, name: string, value: string | boolean, from: string): void {
  const given = flags[name];
  if (given !== undefined && given !== value) {
    throw new ConfigError(`--${from} and --${name} disagree (${JSON.stringify(value)} and ${JSON.stringify(given)}); give one of them`);
  }
  flags[name] = value;
}

/** The settings' own flags, with the aliases among `values` translated into them. */
export function withAliases(values: Values, settingFlags: Flags): Flags {
  const flags: Flags = { ...settingFlags };
  if (typeof values['leader-elect'] === 'boolean') put(flags, 'leader-election-enabled', values['leader-elect'], 'leader-elect');
  for (const [alias, portFlag] of [['metrics-bind-address', 'http-metrics-port'], ['health-probe-bind-address', 'http-port']] as const) {
    const value = values[alias];
    if (typeof value !== 'string') continue;
    const { host, port } = bindAddress(alias, value);
    put(flags, portFlag, port, alias);
    if (host !== undefined) put(flags, 'http-address', host, alias);
  }
  const namespaces = values.namespace;
  if (Array.isArray(namespaces) && namespaces.length > 0) put(flags, 'namespaces-include', namespaces.join(','), 'namespace');
  return flags;
}
