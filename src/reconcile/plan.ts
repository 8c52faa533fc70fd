import type { Candidate, Rejection } from '../discovery/candidate.ts';
import type { DetectionOptions } from '../discovery/detect.ts';
import { tenancy, trustedByLabel } from '../discovery/tenancy.ts';
import type { OperatorConfig } from '../config/operator-config.ts';
import type { HealthView } from '../health/hysteresis.ts';
import type { EndpointSlice, Namespace, Service } from '../kube/objects.ts';
import { routedCandidates, routeLookup, type RouteLookup } from '../discovery/routing.ts';
import { parseBaseLayer, type BaseLayerSource } from '../toolset/base-layer.ts';
import type { ToolsetDefaults } from '../discovery/toolset-types.ts';
import { detectServices } from './detect-all.ts';
import type { OutputDocument } from './output-document.ts';
import type { ServiceStatus } from './status.ts';
import { planToolsets } from './toolsets.ts';
import { verdicts, type PlannedEvent } from './verdicts.ts';

/** Everything a plan is made from: a snapshot of the caches and of the health verdicts. */
export interface PlanInput {
  services: Iterable<Service>;
  /** Namespaces carrying the trust label (only those are watched, and only with tenancy.trustLabel on). */
  namespaces: Iterable<Namespace>;
  health: HealthView;
  /** The overrides.yaml key of the live output ConfigMap. */
  overrides: string | undefined;
  /** The admin's base layer (consumer.base), when one is configured. */
  base?: BaseLayerSource;
  /**
   * Where every Service (annotated or not) routes, by namespace/name: what an untrusted endpoint's Service is. Absent:
   * taken from `services` and `slices` (which then must hold every Service and hand-written slice, as in `render`).
   */
  routes?: RouteLookup;
  /** The hand-written EndpointSlices, when `routes` is absent. */
  slices?: Iterable<EndpointSlice>;
  /** The generated entries of the last plan, by namespace/name (Plan.entries); none offline. */
  previous?: ReadonlyMap<string, Record<string, unknown>>;
}

/** The part of the configuration a plan depends on. */
export interface PlanSettings {
  ownNamespace: string;
  trustedNamespaces: readonly string[];
  trustLabel: boolean;
  tenantDescriptions: boolean;
  untrustedMcp: boolean;
  /** consumer.networkPolicy.enabled: the network confines HolmesGPT to the pods of each toolset's namespace. */
  slicesConfined: boolean;
  excludeNamespaces: readonly string[];
  policy: DetectionOptions['policy'];
  autoDetect: boolean;
  defaults: ToolsetDefaults;
  budgetBytes: number;
  failureThreshold: number;
  /** false: every candidate counts as healthy (health.enabled off, or `render` without --check-health). */
  healthChecks: boolean;
  /** reload.confirm=marker (with reload.inPlace): the file carries a content marker HolmesGPT reveals by name. */
  contentMarker: boolean;
}

export function planSettings(config: OperatorConfig, healthChecks = config.health.enabled): PlanSettings {
  return {
    ownNamespace: config.output.namespace,
    trustedNamespaces: config.tenancy.trustedNamespaces,
    trustLabel: config.tenancy.trustLabel,
    tenantDescriptions: config.tenancy.tenantDescriptions,
    untrustedMcp: config.tenancy.untrustedMcp,
    slicesConfined: config.consumer.networkPolicy.enabled,
    excludeNamespaces: config.namespaces.exclude,
    policy: { clusterDomain: config.clusterDomain, allowedHosts: config.endpoints.allowedHosts },
    autoDetect: config.autoDetect,
    defaults: config.toolsetDefaults,
    budgetBytes: config.output.sizeBudgetBytes,
    failureThreshold: config.health.failureThreshold,
    healthChecks,
    contentMarker: config.reload.deployment !== '' && config.reload.inPlace && config.reload.confirm === 'marker',
  };
}

