import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBinaries, type Binaries } from './binaries.ts';
import { NODE_CONTROLLERS, nodeApiServerArgs, nodeServingSans, prepareNode, startNode, teardownNode, type NodeState } from './node.ts';
import { resolveNodeBinaries } from './node-binaries.ts';
import { NODE_IP, networkPresent, teardownNetwork } from './node-network.ts';
import { createPki, type Pki } from './pki.ts';
import { freePort, portFree } from './ports.ts';
import { hasExited, isAlive, isOurs, startDetached, startTicks, stopGroup } from './processes.ts';
import { waitFor } from './wait.ts';

/** Large enough for 30,000 Services. */
export const SERVICE_CIDR = '10.96.0.0/16';
/** etcd starts on fresh ports this often when it exits at once (a port taken between the probe and its bind). */
const ETCD_START_ATTEMPTS = 3;
const START_TIMEOUT_MS = Number(process.env.KUBERNAUT_CONTROL_PLANE_START_TIMEOUT_MS ?? 120_000);
/** Well inside a test's own timeout, so a restart that cannot succeed fails with its reason instead of a Jest timeout. */
const RESTART_TIMEOUT_MS = Number(process.env.KUBERNAUT_API_SERVER_RESTART_TIMEOUT_MS ?? 60_000);

/** What `up` returns and what is kept in `<dir>/state.json` so later commands find the same control plane. */
export interface ControlPlane {
  name: string;
  dir: string;
  kubeconfig: string;
  apiServerUrl: string;
  etcdUrl: string;
  caCert: string;
  adminCert: string;
  adminKey: string;
  logs: { etcd: string; apiserver: string; controllerManager?: string; audit?: string };
  pids: { etcd: number; apiserver: number; controllerManager?: number; containerd?: number; kubelet?: number; kubeProxy?: number; scheduler?: number };
  /** Present with `up --node`: a real node (containerd, kubelet, kube-proxy, kube-scheduler, CoreDNS). */
  node?: NodeState;
  /** kube-apiserver's command line, so a test that kills it can start it again exactly as it was. */
  apiserverArgs: string[];
  /** The process whose death makes this control plane an orphan (a test run); absent for long-lived ones. */
  owner?: { pid: number; ticks: number | undefined };
  /**
   * The process running `up` for it, until the control plane is ready: while that process lives, a control plane
   * whose later processes have not started yet is being started, not left behind.
   */
  starting?: { pid: number; ticks: number | undefined };
  binaries: Binaries;
  version: string;
  startedAt: string;
}

export interface UpOptions {
  name?: string;
  /** Tie the control plane's life to this process: once it is gone, the next `up` of any name removes it. */
  ownerPid?: number;
  controllerManager?: boolean;
  /** Record every request in <dir>/audit.log (JSON lines), so tests can prove what an identity did or did not do. */
  audit?: boolean;
  /** Also start a real node (see node.ts); the API server then listens on the node address instead of loopback. */
  node?: boolean;
  progress?: (line: string) => void;
}

export function runRoot(): string {
  return process.env.KUBERNAUT_RUN_DIR ?? join(tmpdir(), 'kubernaut-toolset-clusters');
}

function stateFile(name: string): string {
  return join(runRoot(), name, 'state.json');
}

export function readState(name: string): ControlPlane | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(name), 'utf8')) as ControlPlane;
  } catch {
    return undefined;
  }
}

function processesAlive(cp: ControlPlane): boolean {
  const pids = [cp.pids.etcd, cp.pids.apiserver, ...(cp.pids.controllerManager ? [cp.pids.controllerManager] : [])];
  if (cp.node) pids.push(...[cp.pids.containerd, cp.pids.kubelet, cp.pids.kubeProxy, cp.pids.scheduler].map((p) => p ?? 0));
  return pids.every((pid) => isOurs(pid, cp.dir));
}

function ownerGone(cp: ControlPlane): boolean {
  return cp.owner !== undefined && !isAlive(cp.owner.pid, cp.owner.ticks);
}

/** The pid of the live process (a test run) that owns this control plane, if any. */
export function liveOwner(name: string): number | undefined {
  const cp = readState(name);
  return cp?.owner && !ownerGone(cp) ? cp.owner.pid : undefined;
}

/** Stops every process of a control plane (whole groups) and deletes its directory. Safe on a half-dead one. */
export async function teardown(cp: ControlPlane): Promise<void> {
  if (cp.node) await teardownNode(cp);
  const pids = [cp.pids.controllerManager, cp.pids.apiserver, cp.pids.etcd].filter((p): p is number => !!p);
  for (const pid of pids) await stopGroup(pid, cp.dir);
  rmSync(cp.dir, { recursive: true, force: true });
}

