import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * How an observability backend can answer a health check, each one a loopback server that answers every path the
 * same way: the rows of the consumer truth matrix (test/integration/consumer-truth-matrix.test.ts).
 */
export type Behaviour = 'healthy' | 'unauthorized' | 'unavailable' | 'hanging' | 'web-page' | 'other-protocol' | 'token-required';
export const BEHAVIOURS: readonly Behaviour[] = ['healthy', 'unauthorized', 'unavailable', 'hanging', 'web-page', 'other-protocol'];
export const REQUIRED_TOKEN = 'truth-matrix-token';

/** Hanging connections are cut after this long, past every check's deadline, so no client waits for ever. */
const HANG_MS = 8_000;

export class BehaviourServer {
  readonly behaviour: Behaviour;
  readonly #server: Server | TcpServer;
  readonly #sockets = new Set<Socket>();

  private constructor(behaviour: Behaviour) {
    this.behaviour = behaviour;
    this.#server = behaviour === 'other-protocol'
      ? createTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'))
      : createHttpServer((req, res) => {
        if (behaviour === 'hanging') {
          setTimeout(() => res.destroy(), HANG_MS).unref();
          return;
        }
        const authorized = req.headers.authorization === `Bearer ${REQUIRED_TOKEN}`;
        if (behaviour === 'healthy' || (behaviour === 'token-required' && authorized)) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":[]}');
        } else if (behaviour === 'unauthorized' || behaviour === 'token-required') {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        } else if (behaviour === 'unavailable') {
          res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
        } else {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>');
        }
      });
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      // A client that gives up resets the connection (HolmesGPT's checks past their deadline, a busy machine): for
      // the raw TCP server that is an 'error' on the socket, which without a listener would crash the test file.
      s.on('error', () => undefined);
    });
  }

  static async start(behaviour: Behaviour): Promise<BehaviourServer> {
    const server = new BehaviourServer(behaviour);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