/** What the output should be, and what to tell about every Service. */
export interface Plan {
  /** Every detected candidate: the health checks to keep current. */
  candidates: Candidate[];
  document: OutputDocument;
  /** The generated entry of each written Service: the next plan's `previous`. */
  entries: ReadonlyMap<string, Record<string, unknown>>;
  /** The generated toolset names in the document, sorted. */
  toolsets: string[];
  /** The candidates written (what HolmesGPT's egress policy must let it reach). */
  written: Candidate[];
  /** One per Service that is a candidate or was rejected, sorted by namespace/name. */
  verdicts: ServiceStatus[];
  events: PlannedEvent[];
  rejections: Rejection[];
}

/** Detection options for these settings; `labelled` says which namespaces the trust label marks right now. */
export function detectionOptions(settings: PlanSettings, labelled: () => ReadonlySet<string>): DetectionOptions {
  return {
    policy: settings.policy,
    autoDetect: settings.autoDetect,
    tenantDescriptions: settings.tenantDescriptions,
    untrustedMcp: settings.untrustedMcp,
    tenancy: tenancy({
      ownNamespace: settings.ownNamespace,
      trustedNamespaces: settings.trustedNamespaces,
      labelled: settings.trustLabel ? labelled : undefined,
    }),
  };
}

/**
 * The one decision of the product, pure: from the Services, the trusted namespaces, the health verdicts and the
 * overrides to the toolset file and a verdict for every Service. The controller writes what it returns; `render`
 * prints it. A toolset is rendered only for the URL that was checked.
 */
export function plan(input: PlanInput, settings: PlanSettings): Plan {
  const labelled = trustedByLabel([...input.namespaces]);
  const detection = detectionOptions(settings, () => labelled);
  const services = [...input.services];
  const detected = detectServices(services, detection, settings.excludeNamespaces);
  const routes = input.routes ?? routeLookup(services, input.slices);
  // A Service whose traffic could leave its untrusted namespace is neither checked nor written.
  const { candidates, rejections: misrouted } = routedCandidates(detected.candidates, routes, { slicesConfined: settings.slicesConfined });
  const rejections = [...detected.rejections, ...misrouted];
  const health = settings.healthChecks ? input.health : assumedHealthy(candidates);
  // An included toolset whose endpoint changed keeps the entry last written for it until the new URL has a verdict,
  // so it neither disappears meanwhile nor holds back anybody else's change.
  const pinned = new Map<string, Record<string, unknown>>();
  const eligible = candidates.filter((c) => {
    const record = health.record(c.key);
    if (!record?.included) return false;
    if (record.healthUrl === c.healthUrl) return true;
    const previous = input.previous?.get(c.key);
    if (previous) pinned.set(c.key, previous);
    return previous !== undefined;
  });
  const base = input.base ? parseBaseLayer(input.base) : undefined;
  const fitted = planToolsets(eligible, input.overrides, { defaults: settings.defaults, budgetBytes: settings.budgetBytes, pinned, marker: settings.contentMarker, ...(base ? { base } : {}) });
  const allRejections = [...rejections, ...fitted.rejections];
  const toolsets = Object.keys(fitted.toolsets).sort();
  const decided = verdicts({
    candidates, rejections: allRejections, health, checked: settings.healthChecks,
    shadowed: fitted.shadowed, written: new Set(toolsets), pinned: new Set(pinned.keys()), failureThreshold: settings.failureThreshold,
  });
  return {
    candidates,
    document: fitted.document,
    entries: fitted.entries,
    toolsets,
    written: fitted.winners,
    ...decided,
    rejections: allRejections,
  };
}

/** Health checks switched off: every candidate is healthy at the URL it has now. */
function assumedHealthy(candidates: readonly Candidate[]): HealthView {
  const urls = new Map(candidates.map((c) => [c.key, c.healthUrl]));
  return {
    record: (key) => {
      const healthUrl = urls.get(key);
      return healthUrl === undefined
        ? undefined
        : { healthUrl, included: true, consecutiveFailures: 0, lastVerdict: { healthy: true, status: 0, durationMs: 0 }, lastCheckedAt: '' };
    },
  };
}
