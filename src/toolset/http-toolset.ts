import type { Candidate } from '../discovery/candidate.ts';
import { tenantOrigin } from '../discovery/tenant-text.ts';

/**
 * A custom or Jaeger Service as HolmesGPT 0.45's native HTTP toolset (holmes/plugins/toolsets/http/): no shell and
 * no template, one endpoint whose host is exactly the Service's scheme, host and port, GET only, the paths
 * allow-listed, and HolmesGPT's own load-time check pointed at the URL the operator health-checks.
 * block_internal_ips stays at its default (false): true would refuse every in-cluster address.
 */
export function httpEntry(c: Candidate): Record<string, unknown> {
  const origin = new URL(c.endpoint).origin;
  const own = c.type === 'jaeger' ? jaegerInstructions(c) : c.description;
  // The model reads llm_instructions beside the platform's toolsets: a tenant's always says whose it is.
  const instructions = c.trusted ? own : [tenantOrigin(c.service), own].filter((t) => t !== undefined).join(c.type === 'jaeger' ? '\n' : ' ');
  return {
    type: 'http',
    enabled: true,
    description: c.description ?? (c.type === 'jaeger'
      ? `Jaeger traces from ${c.service.namespace}/${c.service.name}`
      : `HTTP API of Service ${c.service.namespace}/${c.service.name}`),
    ...(instructions !== undefined ? { llm_instructions: instructions } : {}),
    config: {
      ...c.config,
      endpoints: [{ hosts: [origin], paths: c.paths ?? ['/*'], methods: ['GET'], health_check_url: c.healthUrl }],
    },
  };
}

/** HolmesGPT has no Jaeger toolset: these lines teach the model the query API behind the allow-listed paths. */
function jaegerInstructions(c: Candidate): string {
  const api = `${c.endpoint}/api`;
  return [
    `Jaeger query API of Service ${c.service.namespace}/${c.service.name}. Read-only: GET requests only.`,
    `- Services that reported traces: GET ${api}/services`,
    `- Operations of one service: GET ${api}/services/<service>/operations`,
    `- Find traces: GET ${api}/traces?service=<service>&lookback=1h&limit=20; optional operation=<name>, ` +
      'minDuration=100ms, maxDuration=2s, tags=<URL-encoded JSON object such as {"error":"true"}>, ' +
      'start=<microseconds since the epoch>, end=<microseconds since the epoch>',
    `- One trace with all its spans: GET ${api}/traces/<hexadecimal trace ID>`,
    'Every answer is JSON with the results under "data"; pass jq (for example .data[].traceID) to keep only what you need.',
  ].join('\n');
}
