import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HttpTarget } from './http-target.ts';
import { fixtureApi } from './kube.ts';

const main = join(import.meta.dirname, '../../src/main.ts');

/** The operator as production runs it: its own process, its own HTTP ports, JSON logs on stderr. */
export class OperatorProcess {
  readonly child: ChildProcess;
  #logs = '';
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  /**
   * `entry` is the sources' src/main.ts by default, or a built dist/src/main.js. `wrapper` is a command line that
   * ends by running the rest (e.g. one that gives the process its own resolv.conf).
   */
  constructor(args: string[], env: NodeJS.ProcessEnv = {}, entry = main, wrapper: string[] = []) {
    const [command = process.execPath, ...prefix] = [...wrapper, ...(wrapper.length > 0 ? [process.execPath] : [])];
    this.child = spawn(command, [...prefix, '--disable-warning=ExperimentalWarning', entry, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (c: Buffer) => (this.#logs += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (this.#logs += c.toString()));
    this.#exit = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  get logs(): string {
    return this.#logs;
  }

  /** Log lines parsed as JSON (production format). */
  entries(): Record<string, unknown>[] {
    return this.#logs.split('\n').flatMap((line) => {
      try {
        return line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  waitForLog(message: string | RegExp, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return waitFor(
      () => this.entries().find((e) => (typeof message === 'string' ? e.message === message : message.test(String(e.message)))),
      { timeoutMs, describe: () => `log "${String(message)}"; logs so far:\n${this.#logs.slice(-3000)}` },
    );
  }

  async ports(): Promise<{ server: number; metrics: number }> {
    const starting = await this.waitForLog('starting');
    return starting.http as { server: number; metrics: number };
  }

  async get(path: string, which: 'server' | 'metrics' = 'server'): Promise<{ status: number; body: string }> {
    const port = (await this.ports())[which];
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> {
    return this.#exit;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Arguments every test process gets: its kubeconfig, free ports on loopback. */
export function processArgs(kubeconfig: string, ...extra: string[]): string[] {
  return ['run', '--kubeconfig', kubeconfig, '--http-address', '127.0.0.1', '--http-port', '0', '--http-metrics-port', '0', ...extra];
}

export interface ProcessSuite {
  core: CoreV1Api;
  kc: KubeConfig;
  /** A healthy HTTP target shared by the tests of the suite. */
  target: HttpTarget;
  /** Processes started by the current test; each is killed after it. */
  processes: OperatorProcess[];
}

/** Hooks for a describe block of process tests; the returned object is filled in before the first test. */
export function processSuite(): ProcessSuite {
  const suite = { processes: [] as OperatorProcess[] } as ProcessSuite;
  beforeAll(async () => {
    Object.assign(suite, fixtureApi());
    suite.target = await HttpTarget.start('healthy');
  });
  afterEach(async () => {
    for (const p of suite.processes.splice(0)) {
      p.kill('SIGKILL');
      await p.exited();
    }
  });
  afterAll(async () => suite.target.close());
  return suite;
}
