import type { Candidate } from '../discovery/candidate.ts';
import { tenantOrigin } from '../discovery/tenant-text.ts';
import type { McpMode } from '../discovery/mcp-mode.ts';

/**
 * An MCP server as an `mcp_servers` entry (holmes/plugins/toolsets/mcp/toolset_mcp.py): HolmesGPT connects to the
 * URL with the given transport and offers the server's own tools. Nothing else is set: headers and auth are the
 * admin's (overrides.yaml), and a tenant's server gets no credentials.
 */
export function mcpEntry(c: Candidate, mode: McpMode): Record<string, unknown> {
  return {
    type: 'mcp',
    enabled: true,
    description: `${c.trusted ? '' : `${tenantOrigin(c.service)} `}${c.description ?? `MCP server of Service ${c.service.namespace}/${c.service.name}`}`,
    config: { ...c.config, url: c.endpoint, mode },
  };
}
