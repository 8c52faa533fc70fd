/**
 * HTTP health checks of observability targets (SPEC §3), on Node's own HTTP client.
 *
 * One check is one GET, bounded in every dimension:
 * - time: a single deadline timer covers DNS, connect, TLS, response headers and body draining;
 * - memory: the body is never buffered, at most `maxBodyBytes` of it are read (and discarded);
 * - sockets: no agent pool (`agent: false`), and every path ends by destroying the request and its socket.
 *
 * The promise never rejects: every failure is a verdict with a reason and a human-readable message.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';

export interface HealthCheckOptions {
  /** The whole request: DNS, connect, TLS, headers and body draining. Default 5000. */
  timeoutMs: number;
  /** Read (and discard) at most this many body bytes, then close the connection. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Extra CA bundle (PEM) trusted in addition to Node's default CAs for https targets; TLS is always verified. */
  ca?: string | Buffer;
  /** External cancellation (the pipeline aborts on its own timeout). */
  signal?: AbortSignal;
  /**
   * Healthy also needs a JSON body (at most MAX_JSON_BYTES), as HolmesGPT's own checks of Loki, Tempo and
   * Elasticsearch do: a web page answering 200 at the API's path is not the API.
   */
  expectJson?: boolean;
  /**
   * 401 and 403 count as healthy: the admin configured credentials for this type that HolmesGPT sends and the
   * operator cannot (they are `{{ env.NAME }}` references resolved in HolmesGPT's pod).
   */
  authDelegated?: boolean;
}

export type HealthFailureReason =
  | 'Timeout'
  | 'HttpStatus'
  | 'Redirect'
  | 'ConnectionFailed'
  | 'DnsFailure'
  | 'TlsError'
  | 'InvalidUrl'
  | 'Aborted'
  /** The target answered, but not as the protocol requires (an MCP server that is not one). */
  | 'ProtocolError';

export type HealthVerdict =
  | { healthy: true; status: number; durationMs: number }
  | { healthy: false; status?: number; reason: HealthFailureReason; message: string; durationMs: number };

export const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** The most of a body read to see that it is JSON; HolmesGPT's check queries ask for one result. */
export const MAX_JSON_BYTES = 1024 * 1024;
export const HEALTH_USER_AGENT = 'kubernaut-toolset';

/** setTimeout cannot wait longer than this; larger values would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_ECHOED_CHARS = 300;

/**
 * GET `url` and judge it: healthy means a 2xx status line within `timeoutMs`. Redirects are reported, never followed.
 *
 * The verdict is decided on the status line and the promise resolves right then (with `expectJson`, once the body,
 * within the same deadline, is read and parsed). The body is otherwise drained in the
 * background up to `maxBodyBytes` (or until the deadline or an abort, whichever comes first) and the socket is
 * destroyed, so a streaming or stalled body can neither delay the verdict nor hold a socket past the deadline.
 */
export function checkHealth(url: string, options: HealthCheckOptions): Promise<HealthVerdict> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    // Even an unparseable URL may carry credentials; never echo them.
    return Promise.resolve(invalid(`GET ${echo(url.replace(/\/\/[^/?#]*@/, '//'))}: invalid URL`, elapsed()));
  }
  const shown = displayUrl(target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.resolve(
      invalid(`GET ${shown}: unsupported protocol "${echo(target.protocol)}" (only http: and https: are checked)`, elapsed()),
    );
  }
  if (options.signal?.aborted) {
    return Promise.resolve(failure('Aborted', `GET ${shown}: ${abortedMessage(options.signal)}`, elapsed()));
  }
  return exchange(target, shown, options, started);
}