/**
 * Why a control plane should be swept, or undefined when it is not an orphan. One with an owner belongs to that
 * owner while it lives, whatever state its processes are in: a test kills its API server on purpose and starts it
 * again (signalApiServer, restartApiServer), and any other process's `up`, which sweeps first, used to take that
 * moment for a crash, stop etcd and delete the directory under the restarting test (issue #15). Without an owner,
 * dead processes make it an orphan, unless the `up` starting it is still at work.
 */
function orphanedBecause(cp: ControlPlane): string | undefined {
  if (cp.owner) return ownerGone(cp) ? `its owner (pid ${cp.owner.pid}) is gone` : undefined;
  if (cp.starting && isAlive(cp.starting.pid, cp.starting.ticks)) return undefined;
  return processesAlive(cp) ? undefined : 'some of its processes are dead';
}

/** Removes control planes left behind by a killed run: owner gone, or (without an owner) some of their processes dead. */
export async function sweepOrphans(progress: (line: string) => void = () => {}): Promise<string[]> {
  const removed: string[] = [];
  if (!existsSync(runRoot())) return removed;
  for (const name of readdirSync(runRoot())) {
    const cp = readState(name);
    // Without state.json nothing was started yet (it is written right after each process starts).
    if (!cp) continue;
    const reason = orphanedBecause(cp);
    if (reason) {
      progress(`removing control plane "${name}" left behind by an earlier run: ${reason}`);
      await teardown(cp);
      removed.push(name);
    }
  }
  return removed;
}

/** Anonymous or admin HTTPS GET against the API server; resolves with status and body. */
export function apiGet(cp: Pick<ControlPlane, 'apiServerUrl' | 'caCert' | 'adminCert' | 'adminKey'>, path: string, asAdmin = true):
  Promise<{ status: number; body: string }> {
  return apiRequest(cp, 'GET', path, undefined, asAdmin);
}

/** Anonymous or admin HTTPS request against the API server, with an optional JSON body; resolves with status and body. */
export function apiRequest(cp: Pick<ControlPlane, 'apiServerUrl' | 'caCert' | 'adminCert' | 'adminKey'>, method: 'GET' | 'POST', path: string, json?: unknown, asAdmin = true):
  Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cp.apiServerUrl),
      {
        method,
        ca: readFileSync(cp.caCert),
        ...(asAdmin ? { cert: readFileSync(cp.adminCert), key: readFileSync(cp.adminKey) } : {}),
        ...(json === undefined ? {} : { headers: { 'Content-Type': 'application/json' } }),
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(json === undefined ? undefined : JSON.stringify(json));
  });
}

function etcdHealthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(`${url}/health`, { timeout: 2_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** True when etcd answers, the API server is ready, and (if started) the controller manager is alive. */
export async function healthy(cp: ControlPlane): Promise<boolean> {
  if (!processesAlive(cp)) return false;
  if (!(await etcdHealthy(cp.etcdUrl))) return false;
  try {
    return (await apiGet(cp, '/readyz')).status === 200;
  } catch {
    return false;
  }
}

/** The first of the control plane's started processes that is no longer running, described; undefined when all run. */
function deadProcess(cp: ControlPlane): string | undefined {
  for (const [role, pid] of Object.entries(cp.pids)) {
    if (pid && !isOurs(pid, cp.dir)) return `${role} (pid ${pid}) exited`;
  }
  return undefined;
}

/**
 * Polls `ready` until it holds, and fails at once, not at the deadline, when a process of the control plane has
 * exited meanwhile (nothing it waits for could happen any more).
 */
async function waitReady(cp: ControlPlane, what: string, ready: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const outcome = await waitFor(async () => {
    const dead = deadProcess(cp);
    if (dead) return { dead };
    return (await ready()) ? { dead: undefined } : undefined;
  }, { timeoutMs, intervalMs, describe: () => what });
  if (outcome.dead) throw new Error(`${outcome.dead} while waiting for ${what}`);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function kubeconfig(pki: Pki, server: string): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kubernaut-local', cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }],
      users: [
        {
          name: 'kubernaut-admin',
          user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) },
        },
      ],
      contexts: [{ name: 'kubernaut-local', context: { cluster: 'kubernaut-local', user: 'kubernaut-admin' } }],
      'current-context': 'kubernaut-local',
    },
    null,
    2,
  );
}

