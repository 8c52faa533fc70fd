import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../tools/control-plane/ports.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { holmesPython } from './holmesgpt.ts';

const root = join(import.meta.dirname, '../..');

/** test/consumer/mcp_server.py on a free loopback port (the venv's python: it uses the mcp package HolmesGPT brings). */
export async function mcpServer(mode: 'streamable-http' | 'sse', ...flags: string[]): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(holmesPython(), [join(root, 'test/consumer/mcp_server.py'), String(port), mode, ...flags], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${url}/`).then(() => true, () => false)) ? true : undefined), {
    timeoutMs: 30_000, intervalMs: 200, describe: () => `the ${mode} MCP server on port ${port} to listen`,
  });
  return { url, process: child };
}
