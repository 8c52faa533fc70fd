import type { ConsumerPolicyStatus } from '../output/consumer-policy-writer.ts';
import type { OutputStatus } from '../output/output-status.ts';
import type { ServiceStatus } from '../reconcile/status.ts';

/** What /status answers: the last reconcile, the output and HolmesGPT's egress policy, and every Service's verdict. */
export interface StatusSnapshot {
  lastReconcile?: { at: string; durationMs: number; ok: boolean; error?: string };
  toolsets: string[];
  output: OutputStatus;
  /** HolmesGPT's egress policy, when the operator owns one (consumer.networkPolicy). */
  consumerPolicy?: ConsumerPolicyStatus;
  services: ServiceStatus[];
}
