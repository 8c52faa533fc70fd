import { readFileSync } from 'node:fs';

/** One configurable leaf of the schema, with the names it has as an environment variable and as a flag. */
export interface Setting {
  path: string[];
  env: string;
  flag: string;
  kind: 'boolean' | 'integer' | 'string' | 'list' | 'duration';
  description?: string;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
  description?: string;
}

const schema = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8')) as SchemaNode & { $defs: Record<string, SchemaNode> };

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

function kindOf(node: SchemaNode): Setting['kind'] {
  if (node.$ref === '#/$defs/duration') return 'duration';
  const resolved = node.$ref ? schema.$defs[node.$ref.replace('#/$defs/', '')] ?? node : node;
  if (resolved.type === 'boolean') return 'boolean';
  if (resolved.type === 'integer') return 'integer';
  if (resolved.type === 'array') return 'list';
  return 'string';
}

/** Structured settings that only a configuration file can express (no flag or environment variable). */
const FILE_ONLY = new Set(['toolsetDefaults']);

function leaves(node: SchemaNode, path: string[]): Setting[] {
  if (node.type === 'object' && node.properties) {
    return Object.entries(node.properties)
      .filter(([key]) => !(path.length === 0 && FILE_ONLY.has(key)))
      .flatMap(([key, child]) => leaves(child, [...path, key]));
  }
  return [{
    path,
    env: `KUBERNAUT_${path.map(snake).join('_')}`,
    flag: path.map(kebab).join('-'),
    kind: kindOf(node),
    ...(node.description ? { description: node.description } : {}),
  }];
}

/** Every setting of the configuration file, derived from its schema so the three sources can never drift apart. */
export const SETTINGS: readonly Setting[] = leaves(schema, []);

/** Turns the text of an environment variable or flag into the value the file would hold; ajv judges it after. */
export function coerce(setting: Setting, text: string): unknown {
  switch (setting.kind) {
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'integer':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'duration':
      return /^\d+$/.test(text.trim()) ? Number(text) : text.trim();
    case 'list':
      return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return text;
  }
}

function setAt(doc: Record<string, unknown>, path: string[], value: unknown): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = next && typeof next === 'object' && !Array.isArray(next) ? next : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

/**
 * Lays environment variables, then flags, over the file's document: flags > env > file > defaults (SPEC 5).
 * `flags` holds the raw values given on the command line, keyed by flag name.
 */
export function layered(fileDoc: unknown, env: NodeJS.ProcessEnv, flags: Record<string, string | boolean | undefined>): unknown {
  const doc = fileDoc && typeof fileDoc === 'object' && !Array.isArray(fileDoc) ? structuredClone(fileDoc) as Record<string, unknown> : fileDoc;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  for (const s of SETTINGS) {
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') setAt(doc as Record<string, unknown>, s.path, coerce(s, fromEnv));
  }
  for (const s of SETTINGS) {
    const fromFlag = flags[s.flag];
    if (fromFlag !== undefined) setAt(doc as Record<string, unknown>, s.path, typeof fromFlag === 'boolean' ? fromFlag : coerce(s, fromFlag));
  }
  return doc;
}
