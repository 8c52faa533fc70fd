import { existsSync } from 'node:fs';
import { ClientNodeKube } from '../kube/client-node.ts';

/**
 * The API client of a command, or undefined (after saying why on stderr) when the kubeconfig cannot be used: a
 * missing file or an unknown --context is a usage mistake, reported before anything starts.
 */
export function kubeFor(kubeconfig: string | undefined, context: string | undefined, command: string): ClientNodeKube | undefined {
  if (kubeconfig !== undefined && !existsSync(kubeconfig)) {
    process.stderr.write(`kubernaut-toolset ${command}: --kubeconfig ${JSON.stringify(kubeconfig)}: no such file\n`);
    return undefined;
  }
  try {
    return kubeconfig ? ClientNodeKube.fromFile(kubeconfig, context) : ClientNodeKube.fromDefault(context);
  } catch (error) {
    process.stderr.write(`kubernaut-toolset ${command}: ${(error as Error).message}\n`);
    return undefined;
  }
}
