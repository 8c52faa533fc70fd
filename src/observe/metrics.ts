import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BUILD } from '../version.ts';

const PREFIX = 'kubernaut_toolset_';

/** Every metric the operator exports (SPEC §5), on a registry of its own so tests and two instances never mix. */
export class Metrics {
  readonly registry = new Registry();
  readonly toolsets = new Gauge({
    name: `${PREFIX}toolsets`, help: 'Candidate toolsets by short type and current verdict.',
    labelNames: ['type', 'verdict'] as const, registers: [this.registry],
  });
  readonly rejectedServices = new Gauge({
    name: `${PREFIX}rejected_services`, help: 'Services whose annotations are currently rejected, by reason.',
    labelNames: ['reason'] as const, registers: [this.registry],
  });
  readonly annotationRejections = new Counter({
    name: `${PREFIX}annotation_rejections_total`, help: 'Annotation rejections, counted when a Service becomes rejected or its reason changes.',
    labelNames: ['reason'] as const, registers: [this.registry],
  });
  readonly healthChecks = new Counter({
    name: `${PREFIX}health_checks_total`, help: 'Health checks by short type and result (healthy, or the failure reason).',
    labelNames: ['type', 'result'] as const, registers: [this.registry],
  });
  readonly healthCheckDuration = new Histogram({
    name: `${PREFIX}health_check_duration_seconds`, help: 'Duration of one health check.',
    labelNames: ['type'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly reconciles = new Counter({
    name: `${PREFIX}reconciles_total`, help: 'Reconciles by result (success, error).',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: `${PREFIX}reconcile_duration_seconds`, help: 'Duration of one reconcile: plan and write (health checks run outside it).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry],
  });
  readonly configMapWrites = new Counter({
    name: `${PREFIX}configmap_writes_total`, help: 'Outcomes of writing the output ConfigMap.',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly outputBytes = new Gauge({
    name: `${PREFIX}output_bytes`, help: 'Size of the last rendered toolset file in bytes.', registers: [this.registry],
  });
  readonly consumerPolicyWrites = new Counter({
    name: `${PREFIX}consumer_policy_writes_total`, help: 'Writes of HolmesGPT\'s NetworkPolicy (consumer.networkPolicy), by result (applied, error).',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly baseLayerInvalid = new Counter({
    name: `${PREFIX}base_layer_invalid_total`, help: 'Reconciles that found the base layer (consumer.base) missing or invalid and kept the last good output.',
    registers: [this.registry],
  });

  readonly overridesInvalid = new Counter({
    name: `${PREFIX}overrides_invalid_total`, help: 'Reconciles that found overrides.yaml invalid and kept the last good output.',
    registers: [this.registry],
  });
  readonly watchEvents = new Counter({
    name: `${PREFIX}watch_events_total`, help: 'Watch events received, by resource and type.',
    labelNames: ['resource', 'type'] as const, registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: `${PREFIX}watch_restarts_total`, help: 'Watch restarts, by resource and reason (expired, error, relist, stalled).',
    labelNames: ['resource', 'reason'] as const, registers: [this.registry],
  });
  readonly watchErrors = new Counter({
    name: `${PREFIX}watch_errors_total`, help: 'Failed list or watch calls, by resource and HTTP status (0 when there was no response).',
    labelNames: ['resource', 'status'] as const, registers: [this.registry],
  });
  readonly eventToApplied = new Histogram({
    name: `${PREFIX}event_to_applied_seconds`, help: 'From the first change event of a burst to the ConfigMap write that reflects it.',
    buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 30], registers: [this.registry],
  });
  readonly reloadStamps = new Counter({
    name: `${PREFIX}reload_stamps_total`, help: 'Stamps of the content hash on the consumer Deployment, by result (stamped, unchanged, missing, error, deferred: held back by reload.minInterval).',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly inPlaceReloads = new Counter({
    name: `${PREFIX}in_place_reloads_total`, help: 'In-place reloads of the consumer pods (reload.inPlace), by result (reloaded, unchanged, missing, failed or refused: the Deployment was rolled instead, error).',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly reloadStalls = new Counter({
    name: `${PREFIX}consumer_reload_stalls_total`,
    help: 'In-place reloads that HolmesGPT\'s prerequisite deadline held up, by the toolset whose check it gave up on (a datasource that stalls the reload of every toolset).',
    labelNames: ['toolset'] as const, registers: [this.registry],
  });
  readonly consumerPods = new Gauge({
    name: `${PREFIX}consumer_pods`, help: 'HolmesGPT pods of reload.deployment at the last in-place reload run, by whether they have loaded the current output (current) or not (behind).',
    labelNames: ['state'] as const, registers: [this.registry],
  });
  readonly inPlaceReloadDuration = new Histogram({
    name: `${PREFIX}in_place_reload_duration_seconds`, help: 'From asking the consumer pods for new content to all of them serving it (pod sync, file confirmed, admin reload).',
    buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60], registers: [this.registry],
  });
  readonly eventsDropped = new Counter({
    name: `${PREFIX}events_dropped_total`, help: 'Kubernetes Events not recorded because too many were waiting.', registers: [this.registry],
  });
  readonly lastSuccessfulReconcile = new Gauge({
    name: `${PREFIX}last_successful_reconcile_timestamp_seconds`, help: 'Unix time of the last reconcile that finished without error.',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: `${PREFIX}leader`, help: '1 when this replica is the one allowed to write, else 0.', registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: `${PREFIX}build_info`, help: 'Always 1; the labels say which build is running (join on it to see versions across a fleet).',
    labelNames: ['version', 'commit'] as const, registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    this.buildInfo.set({ version: BUILD.version, commit: BUILD.commit }, 1);
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges *_total, which promtool rejects; the per-type gauges without the suffix
      // (nodejs_active_handles, nodejs_active_requests, nodejs_active_resources) carry the same numbers.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
  }
}
