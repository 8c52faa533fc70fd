/** What a health check takes and what it says: the options and the verdict both checkers (HTTP, MCP) share. */

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
  /** `tools`: an MCP server's tool names as its handshake listed them (what HolmesGPT offers the model), sorted. */
  | { healthy: true; status: number; durationMs: number; tools?: string[] }
  | { healthy: false; status?: number; reason: HealthFailureReason; message: string; durationMs: number };

export function failure(reason: HealthFailureReason, message: string, durationMs: number, status?: number): HealthVerdict {
  return status === undefined
    ? { healthy: false, reason, message, durationMs }
    : { healthy: false, status, reason, message, durationMs };
}
