import { trustedByLabel } from '../discovery/tenancy.ts';
import type { Namespace } from '../kube/objects.ts';

/**
 * The Namespaces the trust label currently marks. When the set changes, detection of their Services changes too,
 * including whether a Service is relevant at all (an auto-detected built-in is ignored in an untrusted namespace),
 * so `onChange` lets the Service store see every Service again.
 */
export class TrustLabels {
  #labelled: ReadonlySet<string> = new Set();
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  get labelled(): ReadonlySet<string> {
    return this.#labelled;
  }

  /** Takes the Namespaces as listed now; true when the trusted set changed. */
  update(namespaces: readonly Namespace[]): boolean {
    const next = trustedByLabel(namespaces);
    if (next.size === this.#labelled.size && [...next].every((n) => this.#labelled.has(n))) return false;
    this.#labelled = next;
    this.#onChange();
    return true;
  }
}
