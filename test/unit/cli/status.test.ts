import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { status, type StatusOutput } from '../../../src/cli/status.ts';
import type { ConsumerPod } from '../../../src/kube/objects.ts';
import { UnusedKube } from '../../support/unused-kube.ts';

const snapshot = (leading: boolean) => ({
  ready: true, dryRun: false, leader: { election: true, leading, identity: leading ? 'a' : 'b' }, toolsets: ['prometheus/metrics'],
  output: { namespace: 'kubernaut-system', name: 'kubernaut-toolset-config', key: 'toolset.yaml', hash: 'abcdef0123456789' },
  services: [
    { namespace: 'monitoring', name: 'prometheus', verdict: 'included', reason: 'Healthy', message: 'HTTP 200 in 12 ms', type: 'prometheus', toolset: 'prometheus/metrics', endpoint: 'http://prometheus.monitoring.svc:9090', lastCheck: '2026-12-07T18:00:00.000Z', consecutiveFailures: 0 },
    { namespace: 'team-a', name: 'api', verdict: 'rejected', reason: 'RouteNotAllowed', message: 'the endpoint names Service team-a/hop of type ExternalName' },
  ],
});

/** Two operator pods behind the API server's pod proxy; the one named `leader` leads. */
class Operators extends UnusedKube {
  readonly asked: string[] = [];
  readonly pods: ConsumerPod[];
  readonly leader: string;
  constructor(pods: ConsumerPod[], leader: string) {
    super();
    this.pods = pods;
    this.leader = leader;
  }
  override listPods(namespace: string, selector: string): Promise<ConsumerPod[]> {
    this.asked.push(`list ${namespace} ${selector}`);
    return Promise.resolve(this.pods);
  }
  override getPodProxy(namespace: string, pod: string, port: number, path: string): Promise<string> {
    this.asked.push(`get ${namespace}/${pod}:${port}${path}`);
    return Promise.resolve(JSON.stringify(snapshot(pod === this.leader)));
  }
}

const pod = (name: string, ready = true): ConsumerPod => ({ name, namespace: 'kubernaut-system', uid: name, ready, annotations: {} });

async function run(kube: UnusedKube, output: StatusOutput) {
  let out = '';
  let err = '';
  const code = await status({ kube, namespace: 'kubernaut-system', selector: 'app.kubernetes.io/name=kubernaut-toolset', port: 8080, output, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('kubernaut-toolset status', () => {
  it('prints the leader\'s table: the output, then one row per Service', async () => {
    const kube = new Operators([pod('standby'), pod('leader')], 'leader');
    const { code, out } = await run(kube, 'table');
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      'pod leader (leading, ready); output kubernaut-system/kubernaut-toolset-config key toolset.yaml sha256 abcdef012345',
      '',
      'SERVICE                VERDICT   TOOLSET             REASON           LAST CHECK                DETAIL',
      'monitoring/prometheus  included  prometheus/metrics  Healthy          2026-12-07T18:00:00.000Z  HTTP 200 in 12 ms',
      'team-a/api             rejected  -                   RouteNotAllowed  -                         the endpoint names Service team-a/hop of type ExternalName',
      '',
    ]);
    expect(kube.asked).toContain('get kubernaut-system/leader:8080/status');
  });

  it('-o wide adds type, endpoint and failures; -o json and -o yaml print the whole status', async () => {
    const kube = new Operators([pod('leader')], 'leader');
    expect((await run(kube, 'wide')).out).toMatch(/^SERVICE .* TYPE +ENDPOINT +FAILURES +DETAIL$/m);
    expect(JSON.parse((await run(kube, 'json')).out)).toEqual(snapshot(true));
    expect(load((await run(kube, 'yaml')).out)).toEqual(snapshot(true));
  });

  it('says so, and exits 1, when no operator pod is ready', async () => {
    const { code, err } = await run(new Operators([pod('starting', false)], 'x'), 'table');
    expect(code).toBe(1);
    expect(err).toBe('kubernaut-toolset status: no ready pod app.kubernetes.io/name=kubernaut-toolset in namespace kubernaut-system (-n NAMESPACE, --selector)\n');
  });
});