/** The request itself, bounded by the deadline and the caller's signal; resolves at the status line. */
function exchange(target: URL, shown: string, options: HealthCheckOptions, started: number): Promise<HealthVerdict> {
  const timeoutMs = positiveOr(options.timeoutMs, DEFAULT_HEALTH_TIMEOUT_MS, MAX_TIMER_MS);
  const maxBodyBytes = nonNegativeOr(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<HealthVerdict>((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    const settle = (verdict: HealthVerdict) => {
      if (settled) return;
      settled = true;
      resolve(verdict);
    };
    const fail = (reason: HealthFailureReason, detail: string) => settle(failure(reason, `GET ${shown}: ${detail}`, elapsed()));
    /** Releases everything: the deadline, the abort listener, the response and the socket. Idempotent. */
    const finish = once(() => {
      release();
      res?.destroy();
      req?.destroy();
    });
    const release = bound(started + timeoutMs, options.signal, {
      expired: () => fail('Timeout', `timed out after ${timeoutMs} ms`),
      aborted: (signal) => fail('Aborted', abortedMessage(signal)),
      then: () => finish(),
    });
    try {
      req = request(target, options.ca);
    } catch (error) {
      fail('InvalidUrl', `cannot build the request: ${errorMessage(error)}`);
      finish();
      return;
    }
    // Errors after the verdict (e.g. the reset caused by our own destroy while draining) are expected and ignored.
    req.on('error', (error) => {
      const { reason, detail } = classify(error);
      fail(reason, detail);
      finish();
    });
    req.on('response', (response) => {
      res = response;
      response.on('error', () => finish());
      response.on('close', finish);
      const verdict = judge(response, shown, elapsed(), options.authDelegated === true);
      if (verdict.healthy && options.expectJson && !delegatedAuth(response, options)) {
        readJson(response, (isJson, detail) => {
          settle(isJson ? { ...verdict, durationMs: elapsed() } : failure('ProtocolError', `GET ${shown}: ${statusLine(verdict.status)}, but ${detail}`, elapsed(), verdict.status));
          finish();
        });
        return;
      }
      settle(verdict);
      drain(response, maxBodyBytes, finish);
    });
    req.end();
  });
}

/**
 * Calls `expired` at `deadline` (a performance.now() instant) or `aborted` when the signal aborts, whichever comes
 * first, then `then`. Returns the function that cancels both.
 */
function bound(
  deadline: number,
  signal: AbortSignal | undefined,
  on: { expired: () => void; aborted: (signal: AbortSignal) => void; then: () => void },
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const onTimer = () => {
    // Timers may fire a hair early against performance.now(); never report a timeout before it is one.
    const remaining = deadline - performance.now();
    if (remaining > 0) {
      timer = setTimeout(onTimer, Math.ceil(remaining));
      return;
    }
    on.expired();
    on.then();
  };
  const onAbort = () => {
    if (signal) on.aborted(signal);
    on.then();
  };
  timer = setTimeout(onTimer, Math.max(0, Math.ceil(deadline - performance.now())));
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
}

function once(work: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    work();
  };
}

/** One request on its own socket, TLS always verified (an extra CA bundle is added to Node's, never substituted). */
export function request(target: URL, ca: string | Buffer | undefined, how: { method?: string; headers?: Record<string, string> } = {}): http.ClientRequest {
  const common: http.RequestOptions = {
    protocol: target.protocol,
    hostname: target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname,
    port: target.port || undefined,
    path: `${target.pathname || '/'}${target.search}`,
    method: how.method ?? 'GET',
    headers: { 'User-Agent': HEALTH_USER_AGENT, Accept: '*/*', Connection: 'close', ...how.headers },
    // No pooling: each check owns its socket, which is destroyed when the check ends.
    agent: false,
  };
  if (target.username || target.password) {
    common.auth = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
  }
  if (target.protocol === 'http:') return http.request(common);
  const tlsOptions: https.RequestOptions = {
    ...common,
    // Explicit, so that NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot turn verification off.
    rejectUnauthorized: true,
  };
  // Node's `ca` option replaces its default trust store; an extra bundle must be added to it, not substituted.
  if (ca !== undefined) tlsOptions.ca = [...defaultCaCertificates(), ca];
  return https.request(tlsOptions);
}

let defaultCas: string[] | undefined;
function defaultCaCertificates(): string[] {
  defaultCas ??= tls.getCACertificates('default');
  return defaultCas;
}

/** The status code and its standard phrase, never the target's own: nothing a target sends reaches Events, logs or /status. */
export function statusLine(status: number): string {
  const phrase = http.STATUS_CODES[status];
  return `HTTP ${status}${phrase ? ` ${phrase}` : ''}`;
}

function delegatedAuth(res: IncomingMessage, options: HealthCheckOptions): boolean {
  return options.authDelegated === true && (res.statusCode === 401 || res.statusCode === 403);
}

function judge(res: IncomingMessage, shown: string, durationMs: number, authDelegated: boolean): HealthVerdict {
  const status = res.statusCode ?? 0;
  if ((status >= 200 && status <= 299) || (authDelegated && (status === 401 || status === 403))) return { healthy: true, status, durationMs };
  const line = statusLine(status);
  if (status >= 300 && status <= 399) return failure('Redirect', `GET ${shown}: ${line}, redirect not followed`, durationMs, status);
  return failure('HttpStatus', `GET ${shown}: ${line}`, durationMs, status);
}

/** Reads the body (at most MAX_JSON_BYTES) and says whether it is JSON; the reason never quotes the body. */
function readJson(res: IncomingMessage, done: (isJson: boolean, detail: string) => void): void {
  const chunks: Buffer[] = [];
  let read = 0;
  res.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > MAX_JSON_BYTES) {
      res.removeAllListeners('data');
      res.removeAllListeners('end');
      done(false, `the body is larger than ${MAX_JSON_BYTES} bytes`);
      return;
    }
    chunks.push(chunk);
  });
  res.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      done(true, '');
    } catch {
      done(false, 'the body is not JSON (this path of the API answers JSON)');
    }
  });
}

