import type { Candidate, Rejection } from '../discovery/candidate.ts';
import { isHttpToolsetType, TYPE_SPECS, type ToolsetDefaults } from '../discovery/toolset-types.ts';
import { entryBytes } from './document.ts';
import { deepMerge } from './overrides.ts';
import { httpToolName, MAX_TOOL_NAME_CHARS } from '../discovery/tool-name.ts';
import { httpEntry } from './http-toolset.ts';
import { mcpEntry } from './mcp-entry.ts';
import type { ToolsetEntry, ToolsetsMap } from './toolsets-map.ts';
import { toolsetsMapErrors } from './validate.ts';

/** The most one Service may add to the output (SPEC §6): a tenant cannot make one entry crowd out the rest. */
export const MAX_ENTRY_BYTES = 16 * 1024;

function entry(c: Candidate, defaults: ToolsetDefaults): ToolsetEntry {
  const spec = TYPE_SPECS[c.type];
  if (spec.builtin && spec.endpointKey) {
    // The endpoint that passed the health check is the one HolmesGPT gets, whatever the config says.
    const config = deepMerge(defaults[c.type]?.config ?? {}, c.config) as Record<string, unknown>;
    return { enabled: true, config: { ...config, [spec.endpointKey]: c.endpoint } };
  }
  return c.mcpMode ? mcpEntry(c, c.mcpMode) : httpEntry(c);
}

export type RenderedEntry = { ok: true; candidate: Candidate; entry: ToolsetEntry; bytes: number } | { ok: false; rejection: Rejection };

/**
 * One Service's toolset entry, validated and measured on its own, so that a Service whose entry is invalid or too
 * large is rejected before it can claim a toolset name, and never costs the others theirs.
 */
export function renderEntry(c: Candidate, defaults: ToolsetDefaults): RenderedEntry {
  const rejected = (reason: Rejection['reason'], message: string): RenderedEntry => ({ ok: false, rejection: { service: c.service, key: c.key, reason, message } });
  const tool = httpToolName(c.toolset);
  if (isHttpToolsetType(c.type) && tool.length > MAX_TOOL_NAME_CHARS) {
    return rejected('NameTooLong', `HolmesGPT would name this toolset's tool ${tool} (${tool.length} characters); model APIs accept at most ${MAX_TOOL_NAME_CHARS} and would fail every request, so shorten the Service's name (namespace and name together at most ${MAX_TOOL_NAME_CHARS - httpToolName(`${c.type}//`).length} characters)`);
  }
  const rendered = entry(c, defaults);
  const errors = toolsetsMapErrors({ [c.toolset]: rendered });
  if (errors.length > 0) return rejected('InvalidConfig', `toolset ${c.toolset}: ${errors.join('; ')}`);
  const bytes = entryBytes(c.toolset, rendered);
  if (bytes > MAX_ENTRY_BYTES) return rejected('EntryTooLarge', `toolset ${c.toolset} renders to ${bytes} bytes; one Service may add at most ${MAX_ENTRY_BYTES}`);
  return { ok: true, candidate: c, entry: rendered, bytes };
}

/** HolmesGPT allows one logs source at a time; a discovered one replaces the kubectl-based default. */
export function withLogsSwitch(toolsets: ToolsetsMap, winners: readonly Candidate[]): ToolsetsMap {
  return winners.some((c) => TYPE_SPECS[c.type].providesLogs) ? { ...toolsets, 'kubernetes/logs': { enabled: false } } : toolsets;
}
