import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ControlPlane } from '../../tools/control-plane/control-plane.ts';

export interface ProxiedRequest {
  method: string;
  path: string;
  watch: boolean;
  at: number;
  /** What the client got: the API server's status, or the injected one. */
  status?: number;
  injected: boolean;
}

/** Decides, per request, on an injected HTTP status instead of forwarding. */
export type Fault = (req: { method: string; path: string; watch: boolean }) => number | undefined;

/**
 * A plain-HTTP reverse proxy on loopback in front of a real kube-apiserver, for faults the API server cannot be
 * made to produce on cue: injected error statuses, watch streams that end cleanly, requests held back for a while.
 * The client's bearer token is passed through; without one the proxy authenticates as the control plane's admin.
 */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  fault: Fault | undefined;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Open responses, the API server answers piped into them, and what was asked. */
  readonly #streams = new Map<ServerResponse, { answer: IncomingMessage; entry: ProxiedRequest }>();
  #held: (() => void)[] = [];
  #holding = false;

  private constructor(cp: Pick<ControlPlane, 'apiServerUrl' | 'caCert' | 'adminCert' | 'adminKey'>) {
    const upstream = new URL(cp.apiServerUrl);
    const ca = readFileSync(cp.caCert);
    const admin = { cert: readFileSync(cp.adminCert), key: readFileSync(cp.adminKey) };
    this.#server = createServer((req, res) => {
      const path = req.url ?? '/';
      const entry: ProxiedRequest = { method: req.method ?? 'GET', path, watch: /[?&]watch=(true|1)/.test(path), at: Date.now(), injected: false };
      this.requests.push(entry);
      const forward = () => {
        const status = this.fault?.(entry);
        if (status !== undefined) {
          entry.status = status;
          entry.injected = true;
          req.resume();
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, reason: 'InternalError', message: `injected by the test proxy: ${status}` }));
          return;
        }
        this.#forward(req, res, entry, { hostname: upstream.hostname, port: upstream.port, ca, ...(req.headers.authorization ? {} : admin) });
      };
      if (this.#holding) this.#held.push(forward);
      else forward();
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(cp: Pick<ControlPlane, 'apiServerUrl' | 'caCert' | 'adminCert' | 'adminKey'>): Promise<FaultProxy> {
    const proxy = new FaultProxy(cp);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #forward(req: IncomingMessage, res: ServerResponse, entry: ProxiedRequest, target: RequestOptions): void {
    const headers = { ...req.headers, host: `${String(target.hostname)}:${String(target.port)}` };
    const upstream = httpsRequest({ ...target, method: req.method, path: req.url, headers }, (answer) => {
      entry.status = answer.statusCode;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // A watch answers with headers and then waits for events: pass the headers on now, as the API server does.
      res.flushHeaders();
      this.#streams.set(res, { answer, entry });
      res.on('close', () => this.#streams.delete(res));
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      entry.status ??= 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${error.message}`);
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  /** Watch requests whose stream is open now (the API server answered and neither side has ended it). */
  openWatches(): ProxiedRequest[] {
    return [...this.#streams.values()].filter((s) => s.entry.watch).map((s) => s.entry);
  }

  /** Ends every open response (watch streams) cleanly, as an API server ending a watch would. */
  endStreams(): number {
    const open = [...this.#streams];
    for (const [res, { answer }] of open) {
      answer.unpipe(res);
      answer.destroy();
      res.end();
    }
    return open.length;
  }

  /** From now on requests wait (unanswered) until release(). */
  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
    for (const forward of this.#held.splice(0)) forward();
  }

  async close(): Promise<void> {
    this.release();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A kubeconfig (JSON) pointing at the proxy, with an optional bearer token; the proxy does TLS upstream. */
export function proxyKubeconfig(proxyUrl: string, token?: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'proxy',
    // client-node refuses plain http unless TLS verification is off; the proxy itself verifies the API server.
    clusters: [{ name: 'proxy', cluster: { server: proxyUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'user', user: token ? { token } : {} }],
    contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'user' } }],
  });
}
