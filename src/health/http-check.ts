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
import { checkTimeoutMs, onDeadline } from './deadline.ts';
import { abortedMessage, classify, displayUrl, echo, errorMessage, statusLine } from './failure-messages.ts';
import { failure, type HealthCheckOptions, type HealthFailureReason, type HealthVerdict } from './verdict.ts';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** The most of a body read to see that it is JSON; HolmesGPT's check queries ask for one result. */
export const MAX_JSON_BYTES = 1024 * 1024;
export const HEALTH_USER_AGENT = 'kubernaut-toolset';

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
  const timeoutMs = checkTimeoutMs(options.timeoutMs);
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
    const release = onDeadline(started + timeoutMs, options.signal, {
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

function invalid(message: string, durationMs: number): HealthVerdict {
  return failure('InvalidUrl', message, durationMs);
}

function nonNegativeOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
}
