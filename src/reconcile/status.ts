import type { WriteResult } from '../output/configmap-writer.ts';
import type { ConsumerPolicyStatus } from '../output/consumer-policy-writer.ts';

export type ServiceVerdict = 'included' | 'unhealthy' | 'pending' | 'shadowed' | 'rejected';

/** One Service in /status: what it is, what became of it, and why. */
export interface ServiceStatus {
  namespace: string;
  name: string;
  verdict: ServiceVerdict;
  /** Machine-readable cause: a rejection or health failure reason, Shadowed, Healthy, or EndpointChanged (included
   * with the entry of its previous endpoint while the new one is checked). */
  reason: string;
  message: string;
  type?: string;
  toolset?: string;
  endpoint?: string;
  healthUrl?: string;
  lastCheck?: string;
  consecutiveFailures?: number;
}

export interface OutputStatus {
  namespace: string;
  name: string;
  key: string;
  hash?: string;
  bytes?: number;
  lastWrite?: { result: WriteResult; at: string; message?: string };
  /** Set while the last good output is kept because the new one could not be written. */
  problem?: string;
  /** Set while HolmesGPT refuses the operator's in-place reloads (its API key); cleared by the next reload. */
  reloadProblem?: string;
  /** With reload.inPlace: each HolmesGPT pod and the content hash it has loaded, as of the last reload run. */
  consumerPods?: { pod: string; loadedHash?: string; current: boolean }[];
}

export interface StatusSnapshot {
  lastReconcile?: { at: string; durationMs: number; ok: boolean; error?: string };
  toolsets: string[];
  output: OutputStatus;
  /** HolmesGPT's egress policy, when the operator owns one (consumer.networkPolicy). */
  consumerPolicy?: ConsumerPolicyStatus;
  services: ServiceStatus[];
}
