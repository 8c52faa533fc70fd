import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { apiGet, down, readState, sweepOrphans, up } from '../../tools/control-plane/control-plane.ts';
import { isOurs } from '../../tools/control-plane/processes.ts';
import { testCluster } from '../support/cluster-info.ts';

const root = join(import.meta.dirname, '..', '..');

function cluster(...args: string[]) {
  return spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', join(root, 'tools/control-plane/cluster.ts'), ...args], {
    encoding: 'utf8',
    timeout: 180_000,
  });
}

function pidsOf(cp: { pids: Record<string, number | undefined> }): number[] {
  return Object.values(cp.pids).filter((p): p is number => !!p);
}

describe('local control plane harness', () => {
  const extra = ['harness-cli', 'harness-orphan'];
  afterAll(async () => {
    for (const name of extra) await down(name);
  });

  it('runs a real kube-apiserver with the pinned version, RBAC and a Service range for 30,000 Services', async () => {
    const cp = testCluster();
    const version = JSON.parse((await apiGet(cp, '/version', false)).body) as { gitVersion: string; major: string; minor: string };
    expect(version).toMatchObject({ gitVersion: 'v1.36.3', major: '1', minor: '36' });
    // Anonymous users may read /version but not Services: authorization is really on.
    expect((await apiGet(cp, '/api/v1/services', false)).status).toBe(403);
    expect((await apiGet(cp, '/api/v1/services')).status).toBe(200);
    const cidrs = JSON.parse((await apiGet(cp, '/apis/networking.k8s.io/v1/servicecidrs')).body) as { items: { spec: { cidrs: string[] } }[] };
    expect(cidrs.items.flatMap((c) => c.spec.cidrs)).toContain('10.96.0.0/16');
  });

  it('runs kube-controller-manager: the default ServiceAccount exists and ServiceAccount tokens can be requested', async () => {
    const cp = testCluster();
    expect(cp.pids.controllerManager).toBeGreaterThan(0);
    expect((await apiGet(cp, '/api/v1/namespaces/kube-system/serviceaccounts/default')).status).toBe(200);
  });

  it('survives being started twice: the second up reuses the running control plane', async () => {
    const first = testCluster();
    const again = await up({ name: first.name, ownerPid: first.owner?.pid });
    expect(again.reused).toBe(true);
    expect(again.apiServerUrl).toBe(first.apiServerUrl);
    expect(again.pids).toEqual(first.pids);
    expect((await apiGet(again, '/readyz')).status).toBe(200);
  });

  it('cluster CLI: up, status, then a crashed API server is replaced by a fresh control plane on the next up', () => {
    const started = cluster('up', '--name', 'harness-cli', '--no-controller-manager');
    expect(started.stderr).toMatch(/control plane "harness-cli" ready/);
    expect(started.status).toBe(0);
    const kubeconfig = started.stdout.trim();
    expect(existsSync(kubeconfig)).toBe(true);
    expect(cluster('status', '--name', 'harness-cli').status).toBe(0);

    const before = readState('harness-cli');
    if (!before) throw new Error('no state after up');
    process.kill(before.pids.apiserver, 'SIGKILL');
    const status = cluster('status', '--name', 'harness-cli');
    expect(status.status).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false });

    const again = cluster('up', '--name', 'harness-cli', '--no-controller-manager');
    expect(again.status).toBe(0);
    const after = readState('harness-cli');
    expect(after?.pids.etcd).not.toBe(before.pids.etcd);
    // The stale etcd of the crashed run was stopped, not left running beside the new one.
    expect(isOurs(before.pids.etcd, before.dir)).toBe(false);
    expect(cluster('down', '--name', 'harness-cli').status).toBe(0);
    expect(readState('harness-cli')).toBeUndefined();
  });

  it('cleans up after a killed run: processes owned by a dead owner are stopped and their files removed', async () => {
    const owner = spawn('sleep', ['600'], { stdio: 'ignore' });
    if (!owner.pid) throw new Error('could not start owner');
    const cp = await up({ name: 'harness-orphan', ownerPid: owner.pid, controllerManager: false });
    expect(pidsOf(cp).every((pid) => isOurs(pid, cp.dir))).toBe(true);
    expect(await sweepOrphans()).not.toContain('harness-orphan');

    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('exit', resolve));
    expect(await sweepOrphans()).toContain('harness-orphan');
    expect(pidsOf(cp).some((pid) => isOurs(pid, cp.dir))).toBe(false);
    expect(existsSync(cp.dir)).toBe(false);
  });

  it('rejects a control plane name that could escape its directory', async () => {
    await expect(up({ name: '../etc' })).rejects.toThrow(/invalid control plane name "\.\.\/etc"/);
  });
});
