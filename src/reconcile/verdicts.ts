import type { Candidate, Rejection } from '../discovery/candidate.ts';
import type { Shadowed } from '../discovery/claims.ts';
import type { EventRecord, ObjectReference } from '../kube/objects.ts';
import { serviceEventKey, type EventKey } from '../observe/events.ts';
import type { HealthView } from '../health/hysteresis.ts';
import type { ServiceStatus } from './status.ts';

/** An Event the plan asks for; the recorder sends it only when it differs from the last one under its key. */
export interface PlannedEvent {
  key: EventKey;
  event: EventRecord;
}

export interface Decisions {
  candidates: readonly Candidate[];
  rejections: readonly Rejection[];
  health: HealthView;
  /** false: health checks are off, so there is no check time or failure count to show. */
  checked: boolean;
  shadowed: readonly Shadowed[];
  /** Toolset names in the document. */
  written: ReadonlySet<string>;
  /** Services whose endpoint changed and whose previous entry is kept until the new one is checked. */
  pinned: ReadonlySet<string>;
  failureThreshold: number;
}

const serviceRef = (c: { service: { namespace: string; name: string; uid: string } }): ObjectReference => ({
  kind: 'Service', apiVersion: 'v1', namespace: c.service.namespace, name: c.service.name, uid: c.service.uid,
});

/** The verdict on every Service, and its Event, from the same decisions the output was made from. */
export function verdicts(d: Decisions): { verdicts: ServiceStatus[]; events: PlannedEvent[] } {
  const statuses: ServiceStatus[] = [];
  const events: PlannedEvent[] = [];
  const rejected = new Set(d.rejections.map((r) => r.key));
  const shadowedBy = new Map(d.shadowed.map((s) => [s.candidate.key, s]));
  for (const c of d.candidates) {
    if (rejected.has(c.key)) continue;
    const { status, event } = candidateVerdict(c, d, shadowedBy.get(c.key));
    statuses.push(status);
    if (event) events.push({ key: serviceEventKey(c.key), event: { regarding: serviceRef(c), ...event } });
  }
  for (const r of d.rejections) {
    statuses.push({ namespace: r.service.namespace, name: r.service.name, verdict: 'rejected', reason: r.reason, message: r.message });
    events.push({ key: serviceEventKey(r.key), event: { regarding: serviceRef(r), type: 'Warning', reason: 'ToolsetRejected', message: `${r.reason}: ${r.message}` } });
  }
  statuses.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { verdicts: statuses, events };
}

type EventBody = Omit<EventRecord, 'regarding'>;

function shadowMessage(c: Candidate, s: Shadowed): string {
  if (s.admin) return `${c.toolset} is configured by the platform team in ${s.by}, which takes precedence over discovered Services`;
  return s.tool === undefined
    ? `${c.toolset} is provided by Service ${s.by} (higher priority, older, or first by name)`
    : `the tool name ${s.tool}, which HolmesGPT derives from ${c.toolset}, is taken by Service ${s.by} (older, or first by name); rename one of the Services`;
}

function candidateVerdict(c: Candidate, d: Decisions, shadowedBy: Shadowed | undefined): { status: ServiceStatus; event?: EventBody } {
  const record = d.health.record(c.key);
  const base = { namespace: c.service.namespace, name: c.service.name, type: c.type, toolset: c.toolset, endpoint: c.endpoint, healthUrl: c.healthUrl };
  const checks = record && d.checked ? { lastCheck: record.lastCheckedAt, consecutiveFailures: record.consecutiveFailures } : {};
  const reverifying = record !== undefined && record.healthUrl !== c.healthUrl;
  if (!record || (reverifying && !d.pinned.has(c.key))) {
    return { status: { ...base, verdict: 'pending', reason: 'NotChecked', message: 'health check in progress' } };
  }
  const v = record.lastVerdict;
  if (!record.included) {
    const message = v.healthy ? 'healthy' : v.message;
    return {
      status: { ...base, ...checks, verdict: 'unhealthy', reason: v.healthy ? 'Healthy' : v.reason, message },
      event: { type: 'Warning', reason: 'ToolsetUnhealthy', message: `${c.toolset}: ${message}` },
    };
  }
  if (shadowedBy !== undefined) {
    const message = shadowMessage(c, shadowedBy);
    return { status: { ...base, ...checks, verdict: 'shadowed', reason: 'Shadowed', message }, event: { type: 'Warning', reason: 'ToolsetShadowed', message } };
  }
  const failing = !v.healthy ? ` (last check failed: ${v.message}; ${record.consecutiveFailures} of ${d.failureThreshold} failures before removal)` : '';
  const kept = reverifying ? ` with its previous endpoint until the new one (${c.healthUrl}) is checked` : '';
  const status: ServiceStatus = { ...base, ...checks, verdict: 'included', reason: reverifying ? 'EndpointChanged' : 'Healthy', message: `written as ${c.toolset}${kept}${failing}` };
  // Announced once its current endpoint is verified; until then the file holds the previous one.
  // An MCP server's Event names its tools: a changed tool list is a new Event (and was re-validated by the check).
  const tools = v.healthy && v.tools ? `; tools: ${toolList(v.tools)}` : '';
  return d.written.has(c.toolset) && !reverifying
    ? { status, event: { type: 'Normal', reason: 'ToolsetDiscovered', message: `${c.toolset} at ${c.endpoint}${tools}` } }
    : { status };
}

/** At most 20 names (an Event's message is bounded), then how many there are in all. */
function toolList(tools: readonly string[]): string {
  if (tools.length === 0) return 'none';
  return tools.length <= 20 ? tools.join(', ') : `${tools.slice(0, 20).join(', ')}, … (${tools.length} tools)`;
}
