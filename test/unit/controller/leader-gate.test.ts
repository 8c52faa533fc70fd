import { describe, expect, it } from '@jest/globals';
import { LeaderGate } from '../../../src/controller/leader-gate.ts';
import { defaultConfig } from '../../../src/config/fields.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { Metrics } from '../../../src/observe/metrics.ts';
import { UnusedKube } from '../../support/unused-kube.ts';

function gate(options: { election: boolean; dryRun: boolean }) {
  const config = defaultConfig({});
  config.leaderElection.enabled = options.election;
  config.dryRun = options.dryRun;
  const metrics = new Metrics({ processMetrics: false });
  return { gate: new LeaderGate(new UnusedKube(), config, 'me', metrics, createLogger({ silent: true })), metrics };
}

const leaderGauge = async (metrics: Metrics) => (await metrics.registry.getSingleMetricAsString('kubernaut_toolset_leader')).split('\n').at(-1);

describe('LeaderGate', () => {
  it('without election this replica decides and writes', async () => {
    const { gate: g, metrics } = gate({ election: false, dryRun: false });
    expect([g.election, g.leading, g.mayWrite]).toEqual([false, true, true]);
    expect(await leaderGauge(metrics)).toBe('kubernaut_toolset_leader 1');
  });

  it('a dry run decides like a leader, writes like nobody, and campaigns for no Lease', async () => {
    const { gate: g, metrics } = gate({ election: true, dryRun: true });
    expect([g.election, g.leading, g.mayWrite]).toEqual([false, true, false]);
    expect(await leaderGauge(metrics)).toBe('kubernaut_toolset_leader 0');
  });

  it('with election, nobody writes until the Lease is won', async () => {
    const { gate: g, metrics } = gate({ election: true, dryRun: false });
    expect([g.election, g.leading, g.mayWrite]).toEqual([true, false, false]);
    expect(await leaderGauge(metrics)).toBe('kubernaut_toolset_leader 0');
  });
});
