import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A DNS server on 127.0.0.1:53 that answers every query "no such name" (NXDOMAIN), and a command-line wrapper
 * that runs a process in a private mount namespace whose /etc/resolv.conf points only there. The process's own
 * resolver (glibc, as in production) then fails to resolve any name, and no DNS query leaves loopback.
 * Needs root (port 53, unshare -m), which the CI and the development machines have.
 */
export class LoopbackResolver {
  queries = 0;
  readonly #socket: Socket;
  readonly wrapper: string[];

  private constructor(socket: Socket, resolvConf: string) {
    this.#socket = socket;
    this.wrapper = ['unshare', '-m', '--', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf];
  }

  static async start(): Promise<LoopbackResolver> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(53, '127.0.0.1', () => resolve());
    });
    const dir = mkdtempSync(join(tmpdir(), 'kubernaut-resolv-'));
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n');
    const resolver = new LoopbackResolver(socket, resolvConf);
    socket.on('message', (query, peer) => {
      if (query.length < 12) return;
      resolver.queries += 1;
      // Keep the header and the question; drop any additional records (EDNS) the query carried.
      let end = 12;
      while (end < query.length && query[end] !== 0) end += (query[end] ?? 0) + 1;
      const answer = Buffer.from(query.subarray(0, Math.min(query.length, end + 5)));
      // Header: same id; QR=1, opcode and RD copied, RA=1, RCODE=3 (NXDOMAIN); no answer records.
      answer[2] = 0x80 | (query[2] ?? 0) & 0x79;
      answer[3] = 0x83;
      answer.writeUInt16BE(0, 6);
      answer.writeUInt16BE(0, 8);
      answer.writeUInt16BE(0, 10);
      socket.send(answer, peer.port, peer.address);
    });
    return resolver;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
