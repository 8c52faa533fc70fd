import { readFileSync } from 'node:fs';
import type { OperatorConfig } from './operator-config.ts';

/** A configuration problem: names the field, the value and what is allowed. The CLI exits 2 on it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Milliseconds per unit of Go's time.ParseDuration (µ is written both ways, as Go accepts). */
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * A duration as Go's time.ParseDuration reads it (Kubernetes tools' convention): one or more number-unit terms,
 * `1m30s`, `500ms`, `1.5h`, in milliseconds (rounded). No sign: every setting is a positive time. A bare number is
 * refused with the fix, because its unit would be a guess (`5` as 5 ms surprised users who meant 5 s).
 */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    throw new ConfigError(`invalid duration ${JSON.stringify(value)}: a number needs a unit, e.g. ${text}s or ${text}ms (Go duration syntax: 1m30s, 500ms, 2h)`);
  }
  let total = 0;
  let at = 0;
  TERM.lastIndex = 0;
  while (at < text.length) {
    TERM.lastIndex = at;
    const term = TERM.exec(text);
    if (!term) break;
    total += Number(term[1]) * (UNITS[term[2] ?? ''] ?? Number.NaN);
    at = TERM.lastIndex;
  }
  if (text === '' || at !== text.length) {
    throw new ConfigError(`invalid duration ${JSON.stringify(value)}: use Go duration syntax, number-unit terms with units ns, us, ms, s, m, h (e.g. 1m30s, 500ms, 2h)`);
  }
  return Math.round(total);
}

/** A node of config.schema.json, as far as the derivations below read it. */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
  description?: string;
  default?: unknown;
  /** The OperatorConfig property, when it is not the file's name (or, for a duration, the name plus "Ms"). */
  'x-config-key'?: string;
  /** A non-empty environment variable of this name replaces the default. */
  'x-default-env'?: string;
  /** A structured setting only the configuration file can express: no flag, no environment variable. */
  'x-file-only'?: boolean;
}

/** config.schema.json: the one place a setting, its type, its constraints and its default are written down. */
export const CONFIG_SCHEMA = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8')) as SchemaNode & { $defs: Record<string, SchemaNode> };

/** The annotation keywords config.schema.json adds to JSON Schema; ajv in strict mode must be told about them. */
export const SCHEMA_KEYWORDS = ['x-config-key', 'x-default-env', 'x-file-only'];

const DURATION_REF = '#/$defs/duration';

export type FieldKind = 'boolean' | 'integer' | 'string' | 'list' | 'duration' | 'object';

/** One setting: a leaf of the schema (or a file-only subtree) and where it lands in OperatorConfig. */
export interface Field {
  /** In the configuration file, e.g. ['reconcile', 'quietWindow']. */
  path: string[];
  /** In OperatorConfig, e.g. ['reconcile', 'quietWindowMs']. */
  key: string[];
  kind: FieldKind;
  /** In the file's units. Absent: the setting is optional, and left out of OperatorConfig when not given or empty. */
  default?: unknown;
  defaultEnv?: string;
  fileOnly: boolean;
  description?: string;
}

function kindOf(node: SchemaNode): FieldKind {
  if (node.$ref === DURATION_REF) return 'duration';
  const resolved = node.$ref ? CONFIG_SCHEMA.$defs[node.$ref.replace('#/$defs/', '')] ?? node : node;
  if (resolved.type === 'array') return 'list';
  if (resolved.type === 'boolean' || resolved.type === 'integer' || resolved.type === 'object') return resolved.type;
  return 'string';
}

function fieldOf(node: SchemaNode, path: string[]): Field {
  const kind = kindOf(node);
  const name = path.at(-1) ?? '';
  const key = node['x-config-key'] ?? (kind === 'duration' ? `${name}Ms` : name);
  return {
    path,
    key: [...path.slice(0, -1), key],
    kind,
    fileOnly: node['x-file-only'] === true,
    ...(node.default !== undefined ? { default: node.default } : {}),
    ...(node['x-default-env'] ? { defaultEnv: node['x-default-env'] } : {}),
    ...(node.description ? { description: node.description } : {}),
  };
}

function leaves(node: SchemaNode, path: string[]): Field[] {
  if (node.type === 'object' && node.properties && !node['x-file-only']) {
    return Object.entries(node.properties).flatMap(([name, child]) => leaves(child, [...path, name]));
  }
  return [fieldOf(node, path)];
}

/** Every setting, in schema order, derived from config.schema.json. */
export const FIELDS: readonly Field[] = leaves(CONFIG_SCHEMA, []);

/** The field at a dotted file path such as "output.namespace". */
export function fieldAt(path: string): Field {
  const field = FIELDS.find((f) => f.path.join('.') === path);
  if (!field) throw new Error(`config.schema.json has no setting ${path}`);
  return field;
}

export function getAt(doc: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), doc);
}

export function setAt(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = next && typeof next === 'object' && !Array.isArray(next) ? next : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

function valueOf(field: Field, doc: unknown, env: NodeJS.ProcessEnv): unknown {
  const given = getAt(doc, field.path);
  if (field.default === undefined) return given === '' ? undefined : given;
  if (given !== undefined) return given;
  return (field.defaultEnv && env[field.defaultEnv]) || structuredClone(field.default);
}

/** Lays a document the schema accepted over the schema's defaults, in OperatorConfig's names and units. */
export function configOf(doc: unknown, env: NodeJS.ProcessEnv): OperatorConfig {
  const config: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = valueOf(field, doc, env);
    if (value !== undefined) setAt(config, field.key, field.kind === 'duration' ? parseDuration(value as string) : value);
  }
  return config as unknown as OperatorConfig;
}

/** Every setting at its default from config.schema.json; the output namespace is POD_NAMESPACE when that is set. */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return configOf({}, env);
}
