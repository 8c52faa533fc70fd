import { createHash } from 'node:crypto';
import { inOutputNamespace, type OperatorConfig } from '../config/operator-config.ts';
import type { KubeClient } from '../kube/client.ts';
import { outputEventKey, type EventRecorder } from '../observe/events.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { backendRules, consumerPolicy, type Backend, type ConsumerPolicySettings } from '../reconcile/consumer-policy.ts';
import { FIELD_MANAGER, MANAGED_BY_LABEL } from './configmap-writer.ts';

export const POLICY_HASH_ANNOTATION = 'kubernaut.io/policy-hash';

/** What /status shows of HolmesGPT's egress policy. */
export interface ConsumerPolicyStatus {
  namespace: string;
  name: string;
  /** The toolsets whose pods the policy lets HolmesGPT reach, counted by distinct pod selector and port. */
  backends: number;
  /** Written toolsets the policy has no rule for (no in-cluster Service behind them): the admin's egress must cover them. */
  uncovered: string[];
  lastWrite?: { result: 'applied' | 'unchanged' | 'error'; at: string; message?: string };
}

export interface ConsumerPolicyWriterDeps {
  kube: Pick<KubeClient, 'applyNetworkPolicy' | 'getDeploymentSelector'>;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
}

/**
 * Keeps HolmesGPT's NetworkPolicy equal to what the written toolsets need: applied (server-side, whole spec) only
 * when it differs from the last one applied, before the toolset file that relies on it. HolmesGPT's pods come from
 * the admin's selector or, read once, reload.deployment's own.
 */
export class ConsumerPolicyWriter {
  readonly #deps: ConsumerPolicyWriterDeps;
  readonly #settings: Omit<ConsumerPolicySettings, 'podSelector'> & { podSelector: Record<string, unknown> };
  readonly #deployment: { namespace: string; name: string } | undefined;
  #selector: Record<string, unknown> | undefined;
  #applied: string | undefined;
  #status: ConsumerPolicyStatus;
  readonly #dryRun: boolean;

  constructor(config: OperatorConfig, deps: ConsumerPolicyWriterDeps) {
    const policy = config.consumer.networkPolicy;
    this.#deps = deps;
    this.#dryRun = config.dryRun;
    this.#deployment = config.reload.deployment ? inOutputNamespace(config, config.reload.deployment) : undefined;
    const namespace = this.#deployment?.namespace ?? config.output.namespace;
    this.#settings = { namespace, name: policy.name, podSelector: policy.podSelector, dns: policy.dns, egress: policy.egress, ingress: policy.ingress };
    this.#status = { namespace, name: policy.name, backends: 0, uncovered: [] };
  }

  get status(): ConsumerPolicyStatus {
    return this.#status;
  }

  /** Applies the policy for these backends when it changed; never throws (a failure is reported and retried). */
  async write(backends: readonly Backend[], uncovered: readonly string[]): Promise<'applied' | 'unchanged' | 'error'> {
    const { kube, metrics, events, log } = this.#deps;
    const { namespace, name } = this.#settings;
    const at = new Date().toISOString();
    try {
      const podSelector = await this.#podSelector();
      const spec = consumerPolicy(backends, { ...this.#settings, podSelector });
      const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
      this.#status = { ...this.#status, backends: backendRules(backends).length, uncovered: [...uncovered] };
      if (hash === this.#applied) return 'unchanged';
      await kube.applyNetworkPolicy({
        namespace, name, labels: { [MANAGED_BY_LABEL]: FIELD_MANAGER }, annotations: { [POLICY_HASH_ANNOTATION]: hash }, spec,
      }, { fieldManager: FIELD_MANAGER, force: true, dryRun: this.#dryRun });
      this.#applied = hash;
      metrics.consumerPolicyWrites.inc({ result: 'applied' });
      events.forget(outputEventKey('PolicyProblem'));
      log.info('HolmesGPT\'s NetworkPolicy applied', { namespace, name, hash: hash.slice(0, 12), backends: this.#status.backends, uncovered });
      this.#status = { ...this.#status, lastWrite: { result: 'applied', at } };
      return 'applied';
    } catch (error) {
      const message = `NetworkPolicy ${namespace}/${name} not applied; the one in place is kept: ${(error as Error).message}`;
      metrics.consumerPolicyWrites.inc({ result: 'error' });
      log.error('HolmesGPT\'s NetworkPolicy not applied', { namespace, name, error: (error as Error).message });
      events.report(outputEventKey('PolicyProblem'), {
        regarding: { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace, name }, type: 'Warning', reason: 'ConsumerPolicyFailed', message,
      });
      this.#status = { ...this.#status, lastWrite: { result: 'error', at, message } };
      return 'error';
    }
  }

  async #podSelector(): Promise<Record<string, unknown>> {
    if (Object.keys(this.#settings.podSelector).length > 0) return this.#settings.podSelector;
    if (this.#selector) return this.#selector;
    const target = this.#deployment;
    if (!target) throw new Error('no HolmesGPT pods to select: set reload.deployment or consumer.networkPolicy.podSelector');
    const selector = await this.#deps.kube.getDeploymentSelector(target.namespace, target.name);
    if (!selector) throw new Error(`reload.deployment ${target.namespace}/${target.name} does not exist, so HolmesGPT's pods are unknown`);
    // A Deployment's selector is immutable: read once.
    this.#selector = selector;
    return selector;
  }
}
