import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server that answers the Jaeger query API's read paths with Jaeger-shaped JSON, and 200 to everything
 * else too: when HolmesGPT refuses a path, a method or a host, the refusal must be HolmesGPT's, seen here as a
 * request that never arrived.
 */
export class JaegerApi {
  readonly requests: { method: string; url: string }[] = [];
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((req, res) => {
      const url = req.url ?? '/';
      this.requests.push({ method: req.method ?? 'GET', url });
      const path = url.split('?')[0] ?? '/';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(JaegerApi.answer(path)));
    });
  }

  private static answer(path: string): unknown {
    if (path === '/api/services') return { data: ['frontend', 'checkout'], total: 2 };
    const operations = /^\/api\/services\/([^/]+)\/operations$/.exec(path);
    if (operations) return { data: [`GET /${operations[1]}`], total: 1 };
    if (path === '/api/traces') return { data: [{ traceID: 'abc123', spans: [] }], total: 1 };
    const trace = /^\/api\/traces\/([0-9a-f]+)$/.exec(path);
    if (trace) return { data: [{ traceID: trace[1], spans: [{ spanID: '1', operationName: 'GET /' }] }], total: 1 };
    return { secret: 'this path must never be reached through the toolset' };
  }

  static async start(): Promise<JaegerApi> {
    const api = new JaegerApi();
    await new Promise<void>((resolve) => api.#server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
