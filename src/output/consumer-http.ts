/**
 * The two HTTP calls of an in-place reload, made to one consumer pod's IP: its file-hash sidecar (what file the
 * kubelet has put in the pod) and HolmesGPT's admin API (load that file). Bodies are read up to a small bound: a
 * consumer pod is not a tenant, but a wrong port can be anything.
 */
export interface ConsumerHttp {
  /** The sha256 (hex) of the pod's mounted toolset file, as its file-hash sidecar reports it. */
  fileHash(ip: string, port: number, timeoutMs: number): Promise<string>;
  /**
   * POST /api/admin/reload/toolsets, with `apiKey` as X-API-Key when HolmesGPT requires one (HOLMES_API_KEY);
   * resolves with HolmesGPT's detail ("N toolsets loaded, M enabled, ..."). A 401 or 403 is an AdminRefused.
   */
  reloadToolsets(ip: string, port: number, timeoutMs: number, apiKey?: string): Promise<string>;
  /**
   * The toolsets HolmesGPT's server has loaded (GET /api/info?detail=full, its `toolsets[]`: name, status, error),
   * with `apiKey` as for the reload. A 401 or 403 is an AdminRefused.
   */
  loadedToolsets(ip: string, port: number, timeoutMs: number, apiKey?: string): Promise<LoadedToolset[]>;
}

/** One toolset as HolmesGPT's server reports it after a load. */
export interface LoadedToolset {
  name: string;
  /** enabled, disabled or failed. */
  status: string;
  /** Why it failed; empty otherwise. */
  error: string;
}

/** HolmesGPT refused the admin call (401/403): its API key is missing or wrong; retrying cannot help. */
export class AdminRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminRefused';
  }
}

export const ADMIN_RELOAD_PATH = '/api/admin/reload/toolsets';
export const INFO_PATH = '/api/info?detail=full';
const MAX_BODY_BYTES = 64 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const origin = (ip: string, port: number) => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    throw new Error(`${init.method ?? 'GET'} ${url}: ${why}`, { cause: error });
  }
  const text = await readBounded(response);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the caller reports the text.
  }
  return { status: response.status, body };
}

async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new Error(`answer over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const field = (body: unknown, name: string): unknown => (body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined);
const shown = (body: unknown) => JSON.stringify(body).slice(0, 200);

export const fetchConsumerHttp: ConsumerHttp = {
  async fileHash(ip, port, timeoutMs) {
    const url = `${origin(ip, port)}/`;
    const { status, body } = await call(url, { method: 'GET' }, timeoutMs);
    const sha256 = field(body, 'sha256');
    if (status !== 200 || typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
      throw new Error(`GET ${url}: HTTP ${status}, not a file-hash answer: ${shown(body)}`);
    }
    return sha256;
  },
  async reloadToolsets(ip, port, timeoutMs, apiKey) {
    const url = `${origin(ip, port)}${ADMIN_RELOAD_PATH}`;
    const { status, body } = await call(url, { method: 'POST', ...withKey(apiKey) }, timeoutMs);
    refusedIf(status, `POST ${url}`, apiKey);
    if (status !== 200 || field(body, 'status') !== 'ok') throw new Error(`POST ${url}: HTTP ${status}: ${shown(field(body, 'detail') ?? body)}`);
    const detail = field(body, 'detail');
    return typeof detail === 'string' ? detail : '';
  },
  async loadedToolsets(ip, port, timeoutMs, apiKey) {
    const url = `${origin(ip, port)}${INFO_PATH}`;
    const { status, body } = await call(url, { method: 'GET', ...withKey(apiKey) }, timeoutMs);
    refusedIf(status, `GET ${url}`, apiKey);
    const toolsets = field(body, 'toolsets');
    if (status !== 200 || !Array.isArray(toolsets)) throw new Error(`GET ${url}: HTTP ${status}, not HolmesGPT's detailed info: ${shown(body)}`);
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return toolsets.filter((t) => typeof field(t, 'name') === 'string').map((t) => ({ name: text(field(t, 'name')), status: text(field(t, 'status')), error: text(field(t, 'error')) }));
  },
};

const withKey = (apiKey: string | undefined) => (apiKey ? { headers: { 'X-API-Key': apiKey } } : {});

function refusedIf(status: number, request: string, apiKey: string | undefined): void {
  if (status === 401 || status === 403) {
    throw new AdminRefused(`${request}: HTTP ${status}: HolmesGPT refused ${apiKey ? 'the API key of reload.apiKeySecret' : 'the call without an API key (set reload.apiKeySecret)'}`);
  }
}
