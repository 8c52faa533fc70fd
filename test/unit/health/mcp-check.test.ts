// The MCP handshake check against loopback servers that speak MCP well, badly, or not at all. The real MCP server
// (the Python SDK HolmesGPT uses) and HolmesGPT's own verdict are in test/integration/mcp-servers.test.ts.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkMcp, collisionPrefix } from '../../../src/health/mcp-check.ts';

type Message = { jsonrpc?: string; id?: number; method?: string; params?: Record<string, unknown> };
type Answer = (m: Message) => unknown;

const SECRET = 'SECRET-FROM-THE-TARGET';
const TOOLS = [{ name: 'list_incidents', inputSchema: { type: 'object' } }];

/** What a well-behaved server answers. */
const good: Answer = (m) => {
  if (m.method === 'initialize') return { jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1' } } };
  if (m.method === 'tools/list') return { jsonrpc: '2.0', id: m.id, result: { tools: TOOLS } };
  if (m.method === 'tools/call') return { jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'me' }] } };
  return undefined;
};

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  })));
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

/** Streamable HTTP: POST /mcp, answered as JSON or as one event. */
function streamable(answer: Answer, as: 'json' | 'sse' = 'json') {
  return listen((req, res, body) => {
    if (req.method !== 'POST' || req.url !== '/mcp') return res.writeHead(404).end();
    const reply = answer(JSON.parse(body) as Message);
    if (reply === undefined) return res.writeHead(202).end();
    if (as === 'json') return res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify(reply));
    res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`event: message\ndata: ${JSON.stringify(reply)}\n\n`);
  });
}

/** HTTP+SSE: GET /sse announces the message URL, answers arrive on that stream. */
function sse(answer: Answer, endpoint = '/messages/?session_id=1') {
  let stream: ServerResponse | undefined;
  return listen((req, res, body) => {
    if (req.method === 'GET' && req.url === '/sse') {
      stream = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`: ping\n\nevent: endpoint\ndata: ${endpoint}\n\n`);
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/messages/')) {
      res.writeHead(202).end();
      const reply = answer(JSON.parse(body) as Message);
      if (reply !== undefined) stream?.write(`event: message\ndata: ${JSON.stringify(reply)}\n\n`);
      return;
    }
    res.writeHead(404).end();
  });
}

const options = { timeoutMs: 2_000 };

