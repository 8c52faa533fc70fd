import type { Candidate, Rejection } from '../discovery/candidate.ts';
import type { DetectionOptions } from '../discovery/detect.ts';
import { tenancy, trustedByLabel } from '../discovery/tenancy.ts';
import type { OperatorConfig } from '../config/operator-config.ts';
import type { HealthRecord } from '../health/hysteresis.ts';
import type { Namespace, Service } from '../kube/objects.ts';
import type { ToolsetDefaults } from '../toolset/render.ts';
import { detectServices } from './detect-all.ts';
import type { OutputDocument } from './output-document.ts';
import type { ServiceStatus } from './status.ts';
import { planToolsets } from './toolsets.ts';
import { verdicts, type PlannedEvent } from './verdicts.ts';

/** The health verdicts known so far, keyed by namespace/name. */
export interface HealthView {
  record(key: string): HealthRecord | undefined;
}

/** Everything a plan is made from: a snapshot of the caches and of the health verdicts. */
export interface PlanInput {
  services: Iterable<Service>;
  /** Namespaces carrying the trust label (only those are watched, and only with tenancy.trustLabel on). */
  namespaces: Iterable<Namespace>;
  health: HealthView;
  /** The overrides.yaml key of the live output ConfigMap. */
  overrides: string | undefined;
}

/** The part of the configuration a plan depends on. */
export interface PlanSettings {
  ownNamespace: string;
  trustedNamespaces: readonly string[];
  trustLabel: boolean;
  excludeNamespaces: readonly string[];
  policy: DetectionOptions['policy'];
  autoDetect: boolean;
  defaults: ToolsetDefaults;
  budgetBytes: number;
  failureThreshold: number;
  /** false: every candidate counts as healthy (health.enabled off, or `render` without --check-health). */
  healthChecks: boolean;
}

export function planSettings(config: OperatorConfig, healthChecks = config.health.enabled): PlanSettings {
  return {
    ownNamespace: config.output.namespace,
    trustedNamespaces: config.tenancy.trustedNamespaces,
    trustLabel: config.tenancy.trustLabel,
    excludeNamespaces: config.namespaces.exclude,
    policy: { clusterDomain: config.clusterDomain, allowedHosts: config.endpoints.allowedHosts },
    autoDetect: config.autoDetect,
    defaults: config.toolsetDefaults,
    budgetBytes: config.output.sizeBudgetBytes,
    failureThreshold: config.health.failureThreshold,
    healthChecks,
  };
}

/** What the output should be, and what to tell about every Service. */
export interface Plan {
  /** Every detected candidate: the health checks to keep current. */
  candidates: Candidate[];
  document: OutputDocument;
  /** Set when the document must not be written yet: a written toolset's new endpoint is still being verified. */
  hold?: string;
  /** The generated toolset names in the document, sorted. */
  toolsets: string[];
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
 * prints it. A toolset is written only for the URL that was checked; an included toolset whose endpoint changed
 * holds the output until its new endpoint has a verdict, rather than dropping it meanwhile.
 */
export function plan(input: PlanInput, settings: PlanSettings): Plan {
  const labelled = trustedByLabel([...input.namespaces]);
  const detection = detectionOptions(settings, () => labelled);
  const { candidates, rejections } = detectServices(input.services, detection, settings.excludeNamespaces);
  const health = settings.healthChecks ? input.health : assumedHealthy(candidates);
  const eligible = candidates.filter((c) => {
    const record = health.record(c.key);
    return record?.included && record.healthUrl === c.healthUrl;
  });
  const reverifying = candidates.find((c) => {
    const record = health.record(c.key);
    return record?.included && record.healthUrl !== c.healthUrl;
  });
  const fitted = planToolsets(eligible, input.overrides, { defaults: settings.defaults, budgetBytes: settings.budgetBytes });
  const allRejections = [...rejections, ...fitted.rejections];
  const toolsets = Object.keys(fitted.toolsets).sort();
  const decided = verdicts({
    candidates, rejections: allRejections, health, checked: settings.healthChecks,
    shadowed: fitted.shadowed, written: new Set(toolsets), failureThreshold: settings.failureThreshold,
  });
  return {
    candidates,
    document: fitted.document,
    ...(reverifying ? { hold: `waiting for the health check of ${reverifying.key}'s new endpoint ${reverifying.healthUrl}` } : {}),
    toolsets,
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
