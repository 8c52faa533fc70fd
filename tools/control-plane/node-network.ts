import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The node's network: a host bridge that carries the node's own address (the API server and kubelet listen on it,
 * and the `kubernetes` Service points at it), the pods' subnet on that bridge, and an egress guard that keeps pod
 * and Service traffic from ever leaving through the host's interfaces. One node per machine: kube-proxy's iptables
 * chains are global.
 */
export const BRIDGE = 'kubernaut0';
export const POD_CIDR = '10.244.0.0/24';
export const NODE_IP = '10.244.0.1';
const GUARD_OUT = 'KUBERNAUT-NODE-EGRESS';
const GUARD_IN = 'KUBERNAUT-NODE-INGRESS';

export interface NetworkState {
  /** /proc/sys/net/ipv4/ip_forward before the node started, restored by teardownNetwork. */
  ipForward: string;
  /** The bridge's ifindex: teardown of an old node (a sweep) must not remove a newer node's bridge and chains. */
  bridgeIndex: number;
}

function bridgeIndex(): number | undefined {
  try {
    return Number(readFileSync(`/sys/class/net/${BRIDGE}/ifindex`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether the machine's node network is the one `state` created (or there is none left to take down). */
export function ownsNetwork(state: NetworkState | undefined): boolean {
  const now = bridgeIndex();
  return now === undefined || state === undefined || now === (state.bridgeIndex ?? now);
}

function run(command: string, args: string[], allowFail = false): boolean {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch (error) {
    if (allowFail) return false;
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
  }
}

const iptables = (args: string[], allowFail = false) => run('iptables', ['-w', '5', ...args], allowFail);
const ipForwardFile = '/proc/sys/net/ipv4/ip_forward';

/**
 * Creates the bridge with the node address and the egress guard. In the mangle table, so it runs before kube-proxy's
 * filter and nat rules, whatever order those are inserted in:
 * - POSTROUTING (after DNAT, before SNAT): apart from loopback, drop anything from the pod subnet, or to it, that is routed out of any
 *   interface but the bridge, and anything still addressed to a Service IP (no endpoint, so kube-proxy did not
 *   translate it and the default route would carry it away). The host's own traffic, including its resolver in
 *   10.0.0.0/8, is untouched.
 * - PREROUTING: the node address and the pod subnet are reachable only from the host itself and from pods.
 */
export function setupNetwork(serviceCidr: string): NetworkState {
  const ipForward = readFileSync(ipForwardFile, 'utf8').trim();
  removeGuard();
  if (!run('ip', ['link', 'show', BRIDGE], true)) run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  run('ip', ['addr', 'replace', `${NODE_IP}/24`, 'dev', BRIDGE]);
  run('ip', ['link', 'set', BRIDGE, 'up']);
  const state: NetworkState = { ipForward, bridgeIndex: bridgeIndex() ?? -1 };
  iptables(['-t', 'mangle', '-N', GUARD_OUT]);
  for (const rule of [
    // The host talking to itself (kubectl to the node address, a Service DNAT'd to the API server) stays on lo.
    ['-o', 'lo', '-j', 'RETURN'],
    ['-s', POD_CIDR, '!', '-o', BRIDGE, '-j', 'DROP'],
    ['-d', POD_CIDR, '!', '-o', BRIDGE, '-j', 'DROP'],
    ['-d', serviceCidr, '-j', 'DROP'],
  ]) iptables(['-t', 'mangle', '-A', GUARD_OUT, ...rule, '-m', 'comment', '--comment', 'kubernaut node egress guard']);
  iptables(['-t', 'mangle', '-I', 'POSTROUTING', '1', '-j', GUARD_OUT]);
  iptables(['-t', 'mangle', '-N', GUARD_IN]);
  for (const rule of [['-i', 'lo', '-j', 'RETURN'], ['-i', BRIDGE, '-j', 'RETURN'], ['-d', POD_CIDR, '-j', 'DROP']]) {
    iptables(['-t', 'mangle', '-A', GUARD_IN, ...rule]);
  }
  iptables(['-t', 'mangle', '-I', 'PREROUTING', '1', '-j', GUARD_IN]);
  // The bridge CNI plugin would switch forwarding on anyway; doing it here records the value to restore.
  writeFileSync(ipForwardFile, '1');
  return state;
}

function removeGuard(): void {
  for (const [hook, chain] of [['POSTROUTING', GUARD_OUT], ['PREROUTING', GUARD_IN]] as const) {
    while (iptables(['-t', 'mangle', '-D', hook, '-j', chain], true));
    iptables(['-t', 'mangle', '-F', chain], true);
    iptables(['-t', 'mangle', '-X', chain], true);
  }
}

/** Whether this machine already carries a node's network (another cluster's, or one left behind). */
export function networkPresent(): boolean {
  return run('ip', ['link', 'show', BRIDGE], true);
}

/**
 * The kubelet's own iptables chains (IPv4 and IPv6): KUBE-FIREWALL (drops non-loopback packets to 127/8), its
 * canaries and kube-proxy's mode hint. `kube-proxy --cleanup` does not remove them.
 */
export function removeKubeletChains(): void {
  for (const cmd of ['iptables', 'ip6tables']) {
    const t = (args: string[]) => run(cmd, ['-w', '5', ...args], true);
    for (const hook of ['INPUT', 'OUTPUT']) while (t(['-t', 'filter', '-D', hook, '-j', 'KUBE-FIREWALL']));
    for (const [table, chain] of [['filter', 'KUBE-FIREWALL'], ['filter', 'KUBE-KUBELET-CANARY'], ['nat', 'KUBE-KUBELET-CANARY'],
      ['mangle', 'KUBE-KUBELET-CANARY'], ['mangle', 'KUBE-IPTABLES-HINT']] as const) {
      t(['-t', table, '-F', chain]);
      t(['-t', table, '-X', chain]);
    }
  }
}

/** Removes the guard and the bridge (pods' veths are gone with their network namespaces) and restores ip_forward. */
export function teardownNetwork(state: NetworkState | undefined): void {
  if (!ownsNetwork(state)) return;
  removeGuard();
  run('ip', ['link', 'del', BRIDGE], true);
  if (state) writeFileSync(ipForwardFile, state.ipForward);
}
