import type { Candidate } from './candidate.ts';
import { httpToolName } from './tool-name.ts';
import { isHttpToolsetType } from './toolset-types.ts';

export interface Shadowed {
  candidate: Candidate;
  /** The key of the Service that holds the toolset instead (or, with `admin`, the base layer that does). */
  by: string;
  /** The admin's own configuration (the base layer) has an entry of this name, which wins over any Service. */
  admin?: true;
  /** Set when what was contested is the tool name HolmesGPT derives, not the toolset name. */
  tool?: string;
}

/** A trusted namespace's Service before any other: a tenant never takes a name from the platform (SPEC §6). */
const trustFirst = (a: Candidate, b: Candidate) => Number(b.trusted) - Number(a.trusted);

/** Trusted first, then highest priority, then the oldest Service, then namespace/name: total and stable. */
export function claimOrder(a: Candidate, b: Candidate): number {
  return trustFirst(a, b) || b.priority - a.priority || instant(a.createdAt) - instant(b.createdAt) || a.key.localeCompare(b.key);
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
 * For generated names the contest is the tool name: custom/a-b/c and custom/a/b-c both become the tool
 * custom_a_b_c_request. Priority does not count there (a tenant sets it), only trust, age and name.
 */
function toolOrder(a: Candidate, b: Candidate): number {
  return trustFirst(a, b) || instant(a.createdAt) - instant(b.createdAt) || a.key.localeCompare(b.key);
}

/**
 * A HolmesGPT toolset name, and a tool name, can appear once. Of several candidates claiming one, the first in
 * claimOrder (toolOrder for generated names) wins; the others are shadowed, and reported as such rather than
 * silently dropped.
 */
export function resolveClaims(candidates: readonly Candidate[]): { winners: Candidate[]; shadowed: Shadowed[] } {
  const byClaim = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const claim = isHttpToolsetType(c.type) ? httpToolName(c.toolset) : c.toolset;
    byClaim.set(claim, [...(byClaim.get(claim) ?? []), c]);
  }
  const winners: Candidate[] = [];
  const shadowed: Shadowed[] = [];
  for (const [claim, claimants] of byClaim) {
    const [winner, ...rest] = [...claimants].sort(winnerOf(claimants));
    if (!winner) continue;
    winners.push(winner);
    for (const loser of rest) shadowed.push({ candidate: loser, by: winner.key, ...(isHttpToolsetType(loser.type) ? { tool: claim } : {}) });
  }
  winners.sort((a, b) => a.toolset.localeCompare(b.toolset));
  return { winners, shadowed };
}

function winnerOf(claimants: readonly Candidate[]): (a: Candidate, b: Candidate) => number {
  return claimants[0] && isHttpToolsetType(claimants[0].type) ? toolOrder : claimOrder;
}