/** Reads and discards the body until it ends or `maxBodyBytes` were read, then calls `done` to close the socket. */
function drain(res: IncomingMessage, maxBodyBytes: number, done: () => void): void {
  if (maxBodyBytes === 0) return done();
  let read = 0;
  res.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read >= maxBodyBytes) done();
  });
  res.on('end', done);
}

const X509_VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

const DNS_CODES: Record<string, string> = {
  ENOTFOUND: 'host not found (ENOTFOUND)',
  EAI_NONAME: 'host not found (EAI_NONAME)',
  EAI_NODATA: 'host has no address (EAI_NODATA)',
  EAI_AGAIN: 'DNS lookup failed, temporary failure (EAI_AGAIN)',
  EAI_FAIL: 'DNS lookup failed (EAI_FAIL)',
};

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed by peer while sending the request (EPIPE)',
  EHOSTUNREACH: 'host unreachable (EHOSTUNREACH)',
  ENETUNREACH: 'network unreachable (ENETUNREACH)',
  EHOSTDOWN: 'host is down (EHOSTDOWN)',
  ETIMEDOUT: 'connection timed out (ETIMEDOUT)',
  EADDRNOTAVAIL: 'address not available (EADDRNOTAVAIL)',
};

/**
 * An error class or code only. Messages are not repeated: a TLS error names the certificate's names, a parse error
 * quotes what the target sent, and what another team's Service says must not reach Events, logs or /status.
 */
export function classify(error: unknown): { reason: HealthFailureReason; detail: string } {
  const code = errorCode(error);
  if (code && DNS_CODES[code]) return { reason: 'DnsFailure', detail: DNS_CODES[code] };
  if (code && (X509_VERIFY_CODES.has(code) || /^ERR_(SSL|TLS|OSSL)_/.test(code))) return { reason: 'TlsError', detail: `TLS error (${code})` };
  // Handshake failures surface as EPROTO & co. carrying an OpenSSL error string; its reason is OpenSSL's, not the target's.
  const openssl = /SSL routines:[^:]*:([a-z0-9 _-]+)/i.exec(errorMessage(error));
  if (openssl?.[1]) return { reason: 'TlsError', detail: `TLS error: ${openssl[1]}${code ? ` (${code})` : ''}` };
  if (code && CONNECTION_CODES[code]) return { reason: 'ConnectionFailed', detail: CONNECTION_CODES[code] };
  if (code?.startsWith('HPE_')) return { reason: 'ConnectionFailed', detail: `invalid HTTP response (${code})` };
  return { reason: 'ConnectionFailed', detail: `connection failed (${code ?? errorClass(error)})` };
}

function errorClass(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : 'unknown error';
}

// Errors are inspected by shape, not with instanceof: they may come from another realm (e.g. a test VM context).
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects report an AggregateError; its first attempt carries the code.
  if (Array.isArray(errors)) return errorCode(errors[0]);
  return undefined;
}

function errorMessage(error: unknown): string {
  const raw =
    typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
      ? (error as { message: string }).message
      : String(error);
  // Node suggests a command-line flag for untrusted certificates; for this operator the remedy is the CA bundle.
  const message = raw.replace(/; if the root CA is installed locally, try running Node\.js with --use-system-ca$/, '');
  return echo(message.trim() || 'unknown error');
}

export function abortedMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason ? `aborted: ${echo(reason)}` : 'aborted';
  if (typeof reason !== 'object' || reason === null) return 'aborted';
  const { name, message } = reason as { name?: unknown; message?: unknown };
  // The default reason (a DOMException named AbortError) says nothing beyond "aborted".
  if (name === 'AbortError' || typeof message !== 'string' || !message) return 'aborted';
  return `aborted: ${echo(message)}`;
}

export function failure(reason: HealthFailureReason, message: string, durationMs: number, status?: number): HealthVerdict {
  return status === undefined
    ? { healthy: false, reason, message, durationMs }
    : { healthy: false, status, reason, message, durationMs };
}

function invalid(message: string, durationMs: number): HealthVerdict {
  return failure('InvalidUrl', message, durationMs);
}

/** The URL as shown in messages: normalised, with any credentials removed. */
export function displayUrl(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/** Text that came from outside (a URL, a header, a reason phrase): one line, bounded length. */
function echo(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length > MAX_ECHOED_CHARS ? `${line.slice(0, MAX_ECHOED_CHARS)}…` : line;
}

function positiveOr(value: number | undefined, fallback: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(Math.ceil(value), max) : fallback;
}

function nonNegativeOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
}
