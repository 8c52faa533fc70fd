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

/**
 * Whether `pid` (started by us, its command line mentions `marker`) has finished exiting: no such process, a zombie
 * whose threads are all gone, or a recycled pid. Not the same as `!isOurs`: /proc/<pid>/cmdline reads empty as soon
 * as the main thread has dropped its memory, while the other threads (a Go binary has many) are still exiting and the
 * process still holds its files and sockets, e.g. kube-apiserver's listening port.
 */
export function hasExited(pid: number, marker: string): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return true;
  }
  const state = /^State:\s*(\S)/m.exec(status)?.[1];
  const threads = Number(/^Threads:\s*(\d+)/m.exec(status)?.[1] ?? 0);
  if (state === 'Z' || state === 'X') return threads <= 1;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  // Empty while exiting (memory already released); another command line means the pid was recycled.
  return cmdline !== '' && !cmdline.includes(marker);
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

/** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader has exited, fails if even SIGKILL does not end it. */
export async function stopGroup(pid: number, marker: string, graceMs = 10_000): Promise<void> {
  if (!isOurs(pid, marker)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (!hasExited(pid, marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!hasExited(pid, marker)) {
    signalGroup(pid, 'SIGKILL');
    const killDeadline = Date.now() + 10_000;
    while (!hasExited(pid, marker)) {
      if (Date.now() >= killDeadline) throw new Error(`pid ${pid} (${marker}) still running 10 s after SIGKILL to its group`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
