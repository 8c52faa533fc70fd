/** One toolset as HolmesGPT's file holds it: its settings by key. */
export type ToolsetEntry = Record<string, unknown>;

/** The `toolsets:` (or `mcp_servers:`) map of HolmesGPT's file: entries by toolset name. */
export type ToolsetsMap = Record<string, ToolsetEntry>;
