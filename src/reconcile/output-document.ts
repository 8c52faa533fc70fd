import { contentHash, toolsetDocument } from '../toolset/document.ts';
import type { BaseLayer } from '../toolset/base-layer.ts';
import { applyOverrides, parseOverrides } from '../toolset/overrides.ts';
import type { ToolsetsMap } from '../toolset/toolsets-map.ts';

/**
 * HolmesGPT refuses a custom toolset file whose toolsets map is empty, so with nothing to offer the file holds one
 * switched-off placeholder: loadable, and it enables nothing.
 */
export const PLACEHOLDER_TOOLSET = 'kubernaut-toolset/none';
const placeholder = {
  enabled: false,
  description: 'Placeholder written by kubernaut-toolset while no annotated Service is healthy; it provides no tools.',
};

/**
 * reload.confirm=marker: a switched-off toolset whose name carries a hash of the rest of the file. HolmesGPT lists
 * every toolset it loaded by name (GET /api/info?detail=full), so the operator can tell which file a pod holds
 * without a sidecar; disabled, it gives the model nothing.
 */
export const MARKER_PREFIX = 'kubernaut-toolset/content-';
const markerEntry = {
  enabled: false,
  description: 'Written by kubernaut-toolset so that it can tell which version of this file HolmesGPT has loaded; it provides no tools.',
};

/**
 * `cause: 'base'`: the admin's base layer could not be used (otherwise overrides.yaml, or the budget, is the cause).
 * `marker`: the content marker's toolset name, when one was asked for.
 */
export type OutputDocument =
  | { ok: true; toolsets: ToolsetsMap; content: string; hash: string; marker?: string }
  | { ok: false; error: string; cause?: 'base' };

/**
 * The toolset file: the generated toolsets, the admin's base layer (if configured) replacing any of the same name,
 * and the user's overrides.yaml (if any) merged on top. A base layer that cannot be read keeps the last good output.
 */
export function outputDocument(generated: ToolsetsMap, overridesText: string | undefined, base?: BaseLayer, withMarker = false): OutputDocument {
  if (base && !base.ok) return { ok: false, error: base.error, cause: 'base' };
  const layered = base ? { ...generated, ...base.toolsets } : generated;
  const overrides = parseOverrides(overridesText);
  const merged = overrides.ok ? applyOverrides(layered, overrides.toolsets) : overrides;
  if (!merged.ok) return merged;
  const toolsets = Object.keys(merged.toolsets).length > 0 ? merged.toolsets : { [PLACEHOLDER_TOOLSET]: placeholder };
  if (!withMarker) {
    const content = toolsetDocument(toolsets);
    return { ok: true, toolsets, content, hash: contentHash(content) };
  }
  const marker = `${MARKER_PREFIX}${contentHash(toolsetDocument(toolsets)).slice(0, 16)}`;
  const content = toolsetDocument({ ...toolsets, [marker]: markerEntry });
  return { ok: true, toolsets, content, hash: contentHash(content), marker };
}

