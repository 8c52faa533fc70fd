/** A failed API call, with the HTTP status and the API server's own reason and message when it sent them. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(operation: string, status: number, reason: string, detail: string) {
    super(`${operation}: ${status === 0 ? 'no response' : `HTTP ${status}`} ${reason}${detail ? `: ${detail}` : ''}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  get conflict(): boolean {
    return this.status === 409;
  }

  /** The resource version we watched from is gone from etcd's history; only a fresh list helps. */
  get expired(): boolean {
    return this.status === 410;
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
}

function statusBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  return body && typeof body === 'object' ? body : {};
}

/** Turns whatever client-node or the network threw into a KubeApiError that names the operation. */
export function toKubeApiError(operation: string, error: unknown): KubeApiError {
  if (error instanceof KubeApiError) return error;
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown; message?: string; cause?: { message?: string } };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : 0;
  const body = statusBody(e.body);
  const detail = body.message ?? e.cause?.message ?? e.message ?? String(error);
  return new KubeApiError(operation, status, body.reason ?? '', detail);
}
