import { ANNOTATIONS, MAX_HEALTH_PATH_CHARS } from './annotations.ts';
import { quote, Rejected } from './rejected.ts';
import { MCP_MODES, type McpMode } from './mcp-mode.ts';
import type { ShortType } from './toolset-types.ts';
import { PLAIN_PATH, PLAIN_PATH_CHARACTERS } from './untrusted-text.ts';


export interface McpServer {
  /** What HolmesGPT's entry gets as config.url. */
  url: string;
  mode: McpMode;
  /** What HolmesGPT opens, and so what the handshake is checked at: for sse, the URL with /sse (holmesgpt 0.45.0, RemoteMCPToolset.prerequisites_callable). */
  probeUrl: string;
}

function mcpMode(raw: string | undefined): McpMode {
  if (raw === undefined) return 'streamable-http';
  const value = raw.trim().toLowerCase();
  if ((MCP_MODES as readonly string[]).includes(value)) return value as McpMode;
  throw new Rejected('InvalidMcpSettings', `${ANNOTATIONS.mcpMode}=${quote(raw)} is not one of ${MCP_MODES.join(', ')}`);
}

/** Where servers serve each transport by default (the MCP SDKs: /mcp for streamable HTTP, /sse for HTTP+SSE). */
const DEFAULT_PATH: Record<McpMode, string> = { 'streamable-http': '/mcp', sse: '/sse' };

function mcpPath(raw: string | undefined, mode: McpMode): string {
  if (raw === undefined) return DEFAULT_PATH[mode];
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.length > MAX_HEALTH_PATH_CHARS || !PLAIN_PATH.test(raw)) {
    throw new Rejected('InvalidMcpSettings', `${ANNOTATIONS.mcpPath}=${quote(raw)} must be a path beginning with a single "/" (${PLAIN_PATH_CHARACTERS}), at most ${MAX_HEALTH_PATH_CHARS} characters`);
  }
  return raw.replace(/\/+$/, '') || '/';
}

/**
 * The MCP settings of a Service, or undefined for other types (where the MCP annotations are refused). The URL
 * is the endpoint annotation when it names a path (the whole URL), else the Service's address plus the MCP path
 * (default /mcp, or /sse for the sse transport, to which HolmesGPT then appends nothing).
 */
export function mcpServer(type: ShortType, annotations: Record<string, string>, server: string, endpointGiven: boolean): McpServer | undefined {
  if (type !== 'mcp') {
    const set = [ANNOTATIONS.mcpMode, ANNOTATIONS.mcpPath].find((a) => annotations[a] !== undefined);
    if (set) throw new Rejected('InvalidMcpSettings', `${set} applies to type mcp only, not ${type}`);
    return undefined;
  }
  if (annotations[ANNOTATIONS.healthPath] !== undefined) {
    throw new Rejected('InvalidHealthPath', `${ANNOTATIONS.healthPath} does not apply to type mcp: its health check is the MCP handshake at the server's URL`);
  }
  const mode = mcpMode(annotations[ANNOTATIONS.mcpMode]);
  const hasPath = new URL(server).pathname !== '/';
  if (endpointGiven && hasPath && annotations[ANNOTATIONS.mcpPath] !== undefined) {
    throw new Rejected('InvalidMcpSettings', `${ANNOTATIONS.mcpPath} cannot be combined with a ${ANNOTATIONS.endpoint} that has a path (that URL is used whole)`);
  }
  const url = endpointGiven && hasPath ? server : `${server}${mcpPath(annotations[ANNOTATIONS.mcpPath], mode)}`;
  const probeUrl = mode === 'sse' && !url.endsWith('/sse') ? `${url.replace(/\/+$/, '')}/sse` : url;
  return { url, mode, probeUrl };
}
