import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { invalidHostPattern } from '../discovery/endpoint-policy.ts';
import { isNamespaceName } from '../discovery/manifest.ts';
import { TYPE_SPECS, type ShortType } from '../discovery/toolset-types.ts';
import { toolsetsMapErrors } from '../toolset/validate.ts';
import { isBlankYaml } from '../toolset/overrides.ts';
import { CONFIG_SCHEMA, ConfigError, FIELDS, SCHEMA_KEYWORDS, configOf, fieldAt, getAt } from './fields.ts';
import { layered } from './sources.ts';
import type { OperatorConfig } from './operator-config.ts';

export { ConfigError, parseDuration } from './fields.ts';

const validate = new Ajv2020({ allErrors: true, strict: true, keywords: SCHEMA_KEYWORDS }).compile(CONFIG_SCHEMA);

const DURATIONS = FIELDS.filter((f) => f.kind === 'duration');
/** JSON pointers of the duration settings, whose several allowed forms deserve one plain message. */
const DURATION_POINTERS = new Set(DURATIONS.map((f) => `/${f.path.join('/')}`));

function fieldOf(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return path ? `${path}.${extra}` : extra;
  }
  return path || '(top level)';
}

function valueAt(doc: unknown, pointer: string): unknown {
  return getAt(doc, pointer.split('/').slice(1));
}

function lineFor(doc: unknown, e: ErrorObject): string {
  const field = fieldOf(e);
  if (e.keyword === 'additionalProperties') return `${field}: unknown setting`;
  const value = JSON.stringify(valueAt(doc, e.instancePath));
  const allowed = DURATION_POINTERS.has(e.instancePath) ? 'a Go duration such as 500ms, 5s, 1m30s (a number needs a unit: 5 is 5s or 5000ms)' : e.message ?? 'invalid';
  return `${field}: ${value} is not allowed; expected ${allowed}`;
}

function explain(doc: unknown, errors: ErrorObject[]): string[] {
  const lines = errors
    .filter((e) => e.keyword !== 'anyOf' || !errors.some((o) => o !== e && o.instancePath === e.instancePath && o.keyword !== 'anyOf'))
    .map((e) => lineFor(doc, e));
  return [...new Set(lines)];
}

const invalid = (problems: string[]) => new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);

/** Durations where 0 means "none" rather than a mistake. */
const ZERO_ALLOWED = new Set(['reload.minInterval']);

function durationProblems(config: OperatorConfig): string[] {
  return DURATIONS.flatMap((f) => {
    const ms = getAt(config, f.key) as number;
    if (ZERO_ALLOWED.has(f.path.join('.')) && ms === 0) return [];
    return ms < 1 ? [`${f.path.join('.')}: ${ms}ms is not allowed; it must be at least 1ms`] : [];
  });
}

function outputNamespaceProblems(config: OperatorConfig, doc: unknown): string[] {
  if (isNamespaceName(config.output.namespace)) return [];
  const field = fieldAt('output.namespace');
  const from = getAt(doc, field.path) ? field.path.join('.') : field.defaultEnv;
  return [`${from}: ${JSON.stringify(config.output.namespace)} is not a valid namespace name`];
}

function allowedHostProblems(config: OperatorConfig): string[] {
  return config.endpoints.allowedHosts.flatMap((host) => {
    const why = invalidHostPattern(host);
    return why ? [`endpoints.allowedHosts: ${JSON.stringify(host)} is not allowed; ${why}`] : [];
  });
}

function consumerPolicyProblems(config: OperatorConfig): string[] {
  const policy = config.consumer.networkPolicy;
  if (!policy.enabled || config.reload.deployment !== '' || Object.keys(policy.podSelector).length > 0) return [];
  return ['consumer.networkPolicy: name HolmesGPT\'s pods, with reload.deployment or consumer.networkPolicy.podSelector'];
}

function timingProblems({ reconcile: r, leaderElection: le }: OperatorConfig): string[] {
  const problems: string[] = [];
  if (r.maxDelayMs < r.quietWindowMs) {
    problems.push(`reconcile.maxDelay: ${r.maxDelayMs}ms is shorter than reconcile.quietWindow (${r.quietWindowMs}ms); it must be at least as long`);
  }
  if (le.renewDeadlineMs >= le.leaseDurationMs) {
    problems.push(`leaderElection.renewDeadline: ${le.renewDeadlineMs}ms must be shorter than leaderElection.leaseDuration (${le.leaseDurationMs}ms), or two leaders could overlap`);
  }
  if (le.retryPeriodMs >= le.renewDeadlineMs) {
    problems.push(`leaderElection.retryPeriod: ${le.retryPeriodMs}ms must be shorter than leaderElection.renewDeadline (${le.renewDeadlineMs}ms)`);
  }
  return problems;
}

/** Checked as part of an entry, with the endpoint every entry gets, so a mistake fails here and not per Service. */
function toolsetDefaultsProblems(config: OperatorConfig): string[] {
  return Object.entries(config.toolsetDefaults).flatMap(([type, defaults]) => {
    const spec = TYPE_SPECS[type as ShortType];
    const entry = { enabled: true, config: { ...defaults.config, [spec.endpointKey ?? 'api_url']: 'http://example.monitoring.svc:80' } };
    return toolsetsMapErrors({ [spec.builtin ?? type]: entry }).map((e) => `toolsetDefaults.${type}: ${e}`);
  });
}

function namespaceOverlapProblems(config: OperatorConfig): string[] {
  const both = config.namespaces.include.filter((n) => config.namespaces.exclude.includes(n));
  return both.length > 0 ? [`namespaces: ${both.join(', ')} both included and excluded`] : [];
}

/** What the schema cannot say: rules across settings, and checks shared with other parts of the operator. */
function semanticProblems(config: OperatorConfig, doc: unknown): string[] {
  return [
    ...durationProblems(config),
    ...outputNamespaceProblems(config, doc),
    ...allowedHostProblems(config),
    ...timingProblems(config),
    ...consumerPolicyProblems(config),
    ...toolsetDefaultsProblems(config),
    ...namespaceOverlapProblems(config),
  ];
}

/** Validates a parsed configuration document and lays it over the defaults. */
export function configFromDocument(doc: unknown, env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const input = doc ?? {};
  if (!validate(input)) throw invalid(explain(input, validate.errors ?? []));
  const config = configOf(input, env);
  const problems = semanticProblems(config, input);
  if (problems.length > 0) throw invalid(problems);
  return config;
}

/** The configuration from a file (optional), KUBERNAUT_* environment variables and flags, in that precedence. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Record<string, string | boolean | undefined> }): OperatorConfig {
  const env = options.env ?? process.env;
  const doc = options.file ? readConfigDocument(options.file) : {};
  return configFromDocument(layered(doc ?? {}, env, options.flags ?? {}), env);
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
