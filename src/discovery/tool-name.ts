/**
 * HolmesGPT gives an HTTP toolset one tool, named after the toolset with "/" and "-" turned into "_"
 * (holmesgpt 0.45.0, HttpToolset._derive_tool_name). Tool names are global, and model APIs refuse a
 * whole request whose tool names are longer than 64 characters or repeated, so both are settled before writing.
 */
export function httpToolName(toolset: string): string {
  return `${toolset.replaceAll('/', '_').replaceAll('-', '_')}_request`;
}

/** OpenAI's and Anthropic's limit on a function name; longer ones fail every request the agent makes. */
export const MAX_TOOL_NAME_CHARS = 64;
