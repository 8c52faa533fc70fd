import type { KubeClient } from '../kube/client.ts';
import type { KubeApiError } from '../kube/errors.ts';
import { missingNamespace } from '../output/missing-namespace.ts';
import type { Lease } from '../kube/objects.ts';
import { objectRef, type Logger } from '../observe/logger.ts';
import { sleep } from '../retry/backoff.ts';

export interface LeaseElectorOptions {
  namespace: string;
  name: string;
  /** Unique per process: pod name plus a random suffix. */
  identity: string;
  leaseDurationMs: number;
  /** A leader that has not renewed for this long steps down, before anyone else may take over. */
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onChange: (leading: boolean) => void;
}

/**
 * Leader election on a coordination.k8s.io Lease, the way client-go does it: the holder renews every retry
 * period; others take over once they have seen the same record unchanged for a whole lease duration (measured on
 * their own clock, so clock skew between nodes does not matter); a leader that cannot renew within the renew
 * deadline stops leading first. Every update carries the resourceVersion it read, so two candidates never both win.
 */
export class LeaseElector {
  readonly #kube: KubeClient;
  readonly #log: Logger;
  readonly #o: LeaseElectorOptions;
  #leading = false;
  #lastRenew = 0;
  #observed: { record: string; at: number } | undefined;
  #lastError: KubeApiError | undefined;
  /** How leadership was last won, for the log: a new Lease, a released one (a clean handover), or an expired one. */
  #acquired = 'new';
  #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(kube: KubeClient, log: Logger, options: LeaseElectorOptions) {
    this.#kube = kube;
    this.#log = log;
    this.#o = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Why the last Lease call failed, until one succeeds. */
  get lastError(): KubeApiError | undefined {
    return this.#lastError;
  }

  start(): void {
    this.#stop = new AbortController();
    this.#loop ??= this.#run(this.#stop.signal);
  }

  /** Stops campaigning and, when leading, hands the Lease back so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#loop = undefined;
    if (!this.#leading) return;
    this.#set(false);
    try {
      const lease = await this.#kube.getLease(this.#o.namespace, this.#o.name);
      if (lease?.holderIdentity === this.#o.identity) {
        // A 1-second lease with no holder: the others see it expire on their next retry.
        await this.#kube.updateLease({ ...lease, holderIdentity: '', leaseDurationSeconds: 1 });
        this.#log.info('leadership released', objectRef('Lease', this.#o.namespace, this.#o.name));
      }
    } catch (error) {
      this.#log.warn('could not release the Lease; another replica takes over when it expires', { error: (error as Error).message });
    }
  }

  #set(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.#log.info(leading ? 'became leader' : 'stopped leading', {
      identity: this.#o.identity, ...objectRef('Lease', this.#o.namespace, this.#o.name), ...(leading ? { acquired: this.#acquired } : {}),
    });
    this.#o.onChange(leading);
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#tryAcquireOrRenew();
        this.#lastError = undefined;
      } catch (error) {
        this.#lastError = error as KubeApiError;
        const { namespace, name } = this.#o;
        if (this.#lastError.notFound) this.#log.error('leader election: cannot create the Lease', { error: missingNamespace(namespace, `the Lease ${name} cannot be created`) });
        else this.#log.warn('leader election: Lease call failed', { error: this.#lastError.message });
      }
      if (this.#leading && Date.now() - this.#lastRenew > this.#o.renewDeadlineMs) this.#set(false);
      await sleep(this.#o.retryPeriodMs, signal);
    }
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const { namespace, name, identity, leaseDurationMs } = this.#o;
    const now = new Date();
    const lease = await this.#kube.getLease(namespace, name);
    const mine: Lease = {
      namespace, name, resourceVersion: '', holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), leaseTransitions: 0,
      acquireTime: now.toISOString(), renewTime: now.toISOString(),
    };
    if (!lease) {
      await this.#kube.createLease(mine);
      this.#acquired = 'new';
      this.#renewed();
      return;
    }
    const record = `${lease.holderIdentity}|${lease.renewTime ?? ''}|${lease.leaseDurationSeconds}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: Date.now() };
    if (lease.holderIdentity === identity) {
      await this.#kube.updateLease({ ...lease, renewTime: now.toISOString(), leaseDurationSeconds: mine.leaseDurationSeconds });
      this.#renewed();
      return;
    }
    const expired = !lease.holderIdentity || Date.now() - this.#observed.at > lease.leaseDurationSeconds * 1000;
    if (!expired) {
      this.#set(false);
      return;
    }
    await this.#kube.updateLease({ ...mine, resourceVersion: lease.resourceVersion, leaseTransitions: lease.leaseTransitions + 1 });
    this.#acquired = lease.holderIdentity ? `expired (held by ${lease.holderIdentity})` : 'released';
    this.#renewed();
  }

  #renewed(): void {
    this.#lastRenew = Date.now();
    this.#set(true);
  }
}
