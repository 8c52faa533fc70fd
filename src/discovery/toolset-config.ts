import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { ANNOTATIONS, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH } from './annotations.ts';
import { quote, Rejected } from './rejected.ts';
import type { ShortType } from './toolset-types.ts';
import { jsonDepth, templateInValue } from './untrusted-text.ts';

/**
 * kubernaut.io/toolset-config, checked as untrusted input: bounded in size and depth before it is parsed, free of
 * template syntax, and limited per type to the tuning and identifier keys of HolmesGPT's config classes. HolmesGPT
 * itself accepts any key (its config classes allow extras), so the allow-list is ours to enforce.
 */
const schema = JSON.parse(readFileSync(new URL('./annotation-config.schema.json', import.meta.url), 'utf8')) as {
  $defs: Record<string, { properties?: Record<string, unknown>; $ref?: string }>;
};
const ajv = new Ajv2020({ allErrors: false, strict: true });
ajv.addSchema(schema);

/** The keys a Service of this type may set in its toolset-config. */
export function allowedConfigKeys(type: ShortType): string[] {
  const def = schema.$defs[type];
  // The Prometheus-compatible types refer to prometheus' definition.
  const target = def?.$ref ? schema.$defs[def.$ref.replace('#/$defs/', '')] : def;
  return Object.keys(target?.properties ?? {});
}

function refusal(type: ShortType, error: ErrorObject): Rejected {
  const at = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    const allowed = error.instancePath === '' ? allowedConfigKeys(type) : [];
    return new Rejected(
      'ConfigKeyNotAllowed',
      `${ANNOTATIONS.config}: key ${quote(`${error.instancePath}/${key}`)} is not accepted for type ${type}; ` +
        `${allowed.length > 0 ? `annotations may set ${allowed.join(', ')}` : 'annotations may set no config keys for this type'}. ` +
        'URLs come from the Service or kubernaut.io/toolset-endpoint; credentials, headers, TLS settings and instances are set by a cluster admin (toolsetDefaults in the operator\'s configuration, or overrides.yaml)',
    );
  }
  return new Rejected('InvalidConfig', `${ANNOTATIONS.config}: ${at} ${error.message ?? 'is invalid'}`);
}

export function annotatedConfig(raw: string | undefined, type: ShortType): Record<string, unknown> {
  if (raw === undefined) return {};
  const bytes = Buffer.byteLength(raw);
  if (bytes > MAX_CONFIG_BYTES) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config} is ${bytes} bytes; at most ${MAX_CONFIG_BYTES} are allowed`);
  }
  const depth = jsonDepth(raw);
  if (depth > MAX_CONFIG_DEPTH) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config} is nested ${depth} levels deep; at most ${MAX_CONFIG_DEPTH} are allowed`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config} must be a JSON object, not ${Array.isArray(parsed) ? 'an array' : quote(raw)}`);
  }
  // After parsing: JSON escapes (\u007b\u007b) spell the same syntax in the raw text without showing it.
  const template = templateInValue(parsed);
  if (template) {
    throw new Rejected(
      'TemplateNotAllowed',
      `${ANNOTATIONS.config}: ${quote(template.path)} contains ${quote(template.token)}; template and variable syntax is not accepted from annotations (secrets go in the operator's toolsetDefaults or in overrides.yaml)`,
    );
  }
  // ajv compiles each type's definition on first use and keeps it.
  const validate = ajv.getSchema(`urn:kubernaut-toolset:annotation-config#/$defs/${type}`);
  if (!validate) throw new Error(`no config schema for type ${type}`);
  if (!validate(parsed)) throw refusal(type, (validate.errors ?? [])[0] as ErrorObject);
  return parsed as Record<string, unknown>;
}
