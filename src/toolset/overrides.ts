import { loadAsHolmesGPT } from './holmes-yaml.ts';
import { isGeneratedName } from '../discovery/toolset-types.ts';
import type { ToolsetsMap } from './toolsets-map.ts';
import { toolsetsMapErrors } from './validate.ts';

/** Only blank lines and comments: js-yaml 5 refuses such text as "no document", users mean "nothing". */
export function isBlankYaml(text: string): boolean {
  return text.split('\n').every((line) => /^\s*(#.*)?$/.test(line));
}

export type OverridesResult = { ok: true; toolsets: ToolsetsMap } | { ok: false; error: string };

/** Parses the user-owned `overrides.yaml`: a document with a `toolsets:` map (empty text means no overrides). */
export function parseOverrides(text: string | undefined): OverridesResult {
  if (text === undefined || isBlankYaml(text)) return { ok: true, toolsets: {} };
  let doc: unknown;
  try {
    doc = loadAsHolmesGPT(text);
  } catch (error) {
    return { ok: false, error: `overrides.yaml is not valid YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  if (doc === null || doc === undefined) return { ok: true, toolsets: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, error: 'overrides.yaml must be a mapping with a "toolsets" key' };
  const unknown = Object.keys(doc).filter((k) => k !== 'toolsets');
  if (unknown.length > 0) return { ok: false, error: `overrides.yaml: unknown top-level key(s) ${unknown.join(', ')}; only "toolsets" is read` };
  const toolsets = (doc as { toolsets?: unknown }).toolsets ?? {};
  if (typeof toolsets !== 'object' || toolsets === null || Array.isArray(toolsets)) {
    return { ok: false, error: 'overrides.yaml: "toolsets" must be a mapping of toolset name to settings' };
  }
  for (const [name, value] of Object.entries(toolsets)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, error: `overrides.yaml: toolsets.${name} must be a mapping (HolmesGPT rejects null or scalar entries)` };
    }
  }
  return { ok: true, toolsets: toolsets as ToolsetsMap };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge where `over` wins: objects merge key by key, anything else (lists included) is replaced. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) merged[k] = k in base ? deepMerge(base[k], v) : v;
  return merged;
}

/**
 * Generated toolsets with the user's overrides on top; the merged map must still pass the schema. An override of a
 * name the operator generates, which is not generated right now and is not a whole toolset by itself
 * (`{enabled: false}` for a custom toolset whose Service went away), waits for its toolset instead of making the
 * file invalid: otherwise a tenant could freeze everyone's output by deleting the Service the admin had tuned.
 */
export function applyOverrides(generated: ToolsetsMap, overrides: ToolsetsMap): { ok: true; toolsets: ToolsetsMap } | { ok: false; error: string } {
  const applicable = Object.fromEntries(
    Object.entries(overrides).filter(([name, over]) => name in generated || !isGeneratedName(name) || toolsetsMapErrors({ [name]: over }).length === 0),
  );
  const merged = deepMerge(generated, applicable) as ToolsetsMap;
  const errors = toolsetsMapErrors(merged);
  if (errors.length === 0) return { ok: true, toolsets: merged };
  // Blame what broke it: with the generated map already invalid the fault is the operator's, whatever overrides say.
  const generatedErrors = toolsetsMapErrors(generated);
  return generatedErrors.length > 0
    ? { ok: false, error: `the generated toolsets are invalid (an operator bug, not overrides.yaml): ${generatedErrors.join('; ')}` }
    : { ok: false, error: `overrides.yaml makes the toolsets invalid: ${errors.join('; ')}` };
}
