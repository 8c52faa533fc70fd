import type { Candidate, Rejection } from '../discovery/candidate.ts';
import { detect, type DetectionOptions } from '../discovery/detect.ts';
import type { Service } from '../kube/objects.ts';
import { contentHash, toolsetDocument } from '../toolset/document.ts';
import { applyOverrides, parseOverrides } from '../toolset/overrides.ts';
import type { ToolsetsMap } from '../toolset/render.ts';

/**
 * The pure steps shared by the operator and the offline `render` command, so both produce the same bytes for
 * the same Services: detection, then (after health and claims) the final document with overrides merged.
 */
export function detectServices(
  services: Iterable<Service>,
  options: DetectionOptions,
  excludeNamespaces: readonly string[] = [],
): { candidates: Candidate[]; rejections: Rejection[] } {
  const excluded = new Set(excludeNamespaces);
  const candidates: Candidate[] = [];
  const rejections: Rejection[] = [];
  for (const svc of services) {
    if (excluded.has(svc.metadata.namespace)) continue;
    const d = detect(svc, options);
    if (d.kind === 'candidate') candidates.push(d.candidate);
    else if (d.kind === 'rejected') rejections.push(d.rejection);
  }
  return { candidates, rejections };
}

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
