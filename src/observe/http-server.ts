import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Check {
  ok: boolean;
  /** Why not, in words an on-call engineer can act on. */
  reason?: string;
}

export interface Routes {
  live: () => Check;
  ready: () => Check;
  status: () => unknown;
  metrics: () => Promise<{ contentType: string; body: string }>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function probe(check: () => Check): Handler {
  return (_req, res) => {
    const result = check();
    send(res, result.ok ? 200 : 503, 'text/plain; charset=utf-8', result.ok ? 'ok\n' : `${result.reason ?? 'not ok'}\n`);
  };
}

/** One listener; `null` port means "not served separately". */
class Listener {
  readonly #server: Server;
  readonly #routes: Map<string, Handler>;

  constructor(routes: Map<string, Handler>) {
    this.#routes = routes;
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const handler = this.#routes.get(path);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET\n');
      if (!handler) return send(res, 404, 'text/plain', `not found; try ${[...this.#routes.keys()].join(', ')}\n`);
      Promise.resolve(handler(req, res)).catch((error: unknown) => send(res, 500, 'text/plain', `${(error as Error).message}\n`));
    });
    // Probes must answer even while shutting down, but idle keep-alive sockets must not delay close().
    this.#server.keepAliveTimeout = 5_000;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve((this.#server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }
}

/**
 * The operator's HTTP surface (SPEC 5): /healthz, /readyz and /status on the server port, /metrics on the metrics
 * port (both on one port when they are the same number).
 */
export class OperatorHttp {
  readonly #listeners: Listener[] = [];
  ports: { server: number; metrics: number } = { server: 0, metrics: 0 };

  async start(routes: Routes, options: { host: string; serverPort: number; metricsPort: number }): Promise<void> {
    const main = new Map<string, Handler>([
      ['/healthz', probe(routes.live)],
      ['/readyz', probe(routes.ready)],
      ['/status', (_req, res) => send(res, 200, 'application/json', `${JSON.stringify(routes.status(), null, 2)}\n`)],
    ]);
    const metrics = new Map<string, Handler>([
      ['/metrics', async (_req, res) => {
        const { contentType, body } = await routes.metrics();
        send(res, 200, contentType, body);
      }],
    ]);
    // 0 asks for a free port, so two zeros mean two listeners.
    if (options.serverPort === options.metricsPort && options.serverPort !== 0) {
      const both = new Listener(new Map([...main, ...metrics]));
      this.#listeners.push(both);
      const port = await both.listen(options.serverPort, options.host);
      this.ports = { server: port, metrics: port };
      return;
    }
    const server = new Listener(main);
    const metricsListener = new Listener(metrics);
    this.#listeners.push(server, metricsListener);
    this.ports = { server: await server.listen(options.serverPort, options.host), metrics: await metricsListener.listen(options.metricsPort, options.host) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.#listeners.map((l) => l.close()));
  }
}
