import { contentHash, toolsetDocument } from '../toolset/document.ts';
import { applyOverrides, parseOverrides } from '../toolset/overrides.ts';
import type { ToolsetsMap } from '../toolset/render.ts';

/**
 * HolmesGPT refuses a custom toolset file whose toolsets map is empty, so with nothing to offer the file holds one
 * switched-off placeholder: loadable, and it enables nothing.
 */
export const PLACEHOLDER_TOOLSET = 'kubernaut-toolset/none';
const placeholder = {
  enabled: false,
  description: 'Placeholder written by kubernaut-toolset while no annotated Service is healthy; it provides no tools.',
};

export type OutputDocument = { ok: true; toolsets: ToolsetsMap; content: string; hash: string } | { ok: false; error: string };

/** The toolset file for the generated toolsets with the user's overrides.yaml (if any) merged on top. */
export function outputDocument(generated: ToolsetsMap, overridesText: string | undefined): OutputDocument {
  const overrides = parseOverrides(overridesText);
  const merged = overrides.ok ? applyOverrides(generated, overrides.toolsets) : overrides;
  if (!merged.ok) return merged;
  const toolsets = Object.keys(merged.toolsets).length > 0 ? merged.toolsets : { [PLACEHOLDER_TOOLSET]: placeholder };
  const content = toolsetDocument(toolsets);
  return { ok: true, toolsets, content, hash: contentHash(content) };
}

