import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';

const schema = JSON.parse(readFileSync(new URL('./holmesgpt-toolsets.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validateMap = ajv.compile(schema);
const validateFile = ajv.compile({ $ref: 'urn:kubernaut-toolset:holmesgpt-toolsets-map#/$defs/customToolsetFile' });

function describe(errors: ErrorObject[] | null | undefined): string[] {
  // anyOf/oneOf/if failures repeat their branches' errors; the leaf messages are the useful ones.
  const leaves = (errors ?? []).filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword));
  const shown = leaves.length > 0 ? leaves : (errors ?? []);
  return [...new Set(shown.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'propertyNames' || e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : ''}`))];
}

/** Problems of a `toolsets:` map, one line per problem, each naming the JSON path; empty when valid. */
export function toolsetsMapErrors(toolsets: unknown): string[] {
  return validateMap(toolsets) ? [] : describe(validateMap.errors);
}

/** Problems of a whole custom toolset file (`toolsets:` and/or `mcp_servers:`). */
export function toolsetFileErrors(file: unknown): string[] {
  return validateFile(file) ? [] : describe(validateFile.errors);
}
