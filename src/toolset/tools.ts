import { createHash } from 'node:crypto';
import type { Candidate } from '../discovery/candidate.ts';
import { paramRef, shellQuote } from './shell.ts';

export interface ToolParameter {
  description: string;
  type: 'string';
  required: boolean;
}

export interface Tool {
  name: string;
  description: string;
  command: string;
  parameters?: Record<string, ToolParameter>;
}

/** curl that fails on HTTP errors, never follows redirects elsewhere, and is bounded in time and size. */
function curl(endpoint: string, pathAndQuery: string): string {
  return `curl -sS --fail-with-body --max-time 20 --max-filesize 5000000 ${shellQuote(endpoint)}"${pathAndQuery}"`;
}

/** LLM function names are commonly limited to 64 characters of [A-Za-z0-9_-]. */
const MAX_TOOL_NAME = 64;
const LONGEST_VERB = '_find_traces'.length;

/**
 * Tool names are global across HolmesGPT's toolsets. A readable part (type, namespace, name) is shortened to fit
 * and a hash of namespace/name keeps two Services apart even when their names only differ in - versus _.
 */
function toolPrefix(c: Candidate): string {
  const hash = createHash('sha256').update(c.key).digest('hex').slice(0, 6);
  const readable = `${c.type}_${c.service.namespace}_${c.service.name}`.replaceAll('-', '_');
  return `${readable.slice(0, MAX_TOOL_NAME - LONGEST_VERB - hash.length - 1)}_${hash}`;
}

function param(description: string, required = true): ToolParameter {
  return { description, type: 'string', required };
}

/** Read-only tools on the Jaeger query HTTP API (HolmesGPT ships no Jaeger toolset). */
export function jaegerTools(c: Candidate): Tool[] {
  const p = toolPrefix(c);
  return [
    { name: `${p}_services`, description: 'List the services that reported traces to Jaeger', command: curl(c.endpoint, '/api/services') },
    {
      name: `${p}_operations`,
      description: 'List the operations Jaeger recorded for one service',
      command: curl(c.endpoint, `/api/services/${paramRef('service')}/operations`),
      parameters: { service: param('Service name as reported to Jaeger') },
    },
    {
      name: `${p}_find_traces`,
      description: 'Find recent traces of a service (most recent first)',
      command: curl(c.endpoint, `/api/traces?service=${paramRef('service')}&lookback=${paramRef('lookback')}&limit=${paramRef('limit')}`),
      parameters: {
        service: param('Service name as reported to Jaeger'),
        lookback: param('How far back to search, e.g. 1h, 30m, 2d'),
        limit: param('Maximum number of traces, e.g. 20'),
      },
    },
    {
      name: `${p}_get_trace`,
      description: 'Fetch one trace with all its spans',
      command: curl(c.endpoint, `/api/traces/${paramRef('trace_id')}`),
      parameters: { trace_id: param('Hexadecimal trace ID') },
    },
  ];
}

/** A generic read-only HTTP GET on the Service, for `custom` toolsets. */
export function customTools(c: Candidate): Tool[] {
  return [
    {
      name: `${toolPrefix(c)}_get`,
      description: `HTTP GET a path on ${c.endpoint} and return the response body`,
      command: curl(c.endpoint, `/${paramRef('path')}`),
      parameters: { path: param('Path to request, without the leading slash, e.g. api/v1/status') },
    },
  ];
}
