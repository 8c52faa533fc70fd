import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candidate } from '../../../src/discovery/candidate.ts';
import { paramRef, shellQuote } from '../../../src/toolset/shell.ts';
import { customTools, jaegerTools, type Tool } from '../../../src/toolset/tools.ts';
import { optIn, service } from '../discovery/fixtures.ts';
import { detected } from './scenarios.ts';

/** Jinja's urlencode filter on a string: Python's urllib.parse.quote(value, safe='/') over UTF-8 bytes. */
function urlencode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /^[A-Za-z0-9_.\-~/]$/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * HolmesGPT (holmes/core/tools.py, sanitize_params) passes every parameter through shlex.quote before rendering the
 * command, except the empty string. Python's shlex.quote: unchanged when only [A-Za-z0-9_@%+=:,./-], else single-quoted.
 */
function holmesSanitize(value: string): string {
  if (value === '') return '';
  if (!/[^A-Za-z0-9_@%+=:,./-]/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** A tiny emulation of the only Jinja construct the generated commands may contain: {{ name | urlencode }}. */
function renderJinja(template: string, context: Record<string, string>): string {
  const rendered = template.replace(/\{\{ (\w+) \| urlencode \}\}/g, (_m, name: string) => {
    const value = context[name];
    if (value === undefined) throw new Error(`template uses ${name}, which the test did not supply`);
    return urlencode(value);
  });
  if (/\{[{%#]/.test(rendered)) throw new Error(`template has Jinja syntax the emulation does not handle: ${template}`);
  return rendered;
}

const work = mkdtempSync(join(tmpdir(), 'kubernaut-shell-test-'));
/**
 * bash runs nothing but the command under test: a clean environment (no BASH_ENV), --norc, and stdin from /dev/null
 * (bash reads ~/.bashrc when its stdin is a socket, which is what Node's default stdio pipes are).
 */
function bash(command: string): string {
  return execFileSync('bash', ['--norc', '--noprofile', '-c', command], {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10_000,
  });
}
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the tool command with curl replaced by printf, so bash prints the arguments curl would have received. */
function argumentsOf(command: string): string[] {
  expect(command.startsWith('curl ')).toBe(true);
  const printing = command.replace(/^curl /, "printf '%s\\n' ");
  const out = bash(printing);
  return out.split('\n').slice(0, -1);
}

const CURL_FLAGS = ['-sS', '--fail-with-body', '--max-time', '20', '--max-filesize', '5000000'];

const marker = join(work, `pwned-${randomUUID()}`);
const hostile = [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `"; touch ${marker}; #`,
  `'; touch ${marker}; '`,
  `'`,
  `"`,
  `a\ntouch ${marker}`,
  `x && touch ${marker}`,
  `x | touch ${marker}`,
  `$HOME \${PATH} $$ $? !!`,
  '100%',
  '%27%22',
  '\\',
  '{{ 7*7 }} {% raw %}',
  'ümlaut 😀',
  '-o /tmp/x',
  '../../etc/passwd',
  '',
];

/** The URL each tool should request for the given parameters, written out independently of the templates. */
function expectedUrl(endpoint: string, tool: Tool, p: Record<string, string>, encode: (v: string) => string): string {
  const e = (name: string) => encode(p[name] ?? '');
  if (tool.name.endsWith('_services')) return `${endpoint}/api/services`;
  if (tool.name.endsWith('_operations')) return `${endpoint}/api/services/${e('service')}/operations`;
  if (tool.name.endsWith('_find_traces')) return `${endpoint}/api/traces?service=${e('service')}&lookback=${e('lookback')}&limit=${e('limit')}`;
  if (tool.name.endsWith('_get_trace')) return `${endpoint}/api/traces/${e('trace_id')}`;
  if (tool.name.endsWith('_get')) return `${endpoint}/${e('path')}`;
  throw new Error(`unexpected tool ${tool.name}`);
}

const [jaeger, custom] = detected([
  service({ namespace: 'tracing', name: 'jaeger-query', annotations: optIn('jaeger'), ports: [{ name: 'query', port: 16686 }] }),
  service({ namespace: 'shop', name: 'orders-api', annotations: optIn('custom') }),
]) as [Candidate, Candidate];

const toolCases: [string, Candidate, Tool][] = [
  ...jaegerTools(jaeger).map((t): [string, Candidate, Tool] => [t.name, jaeger, t]),
  ...customTools(custom).map((t): [string, Candidate, Tool] => [t.name, custom, t]),
];

describe('tool commands', () => {
  it('jaeger has four read-only tools and custom one', () => {
    expect(jaegerTools(jaeger).map((t) => t.name)).toEqual([
      'jaeger_tracing_jaeger_query_54a5e3_services',
      'jaeger_tracing_jaeger_query_54a5e3_operations',
      'jaeger_tracing_jaeger_query_54a5e3_find_traces',
      'jaeger_tracing_jaeger_query_54a5e3_get_trace',
    ]);
    expect(customTools(custom).map((t) => t.name)).toEqual(['custom_shop_orders_api_4e0619_get']);
  });

  it.each(toolCases)('%s: only {{ p | urlencode }} of declared parameters, and no $ for os.path.expandvars', (_name, _c, tool) => {
    const used = [...tool.command.matchAll(/\{\{(.*?)\}\}/g)].map((m) => m[1] ?? '');
    for (const expr of used) expect(expr).toMatch(/^ \w+ \| urlencode $/);
    expect(tool.command).not.toMatch(/\{%|\{#/);
    const names = new Set(used.map((expr) => expr.trim().split(' ')[0]));
    expect([...names].sort()).toEqual(Object.keys(tool.parameters ?? {}).sort());
    expect(tool.command).not.toContain('$');
    expect(Object.values(tool.parameters ?? {}).every((p) => p.type === 'string' && p.required)).toBe(true);
  });

  it.each(toolCases)('%s: a plain request prints exactly the expected curl arguments', (_name, c, tool) => {
    const params = { service: 'frontend', lookback: '1h', limit: '20', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', path: 'api/v1/status' };
    const args = argumentsOf(renderJinja(tool.command, params));
    expect(args).toEqual([...CURL_FLAGS, expectedUrl(c.endpoint, tool, params, urlencode)]);
  });

  describe.each([
    ['raw values', (v: string) => v],
    ['values shlex-quoted first, as HolmesGPT does', holmesSanitize],
  ])('hostile parameter values (%s)', (_mode, sanitize) => {
    it.each(toolCases)('%s keeps every value one literal, percent-encoded argument and runs nothing', (_name, c, tool) => {
      for (const value of hostile) {
        const params = Object.fromEntries(Object.keys(tool.parameters ?? {}).map((p) => [p, value]));
        const context = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, sanitize(v)]));
        const args = argumentsOf(renderJinja(tool.command, context));
        expect(args).toEqual([...CURL_FLAGS, expectedUrl(c.endpoint, tool, params, (v) => urlencode(sanitize(v)))]);
        expect(existsSync(marker)).toBe(false);
      }
      expect(readdirSync(work).filter((f) => f.startsWith('pwned-'))).toEqual([]);
    });
  });

  it('the printed URL carries the percent-encoded value', () => {
    const tool = jaegerTools(jaeger)[3] as Tool;
    const [url] = argumentsOf(renderJinja(tool.command, { trace_id: `$(touch ${marker})` })).slice(-1);
    expect(url).toBe(`http://jaeger-query.tracing.svc.cluster.local:16686/api/traces/%24%28touch%20${urlencode(marker)}%29`);
    expect(existsSync(marker)).toBe(false);
  });

  it('an endpoint with a quote in its path stays one literal argument', () => {
    // Detection rejects such endpoints; the renderer must still quote safely whatever it is given.
    const withQuote: Candidate = { ...jaeger, endpoint: "http://jaeger.tracing.svc:16686/it's" };
    const tool = jaegerTools(withQuote)[0] as Tool;
    expect(argumentsOf(renderJinja(tool.command, {}))).toEqual([...CURL_FLAGS, "http://jaeger.tracing.svc:16686/it's/api/services"]);
  });

  it('tool names stay unique when names differ only in - and _, and never exceed 64 characters', () => {
    const a: Candidate = { ...custom, key: 'a-b/c', service: { ...custom.service, namespace: 'a-b', name: 'c' } };
    const b: Candidate = { ...custom, key: 'a/b-c', service: { ...custom.service, namespace: 'a', name: 'b-c' } };
    expect(customTools(a)[0]?.name).not.toBe(customTools(b)[0]?.name);
    const long: Candidate = { ...jaeger, key: `${'n'.repeat(63)}/${'s'.repeat(63)}`, service: { ...jaeger.service, namespace: 'n'.repeat(63), name: 's'.repeat(63) } };
    for (const tool of [...jaegerTools(long), ...customTools(long)]) {
      expect(tool.name.length).toBeLessThanOrEqual(64);
      expect(tool.name).toMatch(/^[A-Za-z0-9_]+$/);
    }
  });

  it('never follows redirects (no -L / --location)', () => {
    for (const [, , tool] of toolCases) expect(tool.command).not.toMatch(/\s(-L|--location)\b/);
  });
});

describe('shellQuote', () => {
  it.each([
    "it's",
    "'",
    "''",
    "'\\''",
    '"double" and \'single\'',
    '$HOME $(id) `id` ${PATH}',
    'a\nb\tc',
    '\\ backslash \\\\',
    '!history !!',
    '',
    ' leading and trailing ',
    '*?[a-z]~',
    'ümlaut 😀',
    `; touch ${marker} #`,
  ])('%j survives bash -c unchanged', (value) => {
    const out = bash(`printf %s ${shellQuote(value)}`);
    expect(out).toBe(value);
    expect(existsSync(marker)).toBe(false);
  });

  it('wraps in single quotes and closes, escapes and reopens for a quote', () => {
    expect(shellQuote('abc')).toBe("'abc'");
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
  });
});

describe('paramRef', () => {
  it('pipes the parameter through urlencode', () => {
    expect(paramRef('service')).toBe('{{ service | urlencode }}');
  });
});

describe('urlencode emulation', () => {
  it('matches Python urllib.parse.quote(safe="/") on known values', () => {
    expect(urlencode('a b/c')).toBe('a%20b/c');
    expect(urlencode("$(x)'\"`;&|<>")).toBe('%24%28x%29%27%22%60%3B%26%7C%3C%3E');
    expect(urlencode('AZaz09_.-~')).toBe('AZaz09_.-~');
    expect(urlencode('ü')).toBe('%C3%BC');
    expect(urlencode('%\n')).toBe('%25%0A');
  });

  it('and shlex.quote as HolmesGPT applies it', () => {
    expect(holmesSanitize('frontend')).toBe('frontend');
    expect(holmesSanitize('api/v1/status')).toBe('api/v1/status');
    expect(holmesSanitize('a b')).toBe("'a b'");
    expect(holmesSanitize("it's")).toBe(`'it'"'"'s'`);
    expect(holmesSanitize('')).toBe('');
  });
});
