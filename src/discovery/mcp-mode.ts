/** The transports HolmesGPT's MCP client speaks (toolset_mcp.py's MCPMode, without stdio). */
export type McpMode = 'streamable-http' | 'sse';
export const MCP_MODES: readonly McpMode[] = ['streamable-http', 'sse'];
