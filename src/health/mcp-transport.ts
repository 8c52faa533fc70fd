// How the MCP check talks: the HTTP requests of one handshake (as httpx sends them, within a byte budget, redirects
// refused) and the server-sent events of a response. What is said is mcp-check.ts's.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { classify, displayUrl, statusLine } from './failure-messages.ts';
import { request } from './http-check.ts';
import type { HealthFailureReason } from './verdict.ts';

/** The User-Agent of the httpx 0.28.1 HolmesGPT 0.45.0's MCP client sends with. */
const USER_AGENT = 'python-httpx/0.28.1';
/** The most one handshake may read, all requests together. */
const MAX_EXCHANGE_BYTES = 1024 * 1024;

/** Why a handshake failed, as a verdict's reason (and HTTP status, when there was one). */
export class ProbeFailure extends Error {
  readonly reason: HealthFailureReason;
  readonly status: number | undefined;
  constructor(reason: HealthFailureReason, message: string, status?: number) {
    super(message);
    this.reason = reason;
    this.status = status;
  }
}

export const protocolError = (message: string) => new ProbeFailure('ProtocolError', message);
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The sockets of one check and the bytes it may still read; everything is closed when the check ends. */
export class Exchange {
  readonly #requests = new Set<ClientRequest>();
  #left = MAX_EXCHANGE_BYTES;
  readonly #ca: string | Buffer | undefined;
  constructor(ca: string | Buffer | undefined) {
    this.#ca = ca;
  }

  send(url: URL, method: 'GET' | 'POST', headers: Record<string, string>, body?: unknown): Promise<IncomingMessage> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const withAgent = { 'User-Agent': USER_AGENT, ...headers };
    const all = text === undefined ? withAgent : { ...withAgent, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) };
    return new Promise((resolve, reject) => {
      const req = request(url, this.#ca, { method, headers: all });
      this.#requests.add(req);
      req.on('error', (error) => {
        const { reason, detail } = classify(error);
        reject(new ProbeFailure(reason, `${method} ${displayUrl(url)}: ${detail}`));
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status <= 299) return resolve(res);
        res.destroy();
        const redirect = status >= 300 && status <= 399;
        reject(new ProbeFailure(redirect ? 'Redirect' : 'HttpStatus', `${method} ${displayUrl(url)}: ${statusLine(status)}${redirect ? ', redirect not followed' : ''}`, status));
      });
      req.end(text);
    });
  }

  take(bytes: number): void {
    this.#left -= bytes;
    if (this.#left < 0) throw protocolError(`the server sent more than ${MAX_EXCHANGE_BYTES} bytes during the handshake`);
  }

  async json(res: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of res as AsyncIterable<Buffer>) {
      this.take(chunk.length);
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw protocolError('the answer is not JSON');
    }
  }

  close(): void {
    for (const r of this.#requests) r.destroy();
  }
}

/** Server-sent events of one response, read as they arrive. */
export class EventStream {
  readonly #queue: EventSourceMessage[] = [];
  #ended: ProbeFailure | undefined;
  #wake: (() => void) | undefined;

  constructor(res: IncomingMessage, exchange: Exchange) {
    const parser = createParser({ onEvent: (e) => this.#push(e) });
    res.setEncoding('utf8');
    res.on('data', (text: string) => {
      try {
        exchange.take(Buffer.byteLength(text));
        parser.feed(text);
      } catch (error) {
        this.#end(error as ProbeFailure);
        res.destroy();
      }
    });
    res.on('close', () => this.#end(protocolError('the event stream ended before the answer')));
  }

  #push(e: EventSourceMessage): void {
    this.#queue.push(e);
    this.#wake?.();
  }

  #end(reason: ProbeFailure): void {
    this.#ended ??= reason;
    this.#wake?.();
  }

  async next(): Promise<EventSourceMessage> {
    for (;;) {
      const e = this.#queue.shift();
      if (e) return e;
      if (this.#ended) throw this.#ended;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  /** The JSON-RPC response with this id; notifications and requests from the server are passed over. */
  async response(id: number): Promise<unknown> {
    for (;;) {
      const e = await this.next();
      if ((e.event ?? 'message') !== 'message') continue;
      let message: unknown;
      try {
        message = JSON.parse(e.data) as unknown;
      } catch {
        throw protocolError('an event of the stream is not JSON');
      }
      if (isObject(message) && message.id === id) return message;
    }
  }
}
