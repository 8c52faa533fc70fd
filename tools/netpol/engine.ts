// The NetworkPolicy engine on the local node: kube-router v2 as a firewall only (iptables + ipset), beside the bridge
// CNI and kube-proxy, so that a NetworkPolicy is proven by traffic, not by the object's shape. Test-only (see
// build.sh). What it leaves in the kernel (jump rules, chains, ipsets) is global state, removed here on stop and by
// the node's teardown (tools/control-plane/node.ts), so a later node never inherits stale rules.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../control-plane/wait.ts';

const PID_FILE = 'kube-router.pid';

function quiet(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

const iptables = (args: string[]) => quiet('iptables', ['-w', '5', ...args]);

/** The engine has set up its filter: its FORWARD chain exists and the FORWARD hook jumps to it. */
export function engineReady(): boolean {
  return (iptables(['-S', 'FORWARD']) ?? '').includes('KUBE-ROUTER-FORWARD');
}

/** Whether kube-router has a firewall chain for the pod with this IP (it sees pods some time after they start). */
export function podFirewalled(podIp: string): boolean {
  return (iptables(['-S']) ?? '').split('\n').some((line) => line.startsWith('-A KUBE-POD-FW-') && line.includes(`${podIp}/32`));
}

export interface Engine {
  pid: number;
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts kube-router for `nodeName` with the cluster's admin kubeconfig and waits until its filter is in place. Its
 * pid goes to `<clusterDir>/kube-router.pid` so the node's teardown can stop it if this process cannot.
 */
export async function startEngine(binary: string, kubeconfig: string, nodeName: string, clusterDir: string): Promise<Engine> {
  removeEngineState(clusterDir);
  let output = '';
  const child = spawn(binary, [
    `--kubeconfig=${kubeconfig}`, '--run-firewall=true', '--run-router=false', '--run-service-proxy=false', '--enable-cni=false',
    `--hostname-override=${nodeName}`, '--health-port=0', '--metrics-port=0', '--v=1',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (child.pid === undefined) throw new Error(`kube-router did not start: ${output}`);
  writeFileSync(join(clusterDir, PID_FILE), String(child.pid));
  const pid = child.pid;
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`kube-router exited ${child.exitCode}:\n${output}`);
    return engineReady() ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200, describe: () => `kube-router's KUBE-ROUTER-FORWARD chain; its log:\n${output}` });
  return {
    pid,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      removeEngineState(clusterDir);
    },
  };
}

/**
 * Stops a kube-router this cluster started (by its pid file) and removes everything it leaves: the jump rules
 * (comment "kube-router netpol"), its chains and its ipsets. Safe when there is nothing to remove.
 */
export function removeEngineState(clusterDir: string): void {
  const pidFile = join(clusterDir, PID_FILE);
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(pidFile, { force: true });
  }
  const rules = (iptables(['-S']) ?? '').split('\n');
  for (const rule of rules) {
    // Jump rules from the built-in hooks into kube-router's chains.
    const jump = /^-A (INPUT|FORWARD|OUTPUT) (.*-j KUBE-ROUTER-\S+.*)$/.exec(rule);
    if (jump) iptables(['-D', jump[1] as string, ...splitRule(jump[2] as string)]);
  }
  const chains = rules.flatMap((r) => /^-N (KUBE-ROUTER-\S+|KUBE-POD-FW-\S+|KUBE-NWPLCY-\S+)$/.exec(r)?.[1] ?? []);
  for (const chain of chains) iptables(['-F', chain]);
  for (const chain of chains) iptables(['-X', chain]);
  for (const set of (quiet('ipset', ['list', '-n']) ?? '').split('\n')) {
    if (/^KUBE-(SRC|DST)-/.test(set)) quiet('ipset', ['destroy', set]);
  }
}

/** iptables -S prints rules with shell-style quoting of comments: split them back into arguments. */
function splitRule(rule: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rule); m; m = re.exec(rule)) args.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
  return args;
}
