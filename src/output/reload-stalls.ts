import type { ObjectReference } from '../kube/objects.ts';
import { outputEventKey, type EventRecorder } from '../observe/events.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
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

/**
 * Names the toolsets whose checks held HolmesGPT's reload up (SPEC §6: a tenant's stalling server is attributed): a
 * Warning Event on the output ConfigMap, a count per toolset, and a log line.
 */
export function reportReloadStalls(
  stalls: readonly ReloadStall[],
  run: { seconds: number; target: string; regarding: ObjectReference },
  report: { events: EventRecorder; metrics: Metrics; log: Logger },
): void {
  const { seconds, target, regarding } = run;
  for (const s of stalls) report.metrics.reloadStalls.inc({ toolset: s.toolset });
  const names = stalls.map((s) => s.toolset);
  report.log.warn('HolmesGPT\'s reload waited out its prerequisite deadline for some toolsets', { deployment: target, seconds, toolsets: names });
  report.events.report(outputEventKey('ReloadStall'), {
    regarding, type: 'Warning', reason: 'ConsumerReloadStalled',
    message: `the in-place reload of Deployment ${target} took ${seconds.toFixed(1)} s: HolmesGPT gave up waiting for the prerequisite check of ${names.join(', ')} (${stalls[0]?.error ?? ''}); those toolsets are failed in HolmesGPT until its next status refresh`,
  });
}
