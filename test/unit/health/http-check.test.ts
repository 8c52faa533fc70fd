import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHealth } from '../../../src/health/http-check.ts';
import type { HealthVerdict } from '../../../src/health/verdict.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  server: Server;
  port: number;
  url: (path?: string) => string;
  /** Requests received, in order. */
  requests: { method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders }[];
  connections: () => Promise<number>;
}

const servers: Server[] = [];

async function listen(server: Server, handler: Handler, scheme: 'http' | 'https' = 'http'): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res);
  });
  // A leaky client (pooled keep-alive sockets) must show up as open connections, not be hidden by the server.
  server.keepAliveTimeout = 60_000;
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: (path = '/') => `${scheme}://127.0.0.1:${port}${path}`,
    requests,
    connections: () =>
      new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
  };
}

function startHttp(handler: Handler): Promise<TestServer> {
  return listen(http.createServer(), handler);
}

function reply(status: number, headers: Record<string, string> = {}, body = ''): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

/** Polls `condition` until it holds or the deadline passes; fails with `what` then. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function expectFailure(verdict: HealthVerdict): Extract<HealthVerdict, { healthy: false }> {
  if (verdict.healthy) throw new Error(`expected an unhealthy verdict, got ${JSON.stringify(verdict)}`);
  return verdict;
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return port;
}

function tcpSocketCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('checkHealth over http', () => {
  it('is healthy on 200 and sends a GET with the User-Agent, path and query', async () => {
    const target = await startHttp(reply(200, { 'content-type': 'text/plain' }, 'Prometheus Server is Healthy.\n'));

    const verdict = await checkHealth(target.url('/-/healthy?x=1#frag'), { timeoutMs: 2_000 });

    expect(verdict).toEqual({ healthy: true, status: 200, durationMs: expect.any(Number) });
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]).toMatchObject({ method: 'GET', url: '/-/healthy?x=1' });
    expect(target.requests[0]?.headers['user-agent']).toBe('kubernaut-toolset');
  });

  it('is healthy on 204 No Content', async () => {
    const target = await startHttp(reply(204));

    await expect(checkHealth(target.url('/ready'), { timeoutMs: 2_000 })).resolves.toMatchObject({
      healthy: true,
      status: 204,
    });
  });

  it('is unhealthy on 503 with reason HttpStatus and a precise message', async () => {
    const target = await startHttp(reply(503, {}, 'not ready'));

    const verdict = expectFailure(await checkHealth(target.url('/-/healthy'), { timeoutMs: 2_000 }));

    expect(verdict).toMatchObject({ status: 503, reason: 'HttpStatus' });
    expect(verdict.message).toBe(`GET http://127.0.0.1:${target.port}/-/healthy: HTTP 503 Service Unavailable`);
  });

  it('reports 4xx statuses with the standard phrase, never the one the target sent', async () => {
    const target = await startHttp((_req, res) => {
      res.statusCode = 404;
      res.statusMessage = 'session=4f2a9c token leaked';
      res.end();
    });

    const verdict = expectFailure(await checkHealth(target.url('/api/health'), { timeoutMs: 2_000 }));

    expect(verdict).toMatchObject({ status: 404, reason: 'HttpStatus' });
    expect(verdict.message).toBe(`GET ${target.url('/api/health')}: HTTP 404 Not Found`);
  });

  it('a status without a standard phrase is reported by its code alone', async () => {
    const target = await startHttp((_req, res) => {
      res.statusCode = 499;
      res.statusMessage = 'secret-from-target';
      res.end();
    });

    const verdict = expectFailure(await checkHealth(target.url('/'), { timeoutMs: 2_000 }));

    expect(verdict.message).toBe(`GET ${target.url('/')}: HTTP 499`);
  });

  it.each([301, 302, 307, 308])('does not follow a %i redirect, and does not repeat where it pointed', async (status) => {
    const elsewhere = await startHttp(reply(200));
    const location = elsewhere.url('/login?session=4f2a9c');
    const target = await startHttp(reply(status, { location }));

    const verdict = expectFailure(await checkHealth(target.url('/'), { timeoutMs: 2_000 }));

    expect(verdict).toMatchObject({ status, reason: 'Redirect' });
    expect(verdict.message).toBe(`GET ${target.url('/')}: HTTP ${status} ${STATUS_CODES[status]}, redirect not followed`);
    expect(verdict.message).not.toContain('4f2a9c');
    expect(target.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('times out on a target that accepts the connection and never answers, and closes the connection', async () => {
    const target = await startHttp(() => {
      /* never respond */
    });
    const startedAt = Date.now();

    const verdict = expectFailure(await checkHealth(target.url('/-/healthy'), { timeoutMs: 300 }));

    expect(verdict.reason).toBe('Timeout');
    expect(verdict.status).toBeUndefined();
    expect(verdict.message).toBe(`GET ${target.url('/-/healthy')}: timed out after 300 ms`);
    expect(verdict.durationMs).toBeGreaterThanOrEqual(300);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(target.requests).toHaveLength(1);
    await waitFor('the hanging connection to be closed', async () => (await target.connections()) === 0);
  });

  it('decides on the status line of a 10 MB streaming body, reads at most maxBodyBytes and closes the connection', async () => {
    const total = 10 * 1024 * 1024;
    const chunk = Buffer.alloc(16 * 1024, 'x');
    let written = 0;
    let closed = false;
    const target = await startHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const interval = setInterval(() => {
        if (written >= total) return clearInterval(interval);
        res.write(chunk);
        written += chunk.length;
      }, 2);
      res.on('close', () => {
        clearInterval(interval);
        closed = true;
      });
    });

    const verdict = await checkHealth(target.url('/stream'), { timeoutMs: 30_000, maxBodyBytes: 64 * 1024 });

    expect(verdict).toMatchObject({ healthy: true, status: 200 });
    expect(verdict.durationMs).toBeLessThan(30_000);
    await waitFor("the server to see the client's connection closed", () => closed);
    // Closed because the body cap was reached, long before the body (or the deadline) ended it.
    expect(written).toBeLessThan(total / 4);
    await waitFor('no open server connections', async () => (await target.connections()) === 0);
  });

  it('is healthy when headers arrive but the body never does, and still releases the socket at the deadline', async () => {
    let closed = false;
    const target = await startHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      res.on('close', () => (closed = true));
    });

    const verdict = await checkHealth(target.url('/'), { timeoutMs: 300 });

    expect(verdict).toMatchObject({ healthy: true, status: 200 });
    expect(verdict.durationMs).toBeLessThan(300);
    await waitFor('the stalled body connection to be closed', () => closed);
  });

  it('reports connection refused on a closed port', async () => {
    const port = await closedPort();

    const verdict = expectFailure(await checkHealth(`http://127.0.0.1:${port}/-/healthy`, { timeoutMs: 2_000 }));

    expect(verdict.reason).toBe('ConnectionFailed');
    expect(verdict.message).toBe(`GET http://127.0.0.1:${port}/-/healthy: connection refused`);
  });

  it('reports an invalid HTTP response as a connection failure', async () => {
    const net = await import('node:net');
    const server = net.createServer((socket) => {
      socket.resume(); // read (and ignore) the request, so the client's close is seen
      socket.end('SSH-2.0-OpenSSH_9.2\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const verdict = expectFailure(await checkHealth(`http://127.0.0.1:${port}/`, { timeoutMs: 2_000 }));
      expect(verdict.reason).toBe('ConnectionFailed');
      expect(verdict.message).toContain('invalid HTTP response');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('reports an unresolvable host as DnsFailure', async () => {
    const verdict = expectFailure(await checkHealth('http://nonexistent.invalid/-/healthy', { timeoutMs: 5_000 }));

    expect(verdict.reason).toBe('DnsFailure');
    expect(verdict.message).toMatch(/^GET http:\/\/nonexistent\.invalid\/-\/healthy: (host not found \(ENOTFOUND\)|DNS lookup failed)/);
  });

  it('keeps credentials out of messages but sends them as basic auth', async () => {
    const target = await startHttp(reply(500));

    const verdict = expectFailure(
      await checkHealth(`http://admin:s3cret@127.0.0.1:${target.port}/api/health`, { timeoutMs: 2_000 }),
    );

    expect(verdict.message).toBe(`GET http://127.0.0.1:${target.port}/api/health: HTTP 500 Internal Server Error`);
    expect(verdict.message).not.toContain('s3cret');
    expect(target.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
  });

  it('keeps credentials out of the message of an unparseable URL', async () => {
    const verdict = expectFailure(await checkHealth('http://admin:s3cret@127.0.0.1:99999/', { timeoutMs: 1_000 }));

    expect(verdict).toMatchObject({ reason: 'InvalidUrl', message: 'GET http://127.0.0.1:99999/: invalid URL' });
  });

  it.each([
    ['not a url', 'invalid URL'],
    ['', 'invalid URL'],
    ['127.0.0.1:9090/-/healthy', 'invalid URL'],
    ['localhost:9090/-/healthy', 'unsupported protocol "localhost:"'],
    ['ftp://127.0.0.1/health', 'unsupported protocol "ftp:"'],
    ['file:///etc/passwd', 'unsupported protocol "file:"'],
  ])('rejects %j as InvalidUrl', async (url, expected) => {
    const verdict = expectFailure(await checkHealth(url, { timeoutMs: 1_000 }));

    expect(verdict.reason).toBe('InvalidUrl');
    expect(verdict.message).toContain(expected);
  });
});

describe('checkHealth with HolmesGPT\'s expectations (expectJson, authDelegated)', () => {
  it('with expectJson, a 200 JSON body is healthy and a 200 web page is a ProtocolError that quotes nothing of it', async () => {
    const json = await startHttp(reply(200, { 'content-type': 'application/json' }, '{"status":"green"}'));
    expect(await checkHealth(json.url('/_cluster/health'), { timeoutMs: 2_000, expectJson: true })).toMatchObject({ healthy: true, status: 200 });
    const page = await startHttp(reply(200, { 'content-type': 'text/html' }, '<html>SECRET-PAGE</html>'));
    const verdict = await checkHealth(page.url('/_cluster/health'), { timeoutMs: 2_000, expectJson: true });
    expect(verdict).toMatchObject({ healthy: false, status: 200, reason: 'ProtocolError', message: expect.stringMatching(/: HTTP 200 OK, but the body is not JSON/) as unknown });
    expect(JSON.stringify(verdict)).not.toContain('SECRET');
    // Without the expectation the same page is healthy: the type's own check does not ask for JSON.
    expect(await checkHealth(page.url('/'), { timeoutMs: 2_000 })).toMatchObject({ healthy: true });
  });

  it('with expectJson, a body that never ends is cut at the deadline, and one over 1 MiB is refused', async () => {
    const slow = await startHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
    });
    expect(await checkHealth(slow.url('/'), { timeoutMs: 300, expectJson: true })).toMatchObject({ healthy: false, reason: 'Timeout' });
    const huge = await startHttp(reply(200, { 'content-type': 'application/json' }, `"${'x'.repeat(1024 * 1024 + 10)}"`));
    expect(await checkHealth(huge.url('/'), { timeoutMs: 5_000, expectJson: true })).toMatchObject({ healthy: false, reason: 'ProtocolError', message: expect.stringMatching(/larger than 1048576 bytes/) as unknown });
  });

  it('with authDelegated, 401 and 403 are healthy (HolmesGPT holds the credentials), other errors are not', async () => {
    for (const status of [401, 403]) {
      const target = await startHttp(reply(status));
      expect(await checkHealth(target.url('/api/v1/query?query=up'), { timeoutMs: 2_000, authDelegated: true })).toMatchObject({ healthy: true, status });
      expect(await checkHealth(target.url('/api/v1/query?query=up'), { timeoutMs: 2_000 })).toMatchObject({ healthy: false, reason: 'HttpStatus', status });
    }
    const down = await startHttp(reply(503));
    expect(await checkHealth(down.url('/'), { timeoutMs: 2_000, authDelegated: true, expectJson: true })).toMatchObject({ healthy: false, status: 503 });
  });
});

describe('checkHealth cancellation', () => {
  it('ends with Aborted when the external signal aborts mid-request, and closes the connection', async () => {
    let received!: () => void;
    const requestSeen = new Promise<void>((resolve) => (received = resolve));
    const target = await startHttp(() => received());
    const controller = new AbortController();

    const pending = checkHealth(target.url('/'), { timeoutMs: 30_000, signal: controller.signal });
    await requestSeen;
    controller.abort(new Error('pipeline deadline'));
    const verdict = expectFailure(await pending);

    expect(verdict.reason).toBe('Aborted');
    expect(verdict.message).toBe(`GET ${target.url('/')}: aborted: pipeline deadline`);
    expect(verdict.durationMs).toBeLessThan(30_000);
    await waitFor('the aborted connection to be closed', async () => (await target.connections()) === 0);
  });

  it('does not contact the target when the signal is already aborted', async () => {
    const target = await startHttp(reply(200));
    const controller = new AbortController();
    controller.abort();

    const verdict = expectFailure(await checkHealth(target.url('/'), { timeoutMs: 2_000, signal: controller.signal }));

    expect(verdict).toMatchObject({ reason: 'Aborted', message: `GET ${target.url('/')}: aborted` });
    expect(target.requests).toHaveLength(0);
  });

  it('ignores an abort after the verdict', async () => {
    const target = await startHttp(reply(200));
    const controller = new AbortController();

    const verdict = await checkHealth(target.url('/'), { timeoutMs: 2_000, signal: controller.signal });
    controller.abort();

    expect(verdict).toMatchObject({ healthy: true, status: 200 });
  });
});

describe('checkHealth resources', () => {
  it('leaves no sockets open after a batch of checks, on either side', async () => {
    const baseline = tcpSocketCount();
    const ok = await startHttp(reply(200, {}, 'ok'));
    const failing = await startHttp(reply(503, {}, 'down'));
    const redirecting = await startHttp(reply(302, { location: '/elsewhere' }));
    const streaming = await startHttp((_req, res) => {
      res.writeHead(200);
      const interval = setInterval(() => res.write(Buffer.alloc(32 * 1024)), 2);
      res.on('close', () => clearInterval(interval));
    });
    const hanging = await startHttp(() => {
      /* never respond */
    });
    const listeningSockets = tcpSocketCount();

    const verdicts = await Promise.all(
      [ok, failing, redirecting, streaming, hanging].flatMap((target) =>
        Array.from({ length: 5 }, () => checkHealth(target.url('/'), { timeoutMs: 300 })),
      ),
    );

    expect(verdicts.map((v) => (v.healthy ? 'healthy' : v.reason))).toEqual([
      ...Array<string>(5).fill('healthy'),
      ...Array<string>(5).fill('HttpStatus'),
      ...Array<string>(5).fill('Redirect'),
      ...Array<string>(5).fill('healthy'),
      ...Array<string>(5).fill('Timeout'),
    ]);
    for (const target of [ok, failing, redirecting, streaming, hanging]) {
      await waitFor(`no open connections on port ${target.port}`, async () => (await target.connections()) === 0);
    }
    await waitFor('no client sockets left', () => tcpSocketCount() <= listeningSockets);
    expect(listeningSockets).toBeGreaterThanOrEqual(baseline);
  });
});

describe('checkHealth over https', () => {
  let dir: string;
  let cert: string;
  let key: string;
  let wrongNameCert: string;
  let wrongNameKey: string;

  function generate(name: string, san: string): { cert: string; key: string } {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.crt`),
      ],
      { stdio: 'pipe' },
    );
    return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'health-tls-'));
    ({ cert, key } = generate('localhost', 'IP:127.0.0.1,DNS:localhost'));
    ({ cert: wrongNameCert, key: wrongNameKey } = generate('elsewhere', 'DNS:elsewhere.example'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a self-signed certificate that is not trusted', async () => {
    const target = await listen(https.createServer({ cert, key }), reply(200), 'https');

    const verdict = expectFailure(await checkHealth(target.url('/-/healthy'), { timeoutMs: 2_000 }));

    expect(verdict.reason).toBe('TlsError');
    expect(verdict.message).toBe(`GET ${target.url('/-/healthy')}: TLS error (DEPTH_ZERO_SELF_SIGNED_CERT)`);
    expect(target.requests).toHaveLength(0);
  });

  it('is healthy when the configured CA bundle trusts the certificate', async () => {
    const target = await listen(https.createServer({ cert, key }), reply(200), 'https');

    await expect(checkHealth(target.url('/-/healthy'), { timeoutMs: 2_000, ca: cert })).resolves.toMatchObject({
      healthy: true,
      status: 200,
    });
    await expect(
      checkHealth(target.url('/-/healthy'), { timeoutMs: 2_000, ca: Buffer.from(cert) }),
    ).resolves.toMatchObject({ healthy: true, status: 200 });
    expect(target.requests).toHaveLength(2);
  });

  it('still verifies the host name when the CA is trusted', async () => {
    const target = await listen(https.createServer({ cert: wrongNameCert, key: wrongNameKey }), reply(200), 'https');

    const verdict = expectFailure(await checkHealth(target.url('/'), { timeoutMs: 2_000, ca: wrongNameCert }));

    expect(verdict.reason).toBe('TlsError');
    // Node's message would list the certificate's names: what the target sent stays out of the message.
    expect(verdict.message).toBe(`GET ${target.url('/')}: TLS error (ERR_TLS_CERT_ALTNAME_INVALID)`);
    expect(verdict.message).not.toContain('elsewhere');
    expect(target.requests).toHaveLength(0);
  });

  it('reports a plain-HTTP target behind an https URL as a TLS error', async () => {
    const target = await startHttp(reply(200));

    const verdict = expectFailure(await checkHealth(`https://127.0.0.1:${target.port}/`, { timeoutMs: 2_000 }));

    expect(verdict.reason).toBe('TlsError');
    expect(verdict.message).toBe(`GET https://127.0.0.1:${target.port}/: TLS error: wrong version number (EPROTO)`);
  });
});