describe('checkMcp: servers that speak MCP', () => {
  it.each([['JSON answers', 'json'], ['event-stream answers', 'sse']] as const)('streamable HTTP with %s is healthy; the whole handshake is sent', async (_t, as) => {
    const { url, seen } = await streamable(good, as);
    expect(await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', options)).toMatchObject({ healthy: true, status: 200, tools: ['list_incidents'] });
    expect(seen.map((s) => (JSON.parse(s.split(' ').slice(2).join(' ')) as Message).method)).toEqual(['initialize', 'notifications/initialized', 'tools/list']);
  });

  it('HTTP+SSE is healthy: messages go to the announced URL, answers come on the stream', async () => {
    const { url, seen } = await sse(good);
    expect(await checkMcp(`${url}/sse`, 'sse', 'mcp/a/b', options)).toMatchObject({ healthy: true });
    expect(seen.filter((s) => s.startsWith('POST')).map((s) => s.split(' ')[1])).toEqual(['/messages/?session_id=1', '/messages/?session_id=1', '/messages/?session_id=1']);
  });

  it('calls the identity tool HolmesGPT probes with, and a failing one makes the server unhealthy', async () => {
    const withWhoami: Answer = (m) => (m.method === 'tools/list'
      ? { jsonrpc: '2.0', id: m.id, result: { tools: [...TOOLS, { name: 'whoami' }] } }
      : m.method === 'tools/call' ? { jsonrpc: '2.0', id: m.id, result: { isError: true, content: [{ type: 'text', text: SECRET }] } } : good(m));
    const { url, seen } = await streamable(withWhoami);
    const verdict = await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', options);
    expect(verdict).toMatchObject({ healthy: false, reason: 'ProtocolError', message: expect.stringMatching(/tools\/call whoami: the tool failed/) as unknown });
    expect(seen.at(-1)).toContain('"name":"whoami"');
    expect(JSON.stringify(verdict)).not.toContain(SECRET);
  });
});

describe('checkMcp speaks as HolmesGPT 0.45.0\'s client', () => {
  it('sends its User-Agent, clientInfo, protocol revision and, after initialize, the negotiated version header', async () => {
    const heard: { agent?: string; version?: string; body: Message }[] = [];
    const { url } = await listen((req, res, body) => {
      const message = JSON.parse(body) as Message;
      heard.push({ agent: req.headers['user-agent'], version: req.headers['mcp-protocol-version'] as string | undefined, body: message });
      const reply = good(message);
      if (reply === undefined) return res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
    expect(await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', options)).toMatchObject({ healthy: true });
    expect(heard.map((h) => h.agent)).toEqual(['python-httpx/0.28.1', 'python-httpx/0.28.1', 'python-httpx/0.28.1']);
    expect(heard[0]?.body.params).toEqual({ protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcp', version: '0.1.0' } });
    expect(heard.map((h) => h.version)).toEqual([undefined, '2025-06-18', '2025-06-18']);
  });

  it('a server that shows the operator a clean tool list and HolmesGPT another is judged on HolmesGPT\'s', async () => {
    const { url } = await listen((req, res, body) => {
      const message = JSON.parse(body) as Message;
      const forHolmes = req.headers['user-agent']?.startsWith('python-httpx/') === true;
      const reply = message.method === 'tools/list' && forHolmes ? { jsonrpc: '2.0', id: message.id, result: { tools: [{ name: 'x'.repeat(100) }] } } : good(message);
      if (reply === undefined) return res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
    expect(await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', options)).toMatchObject({ healthy: false, reason: 'ProtocolError' });
  });
});

describe('checkMcp: endpoints that are not (good) MCP servers', () => {
  const bad: [string, Answer | 'html' | 'status', RegExp, string][] = [
    ['a web page', 'html', /neither application\/json nor text\/event-stream/, 'ProtocolError'],
    ['JSON that is not JSON-RPC', () => ({ status: SECRET }), /not a JSON-RPC 2.0 response/, 'ProtocolError'],
    ['a JSON-RPC error to initialize', (m) => ({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: SECRET } }), /initialize: the server answered with JSON-RPC error -32601$/, 'ProtocolError'],
    ['an initialize result without serverInfo', (m) => ({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '1', capabilities: {} } }), /not an MCP server/, 'ProtocolError'],
    ['a tool name model APIs refuse', (m) => (m.method === 'tools/list' ? { jsonrpc: '2.0', id: m.id, result: { tools: [{ name: `${SECRET} rm -rf` }] } } : good(m)), /tool 0 has a name that is not 1-64 letters/, 'ProtocolError'],
    ['a tool name too long once HolmesGPT prefixes it', (m) => (m.method === 'tools/list' ? { jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 'x'.repeat(60) }] } } : good(m)), /would pass 64 characters when HolmesGPT prefixes it with mcp_a_b__/, 'ProtocolError'],
    ['a 404', 'status', /POST http:\/\/127\.0\.0\.1:\d+\/mcp: HTTP 404 Not Found$/, 'HttpStatus'],
    ['more tools than HolmesGPT should hand the model', (m) => (m.method === 'tools/list' ? { jsonrpc: '2.0', id: m.id, result: { tools: Array.from({ length: 101 }, (_, i) => ({ name: `t${i}` })) } } : good(m)), /tools\/list: 101 tools; at most 100 are accepted/, 'ProtocolError'],
    ['a 20,198-character tool description', (m) => (m.method === 'tools/list' ? { jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 'steer', description: `${SECRET}${'x'.repeat(20_176)}` }] } } : good(m)), /tool 0's description has 20198 characters; at most 2000/, 'ProtocolError'],
  ];
  it.each(bad)('%s is unhealthy with a message that repeats nothing it sent', async (_t, answer, message, reason) => {
    const { url } = answer === 'html'
      ? await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html>${SECRET}</html>`))
      : answer === 'status' ? await listen((_req, res) => res.writeHead(404, SECRET).end(SECRET)) : await streamable(answer);
    const verdict = await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', options);
    expect(verdict).toMatchObject({ healthy: false, reason, message: expect.stringMatching(message) as unknown });
    expect(JSON.stringify(verdict)).not.toContain(SECRET);
  });

  it('a redirect is reported and never followed', async () => {
    const { url, seen } = await listen((_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    expect(await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', options)).toMatchObject({ healthy: false, reason: 'Redirect', status: 307 });
    expect(seen).toHaveLength(1);
  });

  it('an SSE endpoint event naming another origin is refused before any message is posted there', async () => {
    const { url } = await sse(good, 'http://127.0.0.1:1/messages/');
    expect(await checkMcp(`${url}/sse`, 'sse', 'mcp/a/b', options)).toMatchObject({ healthy: false, reason: 'ProtocolError', message: expect.stringMatching(/names another origin/) as unknown });
  });

  it('a server that never answers times out at the deadline, and its sockets are closed', async () => {
    const { url, server } = await listen(() => undefined);
    const verdict = await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', { timeoutMs: 300 });
    expect(verdict).toMatchObject({ healthy: false, reason: 'Timeout', message: expect.stringMatching(/timed out after 300 ms$/) as unknown });
    const open = async () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    const deadline = Date.now() + 2_000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(0);
  });

  it('an event stream that never ends is read up to 1 MiB, then refused', async () => {
    const { url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = `data: ${'x'.repeat(64 * 1024)}\n\n`;
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
    });
    expect(await checkMcp(`${url}/sse`, 'sse', 'mcp/a/b', options)).toMatchObject({ healthy: false, reason: 'ProtocolError', message: expect.stringMatching(/more than 1048576 bytes/) as unknown });
  });

  it('an aborted check says so', async () => {
    const { url } = await listen(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort('shutting down'), 50);
    expect(await checkMcp(`${url}/mcp`, 'streamable-http', 'mcp/a/b', { timeoutMs: 5_000, signal: controller.signal })).toMatchObject({ healthy: false, reason: 'Aborted', message: expect.stringMatching(/aborted: shutting down$/) as unknown });
  });

  it('nothing listening is a connection failure', async () => {
    expect(await checkMcp('http://127.0.0.1:1/mcp', 'streamable-http', 'mcp/a/b', options)).toMatchObject({ healthy: false, reason: 'ConnectionFailed' });
  });
});

describe('collisionPrefix', () => {
  it('is the toolset name as HolmesGPT sanitises it, plus two underscores', () => {
    expect(collisionPrefix('mcp/team-a/incidents')).toBe('mcp_team_a_incidents__');
  });
});
