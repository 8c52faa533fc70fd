import type { KubeClient } from '../kube/client.ts';
import { HASH_ANNOTATION } from './configmap-writer.ts';

export type StampResult = 'stamped' | 'unchanged' | 'missing';

/**
 * HolmesGPT reads its toolset file at start-up, so a new file needs new pods: the content hash is stamped on the
 * consumer Deployment's pod template, which rolls it. The stamp is compared first, so each content change rolls
 * the Deployment exactly once and unchanged content never touches it.
 */
export class ReloadStamper {
  readonly #kube: KubeClient;
  readonly namespace: string;
  readonly deployment: string;

  constructor(kube: KubeClient, namespace: string, deployment: string) {
    this.#kube = kube;
    this.namespace = namespace;
    this.deployment = deployment;
  }

  async stamp(hash: string): Promise<StampResult> {
    const annotations = await this.#kube.getPodTemplateAnnotations(this.namespace, this.deployment);
    if (annotations === undefined) return 'missing';
    if (annotations[HASH_ANNOTATION] === hash) return 'unchanged';
    await this.#kube.annotatePodTemplate(this.namespace, this.deployment, { [HASH_ANNOTATION]: hash });
    return 'stamped';
  }
}
