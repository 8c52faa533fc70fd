import type { Candidate } from '../../../src/discovery/candidate.ts';
import type { ToolsetDefaults } from '../../../src/discovery/toolset-types.ts';
import type { DetectionOptions } from '../../../src/discovery/detect.ts';
import type { Service } from '../../../src/kube/objects.ts';
import { detectedCandidate, detectionOptions, optIn, service } from '../discovery/fixtures.ts';

export function detected(services: readonly Service[], options: DetectionOptions = detectionOptions()): Candidate[] {
  return services.map((svc) => detectedCandidate(svc, options));
}

/** One Service of every type, as a platform team would annotate them; Loki and Elasticsearch replace kubernetes/logs. */
export const allTypesServices: readonly Service[] = [
  service({ namespace: 'monitoring', name: 'prometheus-server', annotations: optIn('prometheus'), ports: [{ name: 'web', port: 9090 }] }),
  service({ namespace: 'monitoring', name: 'grafana', annotations: optIn('grafana'), ports: [{ name: 'service', port: 80 }] }),
  service({ namespace: 'logging', name: 'loki', annotations: optIn('loki'), ports: [{ name: 'grpc', port: 9095 }, { name: 'http-metrics', port: 3100 }] }),
  service({ namespace: 'tracing', name: 'tempo', annotations: optIn('tempo'), ports: [{ name: 'http', port: 3200 }] }),
  service({ namespace: 'logging', name: 'elasticsearch', annotations: optIn('elasticsearch'), ports: [{ name: 'http', port: 9200 }, { name: 'transport', port: 9300 }] }),
  service({ namespace: 'tracing', name: 'jaeger-query', annotations: optIn('jaeger'), ports: [{ name: 'query', port: 16686 }] }),
  service({
    namespace: 'shop',
    name: 'orders-api',
    annotations: optIn('custom', { 'kubernaut.io/toolset-description': 'Orders API of the shop: order status, payments and refunds' }),
    ports: [{ name: 'http', port: 8080 }],
  }),
];

/**
 * The admin's side of configuredServices: credentials and env references from the operator's toolsetDefaults,
 * merged under what the annotations may set.
 */
export const configuredDefaults: ToolsetDefaults = {
  prometheus: { config: { additional_headers: { Authorization: 'Bearer {{ env.THANOS_TOKEN }}' }, verify_ssl: false, query_timeout_seconds_default: 10 } },
  grafana: { config: { api_key: '{{ env.GRAFANA_API_KEY }}', external_url: 'https://grafana.example.com' } },
  tempo: { config: { additional_headers: { 'X-Scope-OrgID': 'tenant-1' } } },
};

/** Services with configuration: endpoint overrides, https, tuning keys, a metrics-only set (no logs toolset). */
export const configuredServices: readonly Service[] = [
  service({
    namespace: 'monitoring',
    name: 'thanos-query',
    annotations: optIn('prometheus/metrics', {
      'kubernaut.io/toolset-endpoint': 'http://thanos-query.monitoring.svc:10902/prometheus/',
      'kubernaut.io/toolset-health-path': '/-/ready',
      'kubernaut.io/toolset-config': JSON.stringify({ query_timeout_seconds_default: 30, tool_calls_return_data: false }),
      'kubernaut.io/toolset-priority': '10',
    }),
  }),
  service({
    namespace: 'monitoring',
    name: 'grafana',
    annotations: optIn('grafana', { 'kubernaut.io/toolset-config': '{"grafana_datasource_uid":"prom-main","timeout_seconds":20}' }),
    ports: [{ name: 'service', port: 3000, appProtocol: 'https' }],
  }),
  service({
    namespace: 'tracing',
    name: 'tempo',
    annotations: optIn('tempo', { 'kubernaut.io/toolset-config': '{"labels":{"pod":"k8s_pod_name","service":"service_name"}}' }),
    ports: [{ name: 'http', port: 3200 }],
  }),
  service({
    namespace: 'payments',
    name: 'ledger',
    annotations: optIn('custom', {
      'kubernaut.io/toolset-description': '  Ledger: "balances" & transfers — yes, read-only  ',
      'kubernaut.io/toolset-port': 'api',
    }),
    ports: [{ name: 'metrics', port: 9102 }, { name: 'api', port: 443 }],
  }),
];
