import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type TargetBehaviour = 'healthy' | 'hang' | { status: number };

/** A real HTTP server on loopback that plays a health-check target (any path); its behaviour can change mid-test. */
export class HttpTarget {
  behaviour: TargetBehaviour;
  hits = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #hanging = new Set<ServerResponse>();

  private constructor(behaviour: TargetBehaviour) {
    this.behaviour = behaviour;
    this.#server = createServer((req, res) => {
      this.hits += 1;
      const b = this.behaviour;
      if (b === 'hang') {
        this.#hanging.add(res);
        return;
      }
      // Healthy answers JSON, as the query APIs HolmesGPT checks do (Loki, Tempo, Elasticsearch need JSON).
      if (b === 'healthy') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":[]}');
      else res.writeHead(b.status, { 'content-type': 'text/plain' }).end('not ok');
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(behaviour: TargetBehaviour = 'healthy'): Promise<HttpTarget> {
    const target = new HttpTarget(behaviour);
    await new Promise<void>((resolve) => target.#server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
