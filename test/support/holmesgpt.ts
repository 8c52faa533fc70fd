import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../tools/control-plane/ports.ts';
import { holmesVenvPython } from '../../tools/e2e/script-output.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';

/** The real HolmesGPT (pinned in tools/holmesgpt/versions.env) reading our files: the consumer checks. */
const root = join(import.meta.dirname, '../..');

/** The whole server loading path for one file (test/consumer/load_toolsets.py), prerequisite checks included. */
export interface Loaded {
  holmesgpt_version: string;
  toolsets: Record<string, { status: string; error: string | null; type: string; tools: string[] }>;
  invalid: string[];
  warnings: string[];
  load_error: string | null;
  invocations: Invocation[];
}

/**
 * The toolsets and MCP servers the operator wrote (`written`, the names in the file) that HolmesGPT did not return
 * by name with a status: the silent drops. Every consumer check asserts this is empty.
 */
export function notReturned(written: Iterable<string>, loaded: Pick<Loaded, 'toolsets'> | undefined): string[] {
  return [...written].filter((name) => !loaded?.toolsets[name]?.status);
}

/** One tool call run by HolmesGPT's own tool after the load (load_toolsets.py --invoke). */
export interface Invocation {
  tool: string;
  params: Record<string, unknown>;
  status: 'success' | 'error' | 'no_data' | 'not_found';
  error: string | null;
  data: { status_code?: number; body?: unknown } | null;
}

/** The file loader alone, for many files in one process (test/consumer/load_many.py). */
export interface Parsed {
  path: string;
  load_error: string | null;
  /** Every toolset HolmesGPT returned for the file (MCP servers included), by name, with its status. */
  toolsets: Record<string, string>;
  invalid: { name: string; error: string }[];
}

let python: string | undefined;

/** Installs the venv on first use (cached across runs) and returns its python. */
export function holmesPython(): string {
  if (python) return python;
  const setup = spawnSync('bash', [join(root, 'tools/holmesgpt/setup.sh')], { encoding: 'utf8', timeout: 600_000 });
  if (setup.status !== 0) throw new Error(`holmesgpt setup failed: ${setup.stderr.slice(-2000)}`);
  python = holmesVenvPython(setup.stdout);
  return python;
}

function runPython(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(holmesPython(), [join(root, 'test/consumer', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** `env` is HolmesGPT's environment on top of ours: the variables `{{ env.NAME }}` references in the file need. */
export async function holmesLoad(file: string, env: NodeJS.ProcessEnv = {}, calls?: { tool: string; params: Record<string, unknown> }[]): Promise<Loaded> {
  const invoke = calls === undefined ? [] : ['--invoke', `${file}.calls.json`];
  if (calls !== undefined) writeFileSync(`${file}.calls.json`, JSON.stringify(calls));
  return JSON.parse(await runPython('load_toolsets.py', [file, '--prereq-timeout', '15', ...invoke], env)) as Loaded;
}

/**
 * Several files through the server loading path in one HolmesGPT process (load_toolsets.py --sequence): each is
 * loaded afresh, prerequisite checks included, with `prereqTimeoutSeconds` as HolmesGPT's check budget.
 */
export async function holmesLoadSequence(files: string[], scratch: string, prereqTimeoutSeconds: number, env: NodeJS.ProcessEnv = {}): Promise<(Loaded & { file: string })[]> {
  const list = join(scratch, 'sequence.json');
  writeFileSync(list, JSON.stringify(files));
  const out = await runPython('load_toolsets.py', [join(scratch, 'custom_toolset.yaml'), '--prereq-timeout', String(prereqTimeoutSeconds), '--sequence', list], env);
  return (JSON.parse(out) as { results: (Loaded & { file: string })[] }).results;
}

export async function holmesParseMany(files: string[], listFile: string): Promise<Parsed[]> {
  writeFileSync(listFile, JSON.stringify(files));
  return JSON.parse(await runPython('load_many.py', [listFile])) as Parsed[];
}

/** What the consumer server's executor holds: the toolsets the file names, by status. */
export interface ServedToolsets {
  pid: number;
  toolsets: Record<string, string>;
}

/**
 * A long-running HolmesGPT (test/consumer/holmes_server.py): HolmesGPT's config and toolset loading with its own
 * admin app mounted, on loopback, reading `file` the way the in-cluster server reads its mounted ConfigMap.
 */
export class HolmesServer {
  readonly #child: ChildProcess;
  readonly #url: string;
  readonly port: number;
  #log = '';

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.#url = `http://127.0.0.1:${port}`;
    this.port = port;
    child.stderr?.on('data', (c: Buffer) => (this.#log = (this.#log + c.toString()).slice(-4000)));
  }

  /** `env` on top of ours (the admin API on, as README's in-place values set it): HOLMES_API_KEY makes it require that key, as HolmesGPT's server does. */
  static async start(file: string, env: NodeJS.ProcessEnv = {}): Promise<HolmesServer> {
    const port = await freePort();
    const child = spawn(holmesPython(), [join(root, 'test/consumer/holmes_server.py'), file, String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ENABLE_ADMIN_API: 'true', ...env },
    });
    const server = new HolmesServer(child, port);
    // HolmesGPT's import and first load take seconds, longer on a busy machine.
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`holmes_server.py exited ${child.exitCode}: ${server.#log}`);
      return (await server.toolsets().catch(() => undefined)) ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250, describe: () => `holmes_server.py to serve /toolsets; its log:\n${server.#log}` });
    return server;
  }

  async toolsets(): Promise<ServedToolsets> {
    const res = await fetch(`${this.#url}/toolsets`);
    if (!res.ok) throw new Error(`GET /toolsets: HTTP ${res.status}`);
    return (await res.json()) as ServedToolsets;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Jest's guard for a test that loads toolsets with HolmesGPT: a hang detector, not a speed bound. One load imports
 * HolmesGPT and runs its prerequisite checks (several seconds on a quiet machine, over a minute with both cores
 * taken by a CPU hog).
 */
export const HOLMES_TEST_TIMEOUT_MS = 180_000;
