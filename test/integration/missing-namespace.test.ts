// The output namespace does not exist: the operator can neither hold its Lease nor write its ConfigMap. It must say
// so (readiness, /status, log) with the fix, and recover by itself once the namespace is created.
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { HttpTarget } from '../support/http-target.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';

describe('a missing output namespace', () => {
  const { core } = fixtureApi();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function scenario(leaderElection: boolean): Promise<{ running: RunningOperator; output: string }> {
    const ns = await freshNamespace(core, 'missing-out');
    const output = `absent-${randomBytes(3).toString('hex')}`;
    const target = await HttpTarget.start('healthy');
    cleanup.push(() => target.close());
    await createServices(core, ns, [{ name: 'api', type: 'custom', endpoint: target.url }]);
    const running = await startOperator(testConfig(ns, { output: { namespace: output }, tenancy: { trustedNamespaces: [ns] }, leaderElection: { enabled: leaderElection } }));
    cleanup.push(() => running.stop(), () => core.deleteNamespace({ name: output }).catch(() => undefined));
    return { running, output };
  }

  it.each([
    ['without leader election, the ConfigMap write', false, 'ConfigMap kubernaut-toolset-config cannot be written'],
    ['with leader election, the Lease', true, 'the Lease kubernaut-toolset cannot be created'],
  ])('%s: not ready, saying which namespace and how to fix it; recovers once it exists', async (_title, election, consequence) => {
    const { running, output } = await scenario(election);
    const expected = `namespace ${output} does not exist, so ${consequence}: create it (kubectl create namespace ${output}) or set output.namespace to an existing namespace`;
    const blocked = await waitFor(() => {
      const readiness = running.operator.readiness();
      return !readiness.ok && readiness.reason === expected ? readiness : undefined;
    }, { timeoutMs: 20_000, describe: () => `readiness to name the missing namespace (now ${JSON.stringify(running.operator.readiness())})` });
    expect(blocked.ok).toBe(false);
    const status = running.operator.status();
    expect(election ? status.leader.problem : status.output.problem).toBe(expected);

    await core.createNamespace({ body: { metadata: { name: output } } });
    const out = await outputWhere(core, output, (o) => Object.keys(o.toolsets).some((n) => n.endsWith('/api')), 'the toolset written in the new namespace', 60_000);
    expect(Object.keys(out.toolsets)).toHaveLength(1);
    await waitFor(() => (running.operator.readiness().ok ? true : undefined), { timeoutMs: 20_000, describe: () => `readiness after the fix (now ${JSON.stringify(running.operator.readiness())})` });
    expect(running.operator.status().leader.problem).toBeUndefined();
  }, 90_000);
});
