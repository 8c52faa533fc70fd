import { detect, type DetectionOptions } from '../discovery/detect.ts';
import type { Service } from '../kube/objects.ts';
import { objectKey } from '../kube/objects.ts';

/**
 * The Service store the controller plans from: only the Services whose detection is not "ignored", each as last
 * seen. Most Services in a cluster are not ours, and a change to one of them (or a label or status change on one
 * of ours that detection ignores) must not hold the debounce's quiet window open: with 50 unrelated changes a
 * second the window would never close and every reaction would wait for the maximum delay. The detection result is
 * the fingerprint, so what counts as relevant is exactly what detection reads, and a plan detects the few thousand
 * Services that matter instead of every Service in the cluster.
 */
export class RelevantServices {
  readonly #options: DetectionOptions;
  readonly #relevant = new Map<string, { fingerprint: string; service: Service }>();

  constructor(options: DetectionOptions) {
    this.#options = options;
  }

  /** Records the event and returns true when the Service's detection result changed (in, out, or different). */
  changed(type: 'added' | 'modified' | 'deleted', service: Service): boolean {
    const key = objectKey(service.metadata);
    const before = this.#relevant.get(key)?.fingerprint;
    if (type === 'deleted') {
      this.#relevant.delete(key);
      return before !== undefined;
    }
    const after = fingerprint(service, this.#options);
    if (after === undefined) this.#relevant.delete(key);
    else this.#relevant.set(key, { fingerprint: after, service });
    return before !== after;
  }

  /** Detection itself changed (the trust labels did): every Service is judged again. */
  reconsider(services: readonly Service[]): void {
    for (const service of services) this.changed('modified', service);
  }

  /** The Services that matter (candidates or rejections), each as last seen. */
  services(): Service[] {
    return [...this.#relevant.values()].map((r) => r.service);
  }

  get size(): number {
    return this.#relevant.size;
  }
}

function fingerprint(service: Service, options: DetectionOptions): string | undefined {
  const detection = detect(service, options);
  return detection.kind === 'ignored' ? undefined : JSON.stringify(detection);
}
