import { Subject, type Observable } from 'rxjs';
import type { OperatorConfig } from '../config/operator-config.ts';
import type { KubeClient } from '../kube/client.ts';
import { LeaseElector } from '../leader/lease-elector.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { missingNamespace } from '../output/missing-namespace.ts';

/**
 * Who may write: the one leader when leader election is on, this replica alone when it is off, nobody in a dry
 * run (which mutates nothing, not even a Lease: it computes like a leader and writes like nobody).
 */
export class LeaderGate {
  readonly #elector: LeaseElector | undefined;
  readonly #dryRun: boolean;
  readonly #won = new Subject<void>();
  readonly #lease: { namespace: string; name: string };

  constructor(kube: KubeClient, config: OperatorConfig, identity: string, metrics: Metrics, log: Logger) {
    const le = config.leaderElection;
    this.#dryRun = config.dryRun;
    this.#lease = { namespace: config.output.namespace, name: le.leaseName };
    this.#elector = le.enabled && !config.dryRun
      ? new LeaseElector(kube, log, {
          namespace: config.output.namespace, name: le.leaseName, identity,
          leaseDurationMs: le.leaseDurationMs, renewDeadlineMs: le.renewDeadlineMs, retryPeriodMs: le.retryPeriodMs,
          onChange: (leading) => {
            metrics.leader.set(leading ? 1 : 0);
            if (leading) this.#won.next();
          },
        })
      : undefined;
    metrics.leader.set(this.#elector || config.dryRun ? 0 : 1);
  }

  /** Emits each time this replica becomes the leader. */
  get won$(): Observable<void> {
    return this.#won.asObservable();
  }

  get election(): boolean {
    return this.#elector !== undefined;
  }

  /** This replica leads (or is the only one): it computes and decides the output, dry run or not. */
  get leading(): boolean {
    return !this.#elector || this.#elector.leading;
  }

  /** Only the leader writes (and records Events), and nobody does in a dry run. */
  get mayWrite(): boolean {
    return !this.#dryRun && (!this.#elector || this.#elector.leading);
  }

  /**
   * Set while this replica cannot take part in the election at all: the Lease's namespace (the output namespace)
   * does not exist. Without it nobody ever leads and nothing is ever written, which must not look healthy.
   */
  get problem(): string | undefined {
    if (!this.#elector?.lastError?.notFound) return undefined;
    const { namespace, name } = this.#lease;
    return missingNamespace(namespace, `the Lease ${name} cannot be created`);
  }

  start(): void {
    this.#elector?.start();
  }

  async stop(): Promise<void> {
    await this.#elector?.stop();
    this.#won.complete();
  }
}

