/**
 * MCP health checks: the handshake HolmesGPT 0.45 makes when it loads an `mcp_servers` entry
 * (holmesgpt 0.45.0, RemoteMCPToolset.prerequisites_callable): `initialize`, then `tools/list`, then, when the server
 * offers one of the identity tools HolmesGPT probes authentication with, a call of it. A server that passes here is
 * one HolmesGPT enables; anything else (a web page, a 404, a JSON-RPC error, a hang) is not written.
 *
 * Bounded like the HTTP check: one deadline for the whole exchange, at most MAX_EXCHANGE_BYTES read, redirects
 * reported and never followed, every socket destroyed at the end. Nothing the server sent is repeated in a message.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { McpMode } from '../discovery/mcp-mode.ts';
import { performance } from 'node:perf_hooks';
import { checkTimeoutMs, onDeadline } from './deadline.ts';
import { abortedMessage, displayUrl } from './failure-messages.ts';
import { EventStream, Exchange, isObject, ProbeFailure, protocolError } from './mcp-transport.ts';
import { failure, type HealthCheckOptions, type HealthVerdict } from './verdict.ts';


/**
 * The check speaks as HolmesGPT 0.45.0's own client, so that a server cannot show the operator one face and HolmesGPT
 * another: the protocol revision its mcp 1.28.1 offers (mcp.types.LATEST_PROTOCOL_VERSION), that SDK's default
 * clientInfo (mcp.client.session.DEFAULT_CLIENT_INFO) and the User-Agent of the httpx 0.28.1 it sends with.
 */
const PROTOCOL_VERSION = '2025-11-25';
const CLIENT_INFO = { name: 'mcp', version: '0.1.0' };
/** What HolmesGPT would hand the model from one server, bounded: tools, and each tool's description. */
const MAX_TOOLS = 100;
const MAX_TOOL_DESCRIPTION_CHARS = 2_000;
/** Model APIs refuse a whole request whose tool names break this (OpenAI, Anthropic: 64 characters). */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** HolmesGPT calls the first of these the server has, with {}, and fails the toolset on a tool error (holmesgpt 0.45.0, DEFAULT_HEALTH_CHECK_TOOLS in toolset_mcp.py). */
const IDENTITY_TOOLS = ['get_me', 'get_current_user', 'get_authenticated_user', 'whoami'];

const rpc = (id: number, method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method, params });
const INITIALIZE = rpc(1, 'initialize', { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO });
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };

/** The result of a JSON-RPC response, or why there is none. */
function resultOf(message: unknown, id: number, what: string): Record<string, unknown> {
  const found: unknown = Array.isArray(message) ? (message as unknown[]).find((m) => isObject(m) && m.id === id) : message;
  if (!isObject(found) || found.jsonrpc !== '2.0' || found.id !== id) throw protocolError(`${what}: the answer is not a JSON-RPC 2.0 response`);
  if (isObject(found.error)) {
    const code = typeof found.error.code === 'number' && Number.isInteger(found.error.code) ? ` ${found.error.code}` : '';
    throw protocolError(`${what}: the server answered with JSON-RPC error${code}`);
  }
  if (!isObject(found.result)) throw protocolError(`${what}: the answer has no result object`);
  return found.result;
}

function checkInitialize(result: Record<string, unknown>): string {
  const info = result.serverInfo;
  if (typeof result.protocolVersion !== 'string' || !isObject(result.capabilities) || !isObject(info) || typeof info.name !== 'string') {
    throw protocolError('initialize: the result lacks protocolVersion, capabilities or serverInfo, so this is not an MCP server');
  }
  if (!/^[0-9A-Za-z.-]{1,32}$/.test(result.protocolVersion)) throw protocolError('initialize: the protocolVersion is not a version string');
  return result.protocolVersion;
}

/**
 * HolmesGPT renames an MCP tool whose name another toolset also uses to `<toolset name as [A-Za-z0-9_]>__<tool>`
 * (holmesgpt 0.45.0, RemoteMCPTool.collision_safe_name): another tenant running the same server is enough for that to happen.
 */
export function collisionPrefix(toolset: string): string {
  return `${toolset.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '')}__`;
}

/**
 * The tool names, each one a model API accepts as it is and as HolmesGPT would rename it on a collision; otherwise
 * the whole agent would fail its requests.
 */
function checkTools(result: Record<string, unknown>, prefix: string): string[] {
  if (!Array.isArray(result.tools)) throw protocolError('tools/list: the result has no tools list');
  if (result.tools.length > MAX_TOOLS) throw protocolError(`tools/list: ${result.tools.length} tools; at most ${MAX_TOOLS} are accepted from one server`);
  return result.tools.map((tool, i) => {
    if (!isObject(tool) || typeof tool.name !== 'string') throw protocolError(`tools/list: tool ${i} has no name`);
    if (typeof tool.description === 'string' && [...tool.description].length > MAX_TOOL_DESCRIPTION_CHARS) {
      throw protocolError(`tools/list: tool ${i}'s description has ${[...tool.description].length} characters; at most ${MAX_TOOL_DESCRIPTION_CHARS} are accepted (HolmesGPT hands it to the model)`);
    }
    if (!TOOL_NAME.test(tool.name)) throw protocolError(`tools/list: tool ${i} has a name that is not 1-64 letters, digits, _ or - (model APIs would refuse every request)`);
    if (!TOOL_NAME.test(`${prefix}${tool.name}`)) {
      throw protocolError(`tools/list: tool ${i}'s name would pass 64 characters when HolmesGPT prefixes it with ${prefix} on a name collision (model APIs would refuse every request); shorten the tool or the Service name`);
    }
    return tool.name;
  });
}

