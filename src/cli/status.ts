import { dump } from 'js-yaml';
import type { KubeClient } from '../kube/client.ts';
import type { ControllerStatus } from '../controller/controller.ts';
import { statusTable } from './status-table.ts';

export const STATUS_OUTPUTS = ['table', 'wide', 'json', 'yaml'] as const;
export type StatusOutput = (typeof STATUS_OUTPUTS)[number];

export interface StatusOptions {
  kube: Pick<KubeClient, 'listPods' | 'getPodProxy'>;
  namespace: string;
  /** The operator's pods (the chart's app.kubernetes.io/name label). */
  selector: string;
  /** Its HTTP port (the chart's http.port). */
  port: number;
  output: StatusOutput;
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * `kubernaut-toolset status`: what the running operator decided, read from its /status through the API server's pod
 * proxy (no port-forward), from the replica that leads (the one whose decisions are written). Exit 1 when no replica
 * answers.
 */
export async function status(options: StatusOptions): Promise<number> {
  const { kube, namespace, selector, port, output, out, err } = options;
  const pods = (await kube.listPods(namespace, selector)).filter((p) => p.ready);
  if (pods.length === 0) {
    err(`kubernaut-toolset status: no ready pod ${selector} in namespace ${namespace} (-n NAMESPACE, --selector)\n`);
    return 1;
  }
  const answers: { pod: string; status: ControllerStatus }[] = [];
  const problems: string[] = [];
  for (const pod of pods) {
    try {
      answers.push({ pod: pod.name, status: JSON.parse(await kube.getPodProxy(namespace, pod.name, port, '/status')) as ControllerStatus });
    } catch (error) {
      problems.push(`${pod.name}: ${(error as Error).message}`);
    }
  }
  const chosen = answers.find((a) => a.status.leader.leading) ?? answers[0];
  if (!chosen) {
    err(`kubernaut-toolset status: no operator pod answered /status on port ${port}: ${problems.join('; ')}\n`);
    return 1;
  }
  if (output === 'json') out(`${JSON.stringify(chosen.status, null, 2)}\n`);
  else if (output === 'yaml') out(dump(chosen.status, { lineWidth: -1, noRefs: true }));
  else {
    const o = chosen.status.output;
    const leading = chosen.status.leader.leading ? 'leading' : 'not leading';
    out(`pod ${chosen.pod} (${leading}${chosen.status.ready ? ', ready' : ', NOT READY'}); output ${o.namespace}/${o.name} key ${o.key}` +
      `${o.hash ? ` sha256 ${o.hash.slice(0, 12)}` : ''}${o.problem ? `; PROBLEM: ${o.problem}` : ''}\n\n`);
    out(statusTable(chosen.status, output === 'wide'));
  }
  return 0;
}
