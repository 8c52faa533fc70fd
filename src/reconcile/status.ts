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
