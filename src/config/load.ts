import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { invalidHostPattern } from '../discovery/endpoint-policy.ts';
import { isNamespaceName } from '../discovery/manifest.ts';
import { TYPE_SPECS, type ShortType } from '../discovery/toolset-types.ts';
import type { ToolsetDefaults } from '../toolset/render.ts';
import { toolsetsMapErrors } from '../toolset/validate.ts';
import { isBlankYaml } from '../toolset/overrides.ts';
import { layered } from './sources.ts';
import { defaultConfig, type OperatorConfig } from './operator-config.ts';

const schema = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** A configuration problem: names the field, the value and what is allowed. The CLI exits 2 on it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!match) throw new ConfigError(`invalid duration ${JSON.stringify(value)}`);
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1));
}

function fieldOf(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return path ? `${path}.${extra}` : extra;
  }
  return path || '(top level)';
}

function valueAt(doc: unknown, pointer: string): unknown {
  return pointer.split('/').slice(1).reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), doc);
}

function explain(doc: unknown, errors: ErrorObject[]): string[] {
  const lines = errors
    .filter((e) => e.keyword !== 'anyOf' || !errors.some((o) => o !== e && o.instancePath === e.instancePath && o.keyword !== 'anyOf'))
    .map((e) => {
      const field = fieldOf(e);
      if (e.keyword === 'additionalProperties') return `${field}: unknown setting`;
      const value = JSON.stringify(valueAt(doc, e.instancePath));
      const parent = e.instancePath.split('/').at(-1) ?? '';
      const durationLike = ['timeout', 'interval', 'quietWindow', 'maxDelay', 'resyncInterval', 'stallTimeout', 'leaseDuration', 'renewDeadline', 'retryPeriod', 'shutdownTimeout'].includes(parent);
      const allowed = durationLike ? 'a duration such as 500ms, 5s, 2m or a number of milliseconds' : e.message ?? 'invalid';
      return `${field}: ${value} is not allowed; expected ${allowed}`;
    });
  return [...new Set(lines)];
}

type FileConfig = {
  clusterDomain?: string;
  namespaces?: { include?: string[]; exclude?: string[] };
  labelSelector?: string;
  autoDetect?: boolean;
  endpoints?: { allowedHosts?: string[] };
  tenancy?: { trustedNamespaces?: string[]; trustLabel?: boolean };
  toolsetDefaults?: ToolsetDefaults;
  health?: { enabled?: boolean; timeout?: number | string; concurrency?: number; failureThreshold?: number; interval?: number | string; caFile?: string };
  reconcile?: { quietWindow?: number | string; maxDelay?: number | string; resyncInterval?: number | string };
  output?: { namespace?: string; name?: string; key?: string; adopt?: boolean; sizeBudgetBytes?: number };
  dryRun?: boolean;
  http?: { address?: string; port?: number; metricsPort?: number };
  watch?: { stallTimeout?: number | string };
  leaderElection?: { enabled?: boolean; leaseName?: string; leaseDuration?: number | string; renewDeadline?: number | string; retryPeriod?: number | string };
  shutdownTimeout?: number | string;
  reload?: { deployment?: string };
};

function durationOr(value: number | string | undefined, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value);
}

