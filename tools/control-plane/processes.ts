import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';

/** A process started in its own process group, so stopping it also stops anything it started. */
export function startDetached(command: string, args: string[], logFile: string): number {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  child.unref();
  return child.pid;
}

/**
 * Whether `pid` is alive and is the process we started: its command line must mention `marker` (a path unique
 * to one control plane), so a recycled pid of an unrelated process is never signalled.
 */
export function isOurs(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** Kernel start time of a process (clock ticks since boot); with the pid it identifies one process for good. */
export function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 counts from the end of the parenthesised command name, which itself may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number, ticks: number | undefined): boolean {
  const now = startTicks(pid);
  return now !== undefined && (ticks === undefined || now === ticks);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader is gone. */
export async function stopGroup(pid: number, marker: string, graceMs = 10_000): Promise<void> {
  if (!isOurs(pid, marker)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isOurs(pid, marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isOurs(pid, marker)) {
    signalGroup(pid, 'SIGKILL');
    while (isOurs(pid, marker)) await new Promise((r) => setTimeout(r, 20));
  }
}
