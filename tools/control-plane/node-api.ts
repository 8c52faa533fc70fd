import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface ApiTarget {
  apiServerUrl: string;
  caCert: string;
  adminCert: string;
  adminKey: string;
}

/** An admin HTTPS request against the API server (JSON in, status and body out). */
export function apiRequest(cp: ApiTarget, method: string, path: string, body?: unknown):
  Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(new URL(path, cp.apiServerUrl), {
      method,
      ca: readFileSync(cp.caCert),
      cert: readFileSync(cp.adminCert),
      key: readFileSync(cp.adminKey),
      timeout: 10_000,
      headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Creates each object at its collection path; one that already exists (409) is left as it is. */
export async function createAll(cp: ApiTarget, objects: Array<{ path: string; object: unknown }>): Promise<void> {
  for (const { path, object } of objects) {
    const res = await apiRequest(cp, 'POST', path, object);
    if (res.status !== 201 && res.status !== 200 && res.status !== 409) {
      throw new Error(`POST ${path} answered ${res.status}: ${res.body.slice(0, 500)}`);
    }
  }
}