/** Validates a parsed configuration document and lays it over the defaults. */
export function configFromDocument(doc: unknown, env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const input = doc ?? {};
  if (!validate(input)) throw new ConfigError(`invalid configuration:\n  ${explain(input, validate.errors ?? []).join('\n  ')}`);
  const f = input as FileConfig;
  const d = defaultConfig(env);
  const config: OperatorConfig = {
    clusterDomain: f.clusterDomain ?? d.clusterDomain,
    namespaces: { include: f.namespaces?.include ?? d.namespaces.include, exclude: f.namespaces?.exclude ?? d.namespaces.exclude },
    ...(f.labelSelector ? { labelSelector: f.labelSelector } : {}),
    autoDetect: f.autoDetect ?? d.autoDetect,
    endpoints: { allowedHosts: f.endpoints?.allowedHosts ?? d.endpoints.allowedHosts },
    tenancy: { trustedNamespaces: f.tenancy?.trustedNamespaces ?? d.tenancy.trustedNamespaces, trustLabel: f.tenancy?.trustLabel ?? d.tenancy.trustLabel },
    toolsetDefaults: f.toolsetDefaults ?? d.toolsetDefaults,
    health: {
      enabled: f.health?.enabled ?? d.health.enabled,
      timeoutMs: f.health?.timeout !== undefined ? parseDuration(f.health.timeout) : d.health.timeoutMs,
      concurrency: f.health?.concurrency ?? d.health.concurrency,
      failureThreshold: f.health?.failureThreshold ?? d.health.failureThreshold,
      intervalMs: f.health?.interval !== undefined ? parseDuration(f.health.interval) : d.health.intervalMs,
      ...(f.health?.caFile ? { caFile: f.health.caFile } : {}),
    },
    reconcile: {
      quietMs: f.reconcile?.quietWindow !== undefined ? parseDuration(f.reconcile.quietWindow) : d.reconcile.quietMs,
      maxDelayMs: f.reconcile?.maxDelay !== undefined ? parseDuration(f.reconcile.maxDelay) : d.reconcile.maxDelayMs,
      resyncMs: f.reconcile?.resyncInterval !== undefined ? parseDuration(f.reconcile.resyncInterval) : d.reconcile.resyncMs,
    },
    output: { ...d.output, ...f.output },
    dryRun: f.dryRun ?? d.dryRun,
    http: { ...d.http, ...f.http },
    watch: { stallTimeoutMs: durationOr(f.watch?.stallTimeout, d.watch.stallTimeoutMs) },
    leaderElection: {
      enabled: f.leaderElection?.enabled ?? d.leaderElection.enabled,
      leaseName: f.leaderElection?.leaseName ?? d.leaderElection.leaseName,
      leaseDurationMs: durationOr(f.leaderElection?.leaseDuration, d.leaderElection.leaseDurationMs),
      renewDeadlineMs: durationOr(f.leaderElection?.renewDeadline, d.leaderElection.renewDeadlineMs),
      retryPeriodMs: durationOr(f.leaderElection?.retryPeriod, d.leaderElection.retryPeriodMs),
    },
    shutdownTimeoutMs: durationOr(f.shutdownTimeout, d.shutdownTimeoutMs),
    reload: { deployment: f.reload?.deployment ?? d.reload.deployment },
  };
  const problems: string[] = [];
  const durations: [string, number][] = [
    ['health.timeout', config.health.timeoutMs], ['health.interval', config.health.intervalMs],
    ['reconcile.quietWindow', config.reconcile.quietMs], ['reconcile.maxDelay', config.reconcile.maxDelayMs],
    ['reconcile.resyncInterval', config.reconcile.resyncMs], ['watch.stallTimeout', config.watch.stallTimeoutMs],
    ['leaderElection.leaseDuration', config.leaderElection.leaseDurationMs], ['leaderElection.renewDeadline', config.leaderElection.renewDeadlineMs],
    ['leaderElection.retryPeriod', config.leaderElection.retryPeriodMs], ['shutdownTimeout', config.shutdownTimeoutMs],
  ];
  for (const [field, ms] of durations) if (ms < 1) problems.push(`${field}: ${ms}ms is not allowed; it must be at least 1ms`);
  if (!isNamespaceName(config.output.namespace)) {
    const from = f.output?.namespace ? 'output.namespace' : 'POD_NAMESPACE';
    problems.push(`${from}: ${JSON.stringify(config.output.namespace)} is not a valid namespace name`);
  }
  for (const host of config.endpoints.allowedHosts) {
    const why = invalidHostPattern(host);
    if (why) problems.push(`endpoints.allowedHosts: ${JSON.stringify(host)} is not allowed; ${why}`);
  }
  if (config.reconcile.maxDelayMs < config.reconcile.quietMs) {
    problems.push(`reconcile.maxDelay: ${config.reconcile.maxDelayMs}ms is shorter than reconcile.quietWindow (${config.reconcile.quietMs}ms); it must be at least as long`);
  }
  const le = config.leaderElection;
  if (le.renewDeadlineMs >= le.leaseDurationMs) {
    problems.push(`leaderElection.renewDeadline: ${le.renewDeadlineMs}ms must be shorter than leaderElection.leaseDuration (${le.leaseDurationMs}ms), or two leaders could overlap`);
  }
  if (le.retryPeriodMs >= le.renewDeadlineMs) {
    problems.push(`leaderElection.retryPeriod: ${le.retryPeriodMs}ms must be shorter than leaderElection.renewDeadline (${le.renewDeadlineMs}ms)`);
  }
  // Checked as part of an entry, with the endpoint every entry gets, so a mistake fails here and not per Service.
  for (const [type, defaults] of Object.entries(config.toolsetDefaults)) {
    const spec = TYPE_SPECS[type as ShortType];
    const entry = { enabled: true, config: { ...defaults.config, [spec.endpointKey ?? 'api_url']: 'http://example.monitoring.svc:80' } };
    for (const e of toolsetsMapErrors({ [spec.builtin ?? type]: entry })) problems.push(`toolsetDefaults.${type}: ${e}`);
  }
  const both = config.namespaces.include.filter((n) => config.namespaces.exclude.includes(n));
  if (both.length > 0) problems.push(`namespaces: ${both.join(', ')} both included and excluded`);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

/** The configuration from a file (optional), KUBERNAUT_* environment variables and flags, in that precedence. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Record<string, string | boolean | undefined> }): OperatorConfig {
  const env = options.env ?? process.env;
  const doc = options.file ? readConfigDocument(options.file) : {};
  return configFromDocument(layered(doc ?? {}, env, options.flags ?? {}), env);
}

export function loadConfigFile(path: string | undefined, env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  if (!path) return configFromDocument({}, env);
  return configFromDocument(readConfigDocument(path), env);
}

function readConfigDocument(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = isBlankYaml(text) ? {} : load(text);
  } catch (error) {
    throw new ConfigError(`configuration file ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return doc;
}
