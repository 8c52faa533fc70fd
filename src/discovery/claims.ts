import type { Candidate } from './candidate.ts';

export interface Shadowed {
  candidate: Candidate;
  /** The key of the Service that holds the toolset instead. */
  by: string;
}

/** Highest priority first, then the oldest Service, then namespace/name, so the choice is total and stable. */
export function claimOrder(a: Candidate, b: Candidate): number {
  return b.priority - a.priority || instant(a.createdAt) - instant(b.createdAt) || a.key.localeCompare(b.key);
}

/**
 * Creation times compared as instants: the API server writes UTC, but a manifest given to `render` may carry an
 * offset. An unreadable time counts as newest (a difference of two of them is NaN, which falls through to the name).
 */
function instant(rfc3339: string): number {
  const t = Date.parse(rfc3339);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/**
 * A HolmesGPT toolset name can appear once in the map. Of several candidates claiming one name, the first in
 * claimOrder wins; the others are shadowed, and reported as such rather than silently dropped.
 */
export function resolveClaims(candidates: readonly Candidate[]): { winners: Candidate[]; shadowed: Shadowed[] } {
  const byToolset = new Map<string, Candidate[]>();
  for (const c of candidates) byToolset.set(c.toolset, [...(byToolset.get(c.toolset) ?? []), c]);
  const winners: Candidate[] = [];
  const shadowed: Shadowed[] = [];
  for (const claimants of byToolset.values()) {
    const [winner, ...rest] = [...claimants].sort(claimOrder);
    if (!winner) continue;
    winners.push(winner);
    for (const loser of rest) shadowed.push({ candidate: loser, by: winner.key });
  }
  winners.sort((a, b) => a.toolset.localeCompare(b.toolset));
  return { winners, shadowed };
}
