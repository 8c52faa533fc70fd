import type { ObjectReference } from '../kube/objects.ts';
import { outputEventKey, type EventRecorder } from '../observe/events.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { ReloadStamper } from './reload-stamper.ts';

export interface RolloutsDeps {
  stamper: ReloadStamper;
  /** reload.minInterval: the least time between two rollouts. */
  minIntervalMs: number;
  now: () => number;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
}

/**
 * Rolls the consumer Deployment for a new content hash, at most once per reload.minInterval: a rollout asked for
 * sooner is held back and folded into one at the end of the interval, for whatever hash is newest then (a tenant
 * editing its description over and over must not keep HolmesGPT restarting). A rollout is owed after each content
 * change and once after start-up (to repair one an earlier process missed), until one succeeds.
 */
export class Rollouts {
  readonly #deps: RolloutsDeps;
  #owed = true;
  #lastAt: number | undefined;
  #deferred: { hash: string; timer: NodeJS.Timeout } | undefined;

  constructor(deps: RolloutsDeps) {
    this.#deps = deps;
  }

  get owed(): boolean {
    return this.#owed;
  }

  owe(): void {
    this.#owed = true;
  }

  async roll(hash: string, regarding: ObjectReference): Promise<void> {
    const { stamper, metrics, events, log } = this.#deps;
    const target = `${stamper.namespace}/${stamper.deployment}`;
    const now = this.#deps.now();
    const waitMs = this.#lastAt === undefined ? 0 : this.#lastAt + this.#deps.minIntervalMs - now;
    if (waitMs > 0) {
      this.#defer(hash, regarding, waitMs, target);
      return;
    }
    const report = (type: 'Normal' | 'Warning', reason: string, message: string) =>
      events.report(outputEventKey('Reload'), { regarding, type, reason, message });
    try {
      const result = await stamper.stamp(hash);
      metrics.reloadStamps.inc({ result });
      this.#owed = false;
      if (result === 'stamped') {
        this.#lastAt = now;
        log.info('consumer Deployment rolled for the new toolset file', { deployment: target, hash });
        report('Normal', 'ConsumerReloaded', `Deployment ${target} rolled for sha256 ${hash.slice(0, 12)}`);
      } else if (result === 'missing') {
        report('Warning', 'ReloadTargetMissing', `reload.deployment ${target} does not exist`);
      }
    } catch (error) {
      metrics.reloadStamps.inc({ result: 'error' });
      log.warn('could not roll the consumer Deployment; will retry', { deployment: target, error: (error as Error).message });
      report('Warning', 'ReloadFailed', (error as Error).message);
    }
  }

  #defer(hash: string, regarding: ObjectReference, waitMs: number, target: string): void {
    const { metrics, log } = this.#deps;
    if (this.#deferred) clearTimeout(this.#deferred.timer);
    else log.info('consumer rollout held back by reload.minInterval', { deployment: target, hash, inMs: waitMs });
    const timer = setTimeout(() => {
      const deferred = this.#deferred;
      this.#deferred = undefined;
      if (deferred) this.roll(deferred.hash, regarding).catch((error: unknown) => log.error('deferred rollout failed', { error: (error as Error).message }));
    }, waitMs);
    timer.unref();
    this.#deferred = { hash, timer };
    metrics.reloadStamps.inc({ result: 'deferred' });
  }
}