/**
 * Starts etcd, kube-apiserver and (by default) kube-controller-manager on loopback, or returns the control plane
 * of that name when it is already up and healthy. A dead or orphaned one of the same name is replaced.
 */
export async function up(options: UpOptions = {}): Promise<ControlPlane & { reused: boolean }> {
  const name = options.name ?? 'default';
  const progress = options.progress ?? (() => {});
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) throw new Error(`invalid control plane name "${name}": use a-z, 0-9 and -`);
  await sweepOrphans(progress);
  const existing = readState(name);
  // Another live test run's control plane is never taken over: its teardown would stop it under this run.
  const owner = liveOwner(name);
  if (options.ownerPid !== undefined && owner !== undefined && owner !== options.ownerPid) {
    throw new Error(`control plane "${name}" belongs to another running test run (pid ${owner}); wait for it to finish`);
  }
  if (existing && (await healthy(existing))) {
    if (options.node && !existing.node) throw new Error(`control plane "${name}" is running without a node; run down --name ${name} first`);
    return { ...existing, reused: true };
  }
  if (existing) await teardown(existing);
  // A start that died before writing state.json leaves only files behind.
  rmSync(join(runRoot(), name), { recursive: true, force: true });

  if (options.node) {
    if (options.controllerManager === false) throw new Error('a node needs kube-controller-manager: drop --no-controller-manager');
    // The sweep above removed orphans, so any other cluster with a node is alive (or owned, or still starting).
    const other = (existsSync(runRoot()) ? readdirSync(runRoot()) : []).find((n) => n !== name && readState(n)?.node);
    if (other) throw new Error(`cluster "${other}" already runs a node on this machine (one at a time: kube-proxy's iptables chains are global)`);
    // A node whose `up` was killed before writing its state leaves only the bridge and the guard behind.
    if (networkPresent()) teardownNetwork(undefined);
  }

  const binaries = await resolveBinaries(progress);
  const nodeBinaries = options.node ? await resolveNodeBinaries(progress) : undefined;
  const dir = join(runRoot(), name);
  mkdirSync(dir, { recursive: true });
  const pki = createPki(join(dir, 'pki'), options.node ? nodeServingSans(firstServiceIp()) : []);
  const apiPort = await freePort();
  let etcdUrl = '';
  const apiServerUrl = `https://${options.node ? NODE_IP : '127.0.0.1'}:${apiPort}`;
  const logs = {
    etcd: join(dir, 'etcd.log'),
    apiserver: join(dir, 'kube-apiserver.log'),
    ...(options.controllerManager !== false && binaries.kubeControllerManager
      ? { controllerManager: join(dir, 'kube-controller-manager.log') }
      : {}),
  };
  const cp: ControlPlane = {
    name, dir, apiServerUrl, etcdUrl, logs,
    kubeconfig: join(dir, 'kubeconfig'),
    caCert: pki.caCert, adminCert: pki.adminCert, adminKey: pki.adminKey,
    pids: { etcd: 0, apiserver: 0 },
    apiserverArgs: [],
    ...(options.ownerPid ? { owner: { pid: options.ownerPid, ticks: startTicks(options.ownerPid) } } : {}),
    starting: { pid: process.pid, ticks: startTicks(process.pid) },
    binaries, version: '', startedAt: new Date().toISOString(),
  };
  const save = () => writeFileSync(stateFile(name), JSON.stringify(cp, null, 2));
  // Stops what did start but keeps the directory so the logs can be read; a later `up` sweeps it (once its owner, if
  // it has one, is gone) or replaces it (same name).
  const failed = async (what: string, log: string, error: unknown): Promise<never> => {
    if (cp.node) await teardownNode(cp).catch((e: unknown) => progress(`node cleanup failed: ${(e as Error).message}`));
    for (const pid of Object.values(cp.pids)) if (pid) await stopGroup(pid, dir);
    delete cp.starting;
    save();
    throw new Error(`${what} did not become ready: ${(error as Error).message}\nlogs: ${dir}\n--- ${log} (tail) ---\n${tail(log)}`);
  };
  writeFileSync(cp.kubeconfig, kubeconfig(pki, apiServerUrl), { mode: 0o600 });
  if (nodeBinaries) {
    progress(`creating the node network (bridge ${NODE_IP}, egress guard)`);
    prepareNode(cp, nodeBinaries, SERVICE_CIDR, pki);
    save();
  }
  const auditArgs: string[] = [];
  if (options.audit !== false) {
    const policy = join(dir, 'audit-policy.yaml');
    writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n');
    cp.logs.audit = join(dir, 'audit.log');
    auditArgs.push(`--audit-policy-file=${policy}`, `--audit-log-path=${cp.logs.audit}`, '--audit-log-format=json', '--audit-log-maxsize=500');
  }

  // A free port can be taken by another process between our probe and etcd's bind (the integration suite runs many
  // servers at once), and then etcd exits at once: it gets fresh ports, a few times, before this counts as a failure.
  for (let attempt = 1; ; attempt++) {
    const [etcdPort, peerPort] = [await freePort(), await freePort()];
    etcdUrl = `http://127.0.0.1:${etcdPort}`;
    cp.etcdUrl = etcdUrl;
    progress(`starting etcd on ${etcdUrl}`);
    cp.pids.etcd = startDetached(binaries.etcd, [
      `--name=${name}`, `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=${name}=http://127.0.0.1:${peerPort}`, '--unsafe-no-fsync=true', '--log-level=warn',
    ], logs.etcd);
    save();
    const exited = await waitReady(cp, `etcd at ${etcdUrl}/health`, () => etcdHealthy(etcdUrl), START_TIMEOUT_MS, 100).then(
      () => undefined,
      (e: unknown) => ((e as Error).message.includes('exited while waiting') && attempt < ETCD_START_ATTEMPTS ? (e as Error) : failed('etcd', logs.etcd, e)),
    );
    if (!exited) break;
    progress(`etcd exited at start (attempt ${attempt} of ${ETCD_START_ATTEMPTS}; log: ${tail(logs.etcd, 3) || 'empty'}); trying again on other ports`);
    rmSync(join(dir, 'etcd-data'), { recursive: true, force: true });
  }

  progress(`starting kube-apiserver on ${apiServerUrl}`);
  cp.apiserverArgs = [
    `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'pki')}`, `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`, '--authorization-mode=RBAC', '--allow-privileged=true',
    `--service-cluster-ip-range=${SERVICE_CIDR}`, '--disable-admission-plugins=ServiceAccount',
    `--service-account-issuer=${apiServerUrl}/`, `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`, `--api-audiences=${apiServerUrl}/`,
    '--max-requests-inflight=2000', '--max-mutating-requests-inflight=1000', '--v=1', ...auditArgs,
  ];
  if (cp.node) {
    const { drop, add } = nodeApiServerArgs(pki, dir);
    cp.apiserverArgs = [...cp.apiserverArgs.filter((a) => !drop.some((d) => a.startsWith(d))), ...add];
  }
  cp.pids.apiserver = startDetached(binaries.kubeApiserver, cp.apiserverArgs, logs.apiserver);
  save();
  await apiServerReady(cp, START_TIMEOUT_MS).catch((e) => failed('kube-apiserver', logs.apiserver, e));
  await waitReady(cp, 'namespace "default" to exist', async () => (await apiGet(cp, '/api/v1/namespaces/default')).status === 200, START_TIMEOUT_MS, 100)
    .catch((e) => failed('kube-apiserver', logs.apiserver, e));
  cp.version = (JSON.parse((await apiGet(cp, '/version')).body) as { gitVersion: string }).gitVersion;

  if (logs.controllerManager && binaries.kubeControllerManager) {
    progress('starting kube-controller-manager');
    cp.pids.controllerManager = startDetached(binaries.kubeControllerManager, [
      `--kubeconfig=${cp.kubeconfig}`, '--leader-elect=false', '--secure-port=0',
      `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`, '--use-service-account-credentials=false',
      // Only the controllers a Service/ConfigMap operator's tests lean on; endpoint and workload controllers
      // would just burn the two cores reacting to thousands of benchmark Services.
      '--controllers=serviceaccount-controller,serviceaccount-token-controller,namespace-controller,' +
        'garbage-collector-controller,clusterrole-aggregation-controller,root-ca-certificate-publisher-controller' +
        (cp.node ? `,${NODE_CONTROLLERS.join(',')}` : ''),
      '--v=1',
    ], logs.controllerManager);
    save();
    await waitReady(cp, 'kube-controller-manager to create ServiceAccount default/default',
      async () => (await apiGet(cp, '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, START_TIMEOUT_MS)
      .catch((e) => failed('kube-controller-manager', logs.controllerManager ?? '', e));
  }
  if (cp.node) {
    const node = cp.node;
    await startNode(cp, pki, save, progress, (what, ready, timeoutMs) => waitReady(cp, what, ready, timeoutMs), START_TIMEOUT_MS)
      .catch((e) => failed('the node', node.logs.kubelet, e));
  }
  delete cp.starting;
  save();
  return { ...cp, reused: false };
}

/** The `kubernetes` Service's ClusterIP: the first address of SERVICE_CIDR. */
function firstServiceIp(): string {
  const octets = (SERVICE_CIDR.split('/')[0] ?? '').split('.').map(Number);
  octets[3] = (octets[3] ?? 0) + 1;
  return octets.join('.');
}

function apiServerReady(cp: ControlPlane, timeoutMs: number): Promise<void> {
  return waitReady(cp, `kube-apiserver at ${cp.apiServerUrl}/readyz`,
    async () => (await apiGet(cp, '/readyz').catch(() => ({ status: 0 }))).status === 200, timeoutMs);
}

/**
 * Fault injection: signals the API server alone (etcd and the controller manager keep running). SIGKILL waits
 * until it has exited, every thread, so its port is free again; SIGSTOP freezes it with its sockets open (clients
 * see silence, not errors); SIGCONT resumes it.
 */
export async function signalApiServer(cp: ControlPlane, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
  const pid = cp.pids.apiserver;
  if (!isOurs(pid, cp.dir)) throw new Error(`kube-apiserver of "${cp.name}" (pid ${pid}) is not running`);
  process.kill(pid, signal);
  // Not `!isOurs`: its command line reads empty while its other threads still exit holding the listening socket,
  // and a restart right then fails with "bind: address already in use" (issue #15).
  if (signal === 'SIGKILL') {
    await waitFor(() => (hasExited(pid, cp.dir) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, describe: () => `kube-apiserver pid ${pid} to exit (all threads)` });
  }
}

/**
 * Starts the API server again with its original command line (after signalApiServer SIGKILL) and waits for /readyz.
 * Fails with the reason, not a silent wait, when it cannot come back: the control plane's directory or etcd is gone,
 * or the new process exits (e.g. its port was taken while it was down; the log tail says so).
 */
export async function restartApiServer(cp: ControlPlane): Promise<void> {
  if (isOurs(cp.pids.apiserver, cp.dir)) throw new Error(`kube-apiserver of "${cp.name}" is still running`);
  if (!existsSync(stateFile(cp.name))) throw new Error(`control plane "${cp.name}" was removed (no ${stateFile(cp.name)}): cannot restart its kube-apiserver`);
  if (!isOurs(cp.pids.etcd, cp.dir)) throw new Error(`etcd of "${cp.name}" (pid ${cp.pids.etcd}) is not running: a restarted kube-apiserver could never become ready`);
  const port = Number(new URL(cp.apiServerUrl).port);
  await waitFor(async () => (hasExited(cp.pids.apiserver, cp.dir) && (await portFree(port)) ? true : undefined), {
    timeoutMs: 10_000, intervalMs: 20,
    describe: () => `the old kube-apiserver (pid ${cp.pids.apiserver}) to have exited and port ${port} to be free for its restart`,
  });
  cp.pids.apiserver = startDetached(cp.binaries.kubeApiserver, cp.apiserverArgs, cp.logs.apiserver);
  writeFileSync(stateFile(cp.name), JSON.stringify(cp, null, 2));
  await apiServerReady(cp, RESTART_TIMEOUT_MS).catch((error: unknown) => {
    throw new Error(`restarted kube-apiserver of "${cp.name}" did not become ready: ${(error as Error).message}\n--- ${cp.logs.apiserver} (tail) ---\n${tail(cp.logs.apiserver)}`);
  });
}

/** etcd's JSON gateway: POST a v3 API call on the client URL (loopback). */
async function etcdCall(cp: Pick<ControlPlane, 'etcdUrl'>, path: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${cp.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`etcd ${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * Compacts etcd's history up to its current revision, so any watch resuming from an older resource version gets
 * "410 Gone" once the API server's own watch cache no longer covers it. Returns the compacted revision.
 */
export async function compactEtcd(cp: Pick<ControlPlane, 'etcdUrl'>): Promise<number> {
  const range = await etcdCall(cp, '/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number((range.header as { revision: string }).revision);
  await etcdCall(cp, '/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

/** Stops the named control plane; returns false when there was none. */
export async function down(name = 'default'): Promise<boolean> {
  const cp = readState(name);
  if (!cp) {
    rmSync(join(runRoot(), name), { recursive: true, force: true });
    return false;
  }
  await teardown(cp);
  return true;
}
