import { EMPTY, type Observable } from 'rxjs';
import { inOutputNamespace, type OperatorConfig } from '../config/operator-config.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ConfigMap, ObjectReference } from '../kube/objects.ts';
import { outputEventKey, type EventRecorder } from '../observe/events.ts';
import { objectRef, type Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { OutputDocument } from '../reconcile/output-document.ts';
import type { OutputStatus } from './output-status.ts';
import { ConfigMapWriter, type WriteOutcome } from './configmap-writer.ts';
import { missingNamespace } from './missing-namespace.ts';
import { fetchConsumerHttp } from './consumer-http.ts';
import { InPlaceReloader, type InPlaceResult } from './in-place-reloader.ts';
import { reportReloadStalls } from './reload-stalls.ts';
import { ReloadStamper } from './reload-stamper.ts';
import { Rollouts } from './rollouts.ts';

export interface PublisherDeps {
  writer: ConfigMapWriter;
  /** Rolls the consumer when the content changed (reload.deployment). */
  reload?: ReloadStamper;
  /** Reloads the consumer's pods in place (reload.inPlace); the stamper rolls the Deployment when that fails. */
  inPlace?: InPlaceReloader;
  /** reload.minInterval: the least time between two rollouts. */
  minRolloutIntervalMs?: number;
  now?: () => number;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  /** Told about every ConfigMap the API server returned from a write (the read-your-writes cache). */
  onStored?: (stored: ConfigMap) => void;
}

/**
 * Puts a planned document into the output ConfigMap (only when it differs from the live one), rolls the consumer
 * when asked to, and keeps the output's status, metrics and Events. A document that cannot be written leaves the
 * last good output in place and says why.
 */
export class OutputPublisher {
  readonly #deps: PublisherDeps;
  #status: OutputStatus;
  #notOwned = false;
  #namespaceMissing = false;
  readonly #rollouts: Rollouts | undefined;

  constructor(deps: PublisherDeps) {
    this.#deps = deps;
    const { reload, minRolloutIntervalMs = 0, now = Date.now, events, metrics, log } = deps;
    this.#rollouts = reload ? new Rollouts({ stamper: reload, minIntervalMs: minRolloutIntervalMs, now, events, metrics, log }) : undefined;
    const { namespace, name, key } = deps.writer.target;
    this.#status = { namespace, name, key };
  }

  get status(): OutputStatus {
    return this.#status;
  }

  /** The output cannot be written until someone acts (not ours, or no such namespace): not ready, and why. */
  get blocked(): string | undefined {
    if (this.#notOwned) return this.#status.problem ?? 'output ConfigMap not owned';
    return this.#namespaceMissing ? this.#status.problem : undefined;
  }

  async publish(document: OutputDocument, live: ConfigMap | undefined, firstEventAt?: number): Promise<WriteOutcome | undefined> {
    const { writer, metrics, events, log } = this.#deps;
    const regarding = this.#reference(live);
    if (!document.ok) {
      const base = document.cause === 'base';
      (base ? metrics.baseLayerInvalid : metrics.overridesInvalid).inc();
      log.warn(`${base ? 'base layer unusable' : 'overrides.yaml invalid'}; keeping the last good output`, { error: document.error });
      this.#problem(`${document.error}; the last good output is kept`, base ? 'BaseLayerInvalid' : 'OverridesInvalid', regarding);
      return undefined;
    }
    events.forget(outputEventKey('OverridesInvalid'));
    events.forget(outputEventKey('BaseLayerInvalid'));
    const { content, hash } = document;
    const bytes = Buffer.byteLength(content);
    metrics.outputBytes.set(bytes);
    const outcome = await writer.write(content, hash, live);
    this.#notOwned = outcome.result === 'refused' && outcome.reason === 'NotOwned';
    this.#namespaceMissing = outcome.result === 'error' && outcome.notFound === true;
    metrics.configMapWrites.inc({ result: outcome.result });
    const at = new Date().toISOString();
    if (!outcome.ok) {
      const { namespace, name } = writer.target;
      const problem = this.#namespaceMissing ? missingNamespace(namespace, `ConfigMap ${name} cannot be written`) : outcome.message;
      log.error('ConfigMap not written; the last good output is kept', { result: outcome.result, error: problem });
      this.#problem(problem, outcome.result === 'refused' ? 'ToolsetConfigRefused' : 'ToolsetConfigWriteFailed', regarding);
      this.#status = { ...this.#status, lastWrite: { result: outcome.result, at, message: problem } };
      return outcome;
    }
    if (outcome.stored && !outcome.dryRun) this.#deps.onStored?.(outcome.stored);
    events.forget(outputEventKey('WriteProblem'));
    const { problem: _resolved, ...status } = this.#status;
    const changed = outcome.result !== 'unchanged';
    this.#status = { ...status, hash, bytes, ...(changed || !status.lastWrite ? { lastWrite: { result: outcome.result, at } } : {}) };
    if (changed) this.#rollouts?.owe();
    // In place, every publish asks: the reloader itself skips pods already at the hash, and looks again now and then.
    if (this.#deps.inPlace && !outcome.dryRun) this.#deps.inPlace.request(hash, document.marker);
    else if (this.#rollouts?.owed && !outcome.dryRun) await this.#rollouts.roll(hash, regarding);
    if (!changed) return outcome;
    if (firstEventAt !== undefined) metrics.eventToApplied.observe((Date.now() - firstEventAt) / 1000);
    const count = Object.keys(document.toolsets).length;
    log.info(outcome.dryRun ? 'dry run: ConfigMap would be written' : 'ConfigMap written', {
      result: outcome.result, ...objectRef('ConfigMap', status.namespace, status.name), hash, bytes,
      // A thousand names per write would drown the log; /status lists them all.
      ...(count <= 20 ? { toolsets: Object.keys(document.toolsets).sort() } : { toolsetCount: count }),
      ...(outcome.dryRun ? { content } : {}),
    });
    const uid = outcome.stored?.metadata.uid;
    events.report(outputEventKey('Updated'), {
      regarding: { ...regarding, ...(uid ? { uid } : {}) }, type: 'Normal', reason: 'ToolsetConfigUpdated',
      message: `${status.key} ${outcome.result}: ${count} toolsets, sha256 ${hash.slice(0, 12)}`,
    });
    return outcome;
  }

  #reference(live: ConfigMap | undefined): ObjectReference {
    const { namespace, name } = this.#deps.writer.target;
    return { kind: 'ConfigMap', apiVersion: 'v1', namespace, name, ...(live ? { uid: live.metadata.uid } : {}) };
  }

  #problem(problem: string, reason: string, regarding: ObjectReference): void {
    this.#status = { ...this.#status, problem };
    const topic = reason === 'OverridesInvalid' || reason === 'BaseLayerInvalid' ? reason : 'WriteProblem';
    this.#deps.events.report(outputEventKey(topic), { regarding, type: 'Warning', reason, message: problem });
  }

  /** The in-place reloader's outcomes (none without reload.inPlace), for the pipeline to compose with reloadedInPlace. */
  get reloadOutcomes$(): Observable<InPlaceResult> {
    return this.#deps.inPlace?.outcomes ?? EMPTY;
  }

  /** What an in-place run means: status, metrics, Events, and the rollout when the reload failed. */
  async reloadedInPlace(outcome: InPlaceResult): Promise<void> {
    const { inPlace, metrics, events, log } = this.#deps;
    if (!inPlace || outcome.result === 'skipped') return;
    const consumerPods = inPlace.loadedHashes.map(({ pod, hash }) => ({ pod, ...(hash ? { loadedHash: hash } : {}), current: hash === outcome.hash }));
    this.#status = { ...this.#status, consumerPods };
    const current = consumerPods.filter((p) => p.current).length;
    metrics.consumerPods.set({ state: 'current' }, current);
    metrics.consumerPods.set({ state: 'behind' }, consumerPods.length - current);
    metrics.inPlaceReloads.inc({ result: outcome.result === 'failed' && outcome.refused ? 'refused' : outcome.result });
    const target = `${inPlace.namespace}/${inPlace.deployment}`;
    const regarding = this.#reference(undefined);
    const report = (type: 'Normal' | 'Warning', reason: string, message: string) =>
      events.report(outputEventKey('Reload'), { regarding, type, reason, message });
    const short = outcome.hash.slice(0, 12);
    switch (outcome.result) {
      case 'reloaded': {
        const { reloadProblem: _resolved, reloadStalls: _previous, ...status } = this.#status;
        this.#status = { ...status, ...(outcome.stalls.length > 0 ? { reloadStalls: outcome.stalls } : {}) };
        metrics.inPlaceReloadDuration.observe(outcome.seconds);
        log.info('consumer reloaded in place', { deployment: target, hash: outcome.hash, pods: outcome.pods, seconds: outcome.seconds });
        report('Normal', 'ConsumerReloaded', `${outcome.pods.length} pod(s) of Deployment ${target} reloaded in place for sha256 ${short}`);
        if (outcome.stalls.length > 0) reportReloadStalls(outcome.stalls, { seconds: outcome.seconds, target, regarding }, this.#deps);
        return;
      }
      case 'missing':
        report('Warning', 'ReloadTargetMissing', `reload.deployment ${target} does not exist`);
        return;
      case 'error':
        log.warn('could not list the consumer pods; will retry', { deployment: target, error: outcome.message });
        report('Warning', 'ReloadFailed', outcome.message);
        return;
      case 'failed': {
        const message = `in-place reload of Deployment ${target} ${outcome.refused ? 'refused by HolmesGPT' : 'failed'}, rolling it instead: ${outcome.failures.join('; ')}`;
        log.warn(`in-place reload ${outcome.refused ? 'refused' : 'failed'}; rolling the consumer Deployment`, { deployment: target, hash: outcome.hash, failures: outcome.failures, reloaded: outcome.reloaded });
        report('Warning', outcome.refused ? 'InPlaceReloadRefused' : 'InPlaceReloadFailed', message);
        if (outcome.refused) this.#status = { ...this.#status, reloadProblem: message };
        this.#rollouts?.owe();
        await this.#rollouts?.roll(outcome.hash, regarding);
        return;
      }
      default:
    }
  }
}

/** The publisher the configuration asks for: the output ConfigMap, dry run or not, and the consumer to roll. */
export function publisherFor(kube: KubeClient, config: OperatorConfig, deps: Omit<PublisherDeps, 'writer' | 'reload'>): OutputPublisher {
  const writer = new ConfigMapWriter(kube, { ...config.output, dryRun: config.dryRun });
  const { deployment: target, inPlace, adminPort, hashPort, confirm, confirmTimeoutMs, apiKeySecret, apiKeySecretKey, minIntervalMs } = config.reload;
  if (!target) return new OutputPublisher({ writer, ...deps });
  const { namespace, name: deployment } = inOutputNamespace(config, target);
  const reload = new ReloadStamper(kube, namespace, deployment);
  if (!inPlace) return new OutputPublisher({ writer, reload, minRolloutIntervalMs: minIntervalMs, ...deps });
  const reloader = new InPlaceReloader({
    kube, http: fetchConsumerHttp, namespace, deployment, adminPort, hashPort, confirm, confirmTimeoutMs,
    ...(apiKeySecret ? { apiKeySecret: { name: apiKeySecret, key: apiKeySecretKey } } : {}),
  });
  return new OutputPublisher({ writer, reload, inPlace: reloader, minRolloutIntervalMs: minIntervalMs, ...deps });
}