function checkIdentity(result: Record<string, unknown>, tool: string): void {
  if (result.isError === true) throw protocolError(`tools/call ${tool}: the tool failed, and HolmesGPT fails the toolset when its authentication probe does`);
}

type Rpc = (message: Record<string, unknown>, id: number | undefined, what: string) => Promise<Record<string, unknown> | undefined>;

/** initialize, initialized, tools/list and the identity probe, over whichever transport `rpc` speaks. */
async function handshake(call: Rpc, prefix: string, negotiated: (version: string) => void = () => undefined): Promise<string[]> {
  negotiated(checkInitialize((await call(INITIALIZE, 1, 'initialize')) ?? {}));
  await call(INITIALIZED, undefined, 'notifications/initialized');
  const tools = checkTools((await call(rpc(2, 'tools/list'), 2, 'tools/list')) ?? {}, prefix);
  const identity = IDENTITY_TOOLS.find((t) => tools.includes(t));
  if (identity) checkIdentity((await call(rpc(3, 'tools/call', { name: identity, arguments: {} }), 3, `tools/call ${identity}`)) ?? {}, identity);
  return tools;
}

/** Streamable HTTP: every message is a POST to the one URL; answers come as JSON or as an event stream. */
async function streamableHttp(url: URL, exchange: Exchange, prefix: string): Promise<string[]> {
  const headers: Record<string, string> = { Accept: 'application/json, text/event-stream' };
  return handshake(async (message, id, what) => {
    const res = await exchange.send(url, 'POST', headers, message);
    const session = res.headers['mcp-session-id'];
    if (typeof session === 'string' && /^[\x21-\x7e]{1,256}$/.test(session)) headers['Mcp-Session-Id'] = session;
    if (id === undefined) {
      res.destroy();
      return undefined;
    }
    const type = (res.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('text/event-stream')) return resultOf(await new EventStream(res, exchange).response(id), id, what);
    if (type.startsWith('application/json')) return resultOf(await exchange.json(res), id, what);
    res.destroy();
    throw protocolError(`${what}: the answer is neither application/json nor text/event-stream`);
  }, prefix, (version) => {
    // As the SDK's client does after initialize (mcp.client.streamable_http).
    headers['mcp-protocol-version'] = version;
  });
}

/** HTTP+SSE: a GET opens the event stream, whose first event names the URL to POST messages to; answers come on the stream. */
async function serverSentEvents(url: URL, exchange: Exchange, prefix: string): Promise<string[]> {
  const res = await exchange.send(url, 'GET', { Accept: 'text/event-stream' });
  if (!(res.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream')) {
    res.destroy();
    throw protocolError(`GET ${displayUrl(url)}: the answer is not an event stream`);
  }
  const stream = new EventStream(res, exchange);
  let announced: EventSourceMessage;
  do announced = await stream.next();
  while (announced.event !== 'endpoint');
  let post: URL;
  try {
    post = new URL(announced.data.trim(), url);
  } catch {
    throw protocolError('the endpoint event does not name a URL');
  }
  // As HolmesGPT's client (mcp's sse_client) requires: messages go to the server that was checked, nowhere else.
  if (post.origin !== url.origin) throw protocolError('the endpoint event names another origin');
  return handshake(async (message, id, what) => {
    (await exchange.send(post, 'POST', {}, message)).destroy();
    return id === undefined ? undefined : resultOf(await stream.response(id), id, what);
  }, prefix);
}

/**
 * The handshake at `url` (for sse, the URL HolmesGPT opens: the entry's URL with /sse), for the server written as
 * `toolset`. Never rejects.
 */
export async function checkMcp(url: string, mode: McpMode, toolset: string, options: HealthCheckOptions): Promise<HealthVerdict> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return failure('InvalidUrl', 'MCP: invalid URL', elapsed());
  }
  const shown = `MCP ${mode} ${displayUrl(target)}`;
  const exchange = new Exchange(options.ca);
  const timeoutMs = checkTimeoutMs(options.timeoutMs);
  let release: () => void = () => undefined;
  const stop = new Promise<never>((_, reject) => {
    release = onDeadline(started + timeoutMs, options.signal, {
      expired: () => reject(new ProbeFailure('Timeout', `timed out after ${timeoutMs} ms`)),
      aborted: (signal) => reject(new ProbeFailure('Aborted', abortedMessage(signal))),
      then: () => undefined,
    });
  });
  try {
    const prefix = collisionPrefix(toolset);
    const tools = await Promise.race([mode === 'sse' ? serverSentEvents(target, exchange, prefix) : streamableHttp(target, exchange, prefix), stop]);
    return { healthy: true, status: 200, durationMs: elapsed(), tools: [...tools].sort() };
  } catch (error) {
    if (error instanceof ProbeFailure) return failure(error.reason, `${shown}: ${error.message}`, elapsed(), error.status);
    return failure('ProtocolError', `${shown}: the handshake failed unexpectedly`, elapsed());
  } finally {
    release();
    exchange.close();
  }
}
