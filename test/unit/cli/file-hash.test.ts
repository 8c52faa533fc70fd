// The file-hash sidecar and the operator's client of it (and of HolmesGPT's admin API), over real loopback HTTP.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileHashServer } from '../../../src/cli/file-hash.ts';
import { ADMIN_RELOAD_PATH, fetchConsumerHttp } from '../../../src/output/consumer-http.ts';
import { contentHash } from '../../../src/toolset/document.ts';

const dir = mkdtempSync(join(tmpdir(), 'file-hash-'));
const file = join(dir, 'custom_toolset.yaml');
let sidecar: Server;
let port: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  sidecar = fileHashServer(file);
  port = await listen(sidecar);
});
afterAll(async () => {
  await new Promise((resolve) => sidecar.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('file-hash sidecar', () => {
  it('answers the sha256 the operator annotates the ConfigMap with, and follows an atomic replacement at once', async () => {
    const first = 'toolsets:\n  prometheus/metrics: {}\n';
    writeFileSync(file, first);
    expect(await fetchConsumerHttp.fileHash('127.0.0.1', port, 2_000)).toBe(contentHash(first));
    // The kubelet's atomic writer: new content lands under another name and is renamed into place.
    const second = 'toolsets:\n  grafana/dashboards: {}\n';
    writeFileSync(`${file}.new`, second);
    renameSync(`${file}.new`, file);
    expect(await fetchConsumerHttp.fileHash('127.0.0.1', port, 2_000)).toBe(contentHash(second));
    const body = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as Record<string, unknown>;
    expect(body).toEqual({ file, sha256: contentHash(second), bytes: Buffer.byteLength(second) });
  });

  it('answers 503 naming the file when it cannot be read, and the client says what it got', async () => {
    rmSync(file, { force: true });
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ file, error: `cannot read ${file}: ENOENT` });
    await expect(fetchConsumerHttp.fileHash('127.0.0.1', port, 2_000)).rejects.toThrow(`GET http://127.0.0.1:${port}/: HTTP 503, not a file-hash answer: {"file":"${file}","error":"cannot read ${file}: ENOENT"}`);
  });

  it('serves nothing else', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).status).toBe(405);
  });
});

describe('the operator client of a consumer pod', () => {
  let answer: (path: string, method: string) => { status: number; body: string; hang?: boolean };
  let server: Server;
  let serverPort: number;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const { status, body, hang } = answer(request.url ?? '', request.method ?? '');
      if (hang) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body);
    });
    serverPort = await listen(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("posts HolmesGPT's admin reload and returns its detail", async () => {
    const seen: string[] = [];
    answer = (path, method) => {
      seen.push(`${method} ${path}`);
      return { status: 200, body: JSON.stringify({ status: 'ok', component: 'toolsets', detail: '41 toolsets loaded, 3 enabled, 0 skills', counts: {} }) };
    };
    expect(await fetchConsumerHttp.reloadToolsets('127.0.0.1', serverPort, 2_000)).toBe('41 toolsets loaded, 3 enabled, 0 skills');
    expect(seen).toEqual([`POST ${ADMIN_RELOAD_PATH}`]);
  });

  it('turns a failed reload, a wrong port, an endless answer and silence into precise errors', async () => {
    const url = `http://127.0.0.1:${serverPort}${ADMIN_RELOAD_PATH}`;
    answer = () => ({ status: 500, body: JSON.stringify({ detail: 'Toolset file is not valid YAML' }) });
    await expect(fetchConsumerHttp.reloadToolsets('127.0.0.1', serverPort, 2_000)).rejects.toThrow(`POST ${url}: HTTP 500: "Toolset file is not valid YAML"`);
    answer = () => ({ status: 200, body: '<html>a web page</html>' });
    await expect(fetchConsumerHttp.reloadToolsets('127.0.0.1', serverPort, 2_000)).rejects.toThrow(`POST ${url}: HTTP 200: "<html>a web page</html>"`);
    await expect(fetchConsumerHttp.fileHash('127.0.0.1', serverPort, 2_000)).rejects.toThrow('not a file-hash answer: "<html>a web page</html>"');
    answer = () => ({ status: 200, body: 'x'.repeat(100_000) });
    await expect(fetchConsumerHttp.fileHash('127.0.0.1', serverPort, 2_000)).rejects.toThrow('answer over 65536 bytes');
    answer = () => ({ status: 200, body: '', hang: true });
    await expect(fetchConsumerHttp.reloadToolsets('127.0.0.1', serverPort, 200)).rejects.toThrow(`POST ${url}: no answer within 200 ms`);
    const gone = createServer();
    const closed = await listen(gone);
    await new Promise((resolve) => gone.close(resolve));
    await expect(fetchConsumerHttp.fileHash('127.0.0.1', closed, 1_000)).rejects.toThrow(`GET http://127.0.0.1:${closed}/: ECONNREFUSED`);
  });
});
