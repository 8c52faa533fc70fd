import type { LoadedToolset } from './consumer-http.ts';

/**
 * HolmesGPT's error for a toolset whose prerequisite check missed the one deadline all checks of a load share
 * (holmes/core/toolset_manager.py 0.45.0, check_toolset_prerequisites: 'Prerequisite check did not complete within Ns').
 */
const PREREQ_TIMED_OUT = /did not complete within/;

/** A toolset that held a reload up: HolmesGPT's prerequisite deadline passed while its check was still running. */
export interface ReloadStall {
  toolset: string;
  pods: string[];
  /** HolmesGPT's error for it. */
  error: string;
}

/** The toolsets whose prerequisite check HolmesGPT gave up on in any reloaded pod, sorted, with the pods. */
export function stallsOf(outcomes: readonly { pod: string; loaded?: LoadedToolset[] | undefined }[]): ReloadStall[] {
  const stalls = new Map<string, ReloadStall>();
  for (const { pod, loaded } of outcomes) {
    for (const t of loaded ?? []) {
      if (t.status !== 'failed' || !PREREQ_TIMED_OUT.test(t.error)) continue;
      const stall = stalls.get(t.name) ?? { toolset: t.name, pods: [], error: t.error };
      stall.pods.push(pod);
      stalls.set(t.name, stall);
    }
  }
  return [...stalls.values()].sort((a, b) => a.toolset.localeCompare(b.toolset));
}
