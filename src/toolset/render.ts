import type { Candidate, Rejection } from '../discovery/candidate.ts';
import { TYPE_SPECS } from '../discovery/toolset-types.ts';
import { customTools, jaegerTools } from './tools.ts';
import { toolsetsMapErrors } from './validate.ts';

export type ToolsetEntry = Record<string, unknown>;
export type ToolsetsMap = Record<string, ToolsetEntry>;

function entry(c: Candidate): ToolsetEntry {
  const spec = TYPE_SPECS[c.type];
  if (spec.builtin && spec.endpointKey) {
    // The endpoint that passed the health check is the one HolmesGPT gets, whatever toolset-config says.
    return { enabled: true, config: { ...c.config, [spec.endpointKey]: c.endpoint } };
  }
  const tools = c.type === 'jaeger' ? jaegerTools(c) : customTools(c);
  const description = c.description ?? (c.type === 'jaeger'
    ? `Jaeger traces from ${c.service.namespace}/${c.service.name}`
    : `HTTP API of Service ${c.service.namespace}/${c.service.name}`);
  return {
    enabled: true,
    description,
    ...(Object.keys(c.config).length > 0 ? { config: c.config } : {}),
    tools,
  };
}

/**
 * The generated `toolsets:` map for the winning candidates. Each entry is validated on its own, so one Service's
 * bad toolset-config is reported against that Service and never costs the others their toolsets.
 */
export function renderToolsets(winners: readonly Candidate[]): { toolsets: ToolsetsMap; invalid: Rejection[] } {
  const toolsets: ToolsetsMap = {};
  const invalid: Rejection[] = [];
  let logs = false;
  for (const c of winners) {
    const rendered = entry(c);
    const errors = toolsetsMapErrors({ [c.toolset]: rendered });
    if (errors.length > 0) {
      invalid.push({ service: c.service, key: c.key, reason: 'InvalidConfig', message: `toolset ${c.toolset}: ${errors.join('; ')}` });
      continue;
    }
    toolsets[c.toolset] = rendered;
    logs ||= TYPE_SPECS[c.type].providesLogs;
  }
  // HolmesGPT allows one logs source at a time; a discovered one replaces the kubectl-based default.
  if (logs) toolsets['kubernetes/logs'] = { enabled: false };
  return { toolsets, invalid };
}
