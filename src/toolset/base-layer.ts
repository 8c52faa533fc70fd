import { loadAsHolmesGPT } from './holmes-yaml.ts';
import { isBlankYaml } from './overrides.ts';
import type { ToolsetsMap } from './toolsets-map.ts';
import { toolsetsMapErrors } from './validate.ts';

/**
 * HolmesGPT's own toolset configuration, read from a ConfigMap the admin owns (by default what HolmesGPT's Helm chart
 * renders from its `toolsets:` and `mcp_servers:` values). HolmesGPT reads one custom toolset file
 * (CUSTOM_TOOLSET_LOCATION): pointed at ours, it would lose the chart's, so ours carries them, and they win.
 */
export interface BaseLayerSource {
  /** How messages name it: `ConfigMap holmes/custom-toolsets-configmap, key custom_toolset.yaml`. */
  source: string;
  /** The key's text; undefined when the ConfigMap or the key is missing. */
  text: string | undefined;
}

export type BaseLayer = { ok: true; source: string; toolsets: ToolsetsMap } | { ok: false; source: string; error: string };

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The admin's toolsets and MCP servers, as one map HolmesGPT would build from the file: an MCP server is a toolset of
 * `type: mcp` (HolmesGPT adds the type to every `mcp_servers` entry), which our document writes back under
 * `mcp_servers:`. Entries are the admin's: `{{ env.NAME }}` references and any key HolmesGPT accepts are kept.
 */
export function parseBaseLayer(input: BaseLayerSource): BaseLayer {
  const { source, text } = input;
  const fail = (error: string): BaseLayer => ({ ok: false, source, error: `the base layer (${source}): ${error}` });
  if (text === undefined) return fail('missing; create it, or unset consumer.base.configMap');
  if (isBlankYaml(text)) return { ok: true, source, toolsets: {} };
  let doc: unknown;
  try {
    doc = loadAsHolmesGPT(text);
  } catch (error) {
    return fail(`not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { ok: true, source, toolsets: {} };
  if (!isMapping(doc)) return fail('must be a mapping with "toolsets" and/or "mcp_servers"');
  // An MCP server of the same name as a toolset replaces it, as in HolmesGPT (mcp_servers are merged in after).
  const toolsets: ToolsetsMap = {};
  for (const section of ['toolsets', 'mcp_servers'] as const) {
    const entries = doc[section] ?? {};
    if (!isMapping(entries)) return fail(`"${section}" must be a mapping of name to settings`);
    for (const [name, entry] of Object.entries(entries)) {
      if (!isMapping(entry)) return fail(`${section}.${name} must be a mapping (HolmesGPT rejects null or scalar entries)`);
      toolsets[name] = section === 'mcp_servers' ? { ...entry, type: 'mcp' } : entry;
    }
  }
  const errors = toolsetsMapErrors(toolsets);
  return errors.length === 0 ? { ok: true, source, toolsets } : fail(`invalid: ${errors.join('; ')}`);
}
