import http from 'node:http';
import type { HealthFailureReason } from './verdict.ts';

/**
 * Error classification and the text of failure messages, shared by the HTTP and MCP checks. Only error classes and
 * codes are named: what a target sent (reason phrases, certificate names, bodies) never reaches a message.
 */
const MAX_ECHOED_CHARS = 300;

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

export function errorMessage(error: unknown): string {
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

export function statusLine(status: number): string {
  const phrase = http.STATUS_CODES[status];
  return `HTTP ${status}${phrase ? ` ${phrase}` : ''}`;
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
export function echo(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length > MAX_ECHOED_CHARS ? `${line.slice(0, MAX_ECHOED_CHARS)}…` : line;
}
