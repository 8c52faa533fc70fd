import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port. The tiny race until the caller binds it is accepted, as envtest does. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** Whether `port` on 127.0.0.1 can be listened on now (Node, like Go, sets SO_REUSEADDR: a TIME_WAIT left by a server does not count). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
