import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

/** A valid host name that no resolver knows (.invalid is reserved for exactly that, RFC 6761). */
export const UNRESOLVABLE_HOST = 'nothing-here.kubernaut-test.invalid';

export interface HostileTargets {
  urls: {
    hang: string;
    slow: string;
    reset: string;
    tls: string;
    stream: string;
    redirect: string;
    unresolvable: string;
    healthy: string;
  };
  /** Bytes the 10 MB streamer managed to send before the checker hung up. */
  streamedBytes(): number;
  close(): Promise<void>;
}

export const STREAM_BYTES = 10 * 1024 * 1024;

/**
 * Real loopback servers that misbehave the ways a health target can: never answer, answer just inside the
 * timeout (`slowMs`), reset the connection, speak plain HTTP to a TLS client, stream 10 MB, redirect to itself.
 */
export async function startHostileTargets(slowMs: number): Promise<HostileTargets> {
  const sockets = new Set<Socket>();
  const track = (server: HttpServer | TcpServer) => server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let streamed = 0;
  const timers = new Set<NodeJS.Timeout>();
  const http = createHttpServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/hang')) return;
    if (path.startsWith('/slow')) {
      const timer = setTimeout(() => res.end('ok'), slowMs);
      timers.add(timer);
      return;
    }
    if (path.startsWith('/redirect')) {
      res.writeHead(302, { location: path });
      res.end();
      return;
    }
    if (path.startsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(STREAM_BYTES) });
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (streamed < STREAM_BYTES && !res.destroyed) {
          streamed += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    res.end('ok');
  });
  const reset = createTcpServer((socket) => socket.resetAndDestroy());
  track(http);
  track(reset);
  await Promise.all([http, reset].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    urls: {
      hang: `${base}/hang`,
      slow: `${base}/slow`,
      reset: `http://127.0.0.1:${(reset.address() as AddressInfo).port}`,
      // A TLS client against a plain HTTP server: the handshake fails.
      tls: `https://127.0.0.1:${(http.address() as AddressInfo).port}`,
      stream: `${base}/stream`,
      redirect: `${base}/redirect`,
      unresolvable: `http://${UNRESOLVABLE_HOST}:8080`,
      healthy: `${base}/ok`,
    },
    streamedBytes: () => streamed,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await Promise.all([http, reset].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
