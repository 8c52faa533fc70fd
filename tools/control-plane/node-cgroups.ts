import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The node's cgroup: one subtree `<root>` in every cgroup hierarchy of this machine (v1 controllers plus the cgroup2
 * mount of a hybrid setup), under which the kubelet creates kubepods. Everything a pod runs lives below it, so
 * teardown can find and stop all of it without touching anything else on the machine.
 */
function hierarchies(): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0) continue;
    const fstype = fields[sep + 1];
    const point = fields[4];
    if ((fstype === 'cgroup' || fstype === 'cgroup2') && point) out.push(point);
  }
  return out;
}

export function createCgroupRoot(root: string): void {
  for (const h of hierarchies()) {
    const path = join(h, root);
    mkdirSync(path, { recursive: true });
    // A new v1 cpuset cgroup starts with no CPUs and no memory nodes; give it its parent's.
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(path, f)) && readFileSync(join(path, f), 'utf8').trim() === '') {
        writeFileSync(join(path, f), readFileSync(join(h, f), 'utf8'));
      }
    }
  }
}

function subtree(path: string): string[] {
  if (!existsSync(path)) return [];
  const dirs = readdirSync(path).filter((e) => {
    try {
      return statSync(join(path, e)).isDirectory();
    } catch {
      return false;
    }
  });
  return [...dirs.flatMap((d) => subtree(join(path, d))), path];
}

/** Pids of every process in the subtree (any hierarchy sees them all; all are scanned in case one lags). */
export function cgroupPids(root: string): number[] {
  const pids = new Set<number>();
  for (const h of hierarchies()) {
    for (const d of subtree(join(h, root))) {
      try {
        for (const p of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p));
      } catch {
        // Removed meanwhile.
      }
    }
  }
  return [...pids];
}

/** SIGKILLs everything in the subtree, waits for it to be empty, and removes the cgroups (deepest first). */
export async function removeCgroupRoot(root: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pids = cgroupPids(root);
    if (pids.length === 0) break;
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(' ')} in cgroup ${root} survive SIGKILL`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const h of hierarchies()) {
    for (const d of subtree(join(h, root))) {
      try {
        rmdirSync(d);
      } catch {
        // Busy for a moment after its last task exits; one retry.
        await new Promise((r) => setTimeout(r, 200));
        try {
          rmdirSync(d);
        } catch {
          // Left for the next teardown.
        }
      }
    }
  }
}
