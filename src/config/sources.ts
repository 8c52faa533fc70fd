import { FIELDS, setAt, type Field } from './fields.ts';

/** One configurable leaf of the schema, with the names it has as an environment variable and as a flag. */
export interface Setting {
  path: string[];
  env: string;
  flag: string;
  kind: 'boolean' | 'integer' | 'string' | 'list' | 'duration';
  description?: string;
  /** In the file's units, as --help shows it. */
  default?: unknown;
  /** The environment variable that replaces the default when set (POD_NAMESPACE). */
  defaultEnv?: string;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

function settingOf(field: Field & { kind: Setting['kind'] }): Setting {
  return {
    path: field.path,
    env: `KUBERNAUT_${field.path.map(snake).join('_')}`,
    flag: field.path.map(kebab).join('-'),
    kind: field.kind,
    ...(field.description ? { description: field.description } : {}),
    ...(field.default !== undefined ? { default: field.default } : {}),
    ...(field.defaultEnv ? { defaultEnv: field.defaultEnv } : {}),
  };
}

/**
 * Every setting of the configuration file but the file-only ones (x-file-only), named after its schema path
 * (health.timeout: KUBERNAUT_HEALTH_TIMEOUT, --health-timeout), so the three sources can never drift apart.
 */
export const SETTINGS: readonly Setting[] = FIELDS
  .filter((f): f is Field & { kind: Setting['kind'] } => !f.fileOnly && f.kind !== 'object')
  .map(settingOf);

/** Turns the text of an environment variable or flag into the value the file would hold; ajv judges it after. */
export function coerce(setting: Setting, text: string): unknown {
  switch (setting.kind) {
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'integer':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'duration':
      return text.trim();
    case 'list':
      return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return text;
  }
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
