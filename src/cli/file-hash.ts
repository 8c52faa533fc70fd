import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const DEFAULT_FILE_HASH_PORT = 9812;

/**
 * The sidecar of an in-place reload (reload.inPlace): tells the operator which toolset file the kubelet has put in
 * the consumer pod, so HolmesGPT is asked to reload only once the new one is there. GET / answers
 * {"file", "sha256", "bytes"} from the file as it is at that moment (the kubelet swaps it atomically); 503 when it
 * cannot be read. Read-only, nothing else is served; the hash of the toolset file is no secret (the operator
 * annotates the ConfigMap with it).
 */
export function fileHashServer(file: string): Server {
  return createServer((request, response) => {
    const answer = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/') return answer(404, { error: `not found: ${path ?? ''}; GET / answers the file's sha256` });
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, { error: 'only GET' });
    readFile(file).then(
      (bytes) => answer(200, { file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength }),
      (error: NodeJS.ErrnoException) => answer(503, { file, error: `cannot read ${file}: ${error.code ?? error.message}` }),
    );
  });
}

export interface FileHashOptions {
  file: string;
  port: number;
  address: string;
  log: (line: string) => void;
}

/** `kubernaut-toolset file-hash`: serves until SIGTERM/SIGINT, then exits 0. */
export async function serveFileHash(options: FileHashOptions): Promise<number> {
  const server = fileHashServer(options.file);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  options.log(`file-hash: serving the sha256 of ${options.file} on http://${address}:${port}/`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
