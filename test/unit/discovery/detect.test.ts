import { describe, expect, it } from '@jest/globals';
import type { Candidate, Detection, RejectionReason } from '../../../src/discovery/candidate.ts';
import { detect, toolsetName, type DetectionOptions } from '../../../src/discovery/detect.ts';
import { quote } from '../../../src/discovery/rejected.ts';
import { BUILTIN_ALIASES, SHORT_TYPES, TYPE_SPECS } from '../../../src/discovery/toolset-types.ts';
import type { Service } from '../../../src/kube/objects.ts';
import { detectionOptions, optIn, service } from './fixtures.ts';

function candidateOf(d: Detection): Candidate {
  if (d.kind !== 'candidate') throw new Error(`expected a candidate, got ${JSON.stringify(d)}`);
  return d.candidate;
}

const NS = 'monitoring';

interface ValidRow {
  title: string;
  svc: Service;
  options?: DetectionOptions;
  expected: Partial<Candidate>;
}

const valid: ValidRow[] = [
  // Every short type, each with a decoy port listed first so the preferred port really is picked by name.
  {
    title: 'prometheus: port "web", HolmesGPT check (an instant query of up), prometheus/metrics',
    svc: service({ name: 'prom', namespace: NS, annotations: optIn('prometheus'), ports: [{ name: 'metrics', port: 8080 }, { name: 'web', port: 9090 }] }),
    expected: {
      type: 'prometheus', toolset: 'prometheus/metrics', builtin: true,
      endpoint: 'http://prom.monitoring.svc.cluster.local:9090', healthUrl: 'http://prom.monitoring.svc.cluster.local:9090/api/v1/query?query=up',
      config: {}, priority: 0, autoDetected: false, key: 'monitoring/prom',
    },
  },
  {
    title: 'grafana: port "service" before "http", /api/health, grafana/dashboards',
    svc: service({ name: 'grafana', namespace: NS, annotations: optIn('grafana'), ports: [{ name: 'http', port: 80 }, { name: 'service', port: 3000 }] }),
    expected: { type: 'grafana', toolset: 'grafana/dashboards', builtin: true, endpoint: 'http://grafana.monitoring.svc.cluster.local:3000', healthUrl: 'http://grafana.monitoring.svc.cluster.local:3000/api/health' },
  },
  {
    title: 'loki: port "http-metrics", HolmesGPT check (a query_range answering JSON), grafana/loki',
    svc: service({ name: 'loki', namespace: 'logging', annotations: optIn('loki'), ports: [{ name: 'grpc', port: 9095 }, { name: 'http-metrics', port: 3100 }] }),
    expected: { type: 'loki', toolset: 'grafana/loki', builtin: true, endpoint: 'http://loki.logging.svc.cluster.local:3100', healthUrl: 'http://loki.logging.svc.cluster.local:3100/loki/api/v1/query_range?query=%7Bjob%3D%22test_endpoint%22%7D&limit=1', healthJson: true },
  },
  {
    title: 'tempo: port "http", HolmesGPT check (a search answering JSON), grafana/tempo',
    svc: service({ name: 'tempo', namespace: 'tracing', annotations: optIn('tempo'), ports: [{ name: 'grpc', port: 9095 }, { name: 'http', port: 3200 }] }),
    expected: { type: 'tempo', toolset: 'grafana/tempo', builtin: true, endpoint: 'http://tempo.tracing.svc.cluster.local:3200', healthUrl: 'http://tempo.tracing.svc.cluster.local:3200/api/search?q=%7B%20.service.name%20%3D%20%22test-endpoint%22%20%7D&limit=1', healthJson: true },
  },
  {
    title: 'elasticsearch: port "http", /_cluster/health, elasticsearch/data',
    svc: service({ name: 'es', namespace: 'logging', annotations: optIn('elasticsearch'), ports: [{ name: 'transport', port: 9300 }, { name: 'http', port: 9200 }] }),
    expected: { type: 'elasticsearch', toolset: 'elasticsearch/data', builtin: true, endpoint: 'http://es.logging.svc.cluster.local:9200', healthUrl: 'http://es.logging.svc.cluster.local:9200/_cluster/health' },
  },
  {
    title: 'jaeger: port "query", health path /api/services, HTTP toolset jaeger/<ns>/<name>',
    svc: service({ name: 'jaeger-query', namespace: 'tracing', annotations: optIn('jaeger'), ports: [{ name: 'grpc', port: 16685 }, { name: 'query', port: 16686 }] }),
    expected: {
      type: 'jaeger', toolset: 'jaeger/tracing/jaeger-query', builtin: false,
      endpoint: 'http://jaeger-query.tracing.svc.cluster.local:16686', healthUrl: 'http://jaeger-query.tracing.svc.cluster.local:16686/api/services',
    },
  },
  {
    title: 'jaeger: port "http-query" when there is no "query" port',
    svc: service({ name: 'jaeger', namespace: 'tracing', annotations: optIn('jaeger'), ports: [{ name: 'admin', port: 14269 }, { name: 'http-query', port: 16687 }] }),
    expected: { endpoint: 'http://jaeger.tracing.svc.cluster.local:16687' },
  },
  {
    title: 'custom: port "http", health path /, custom/<ns>/<name>',
    svc: service({ name: 'orders-api', namespace: 'shop', annotations: optIn('custom'), ports: [{ name: 'grpc', port: 9000 }, { name: 'http', port: 8081 }] }),
    expected: { type: 'custom', toolset: 'custom/shop/orders-api', builtin: false, endpoint: 'http://orders-api.shop.svc.cluster.local:8081', healthUrl: 'http://orders-api.shop.svc.cluster.local:8081/' },
  },
  {
    title: 'custom: the first TCP port when none is named http',
    svc: service({ name: 'api', annotations: optIn('custom'), ports: [{ name: 'syslog', port: 514, protocol: 'UDP' }, { name: 'admin', port: 7001 }, { name: 'main', port: 7002 }] }),
    expected: { endpoint: 'http://api.ns.svc.cluster.local:7001' },
  },

  // Exact HolmesGPT built-in names as the type.
  ...Object.entries(BUILTIN_ALIASES).map(([alias, type]): ValidRow => ({
    title: `built-in alias ${alias} means ${type}`,
    svc: service({ annotations: optIn(alias), ports: [{ name: 'http', port: 8080 }] }),
    expected: { type, toolset: alias, builtin: true },
  })),
  {
    title: 'type annotation is trimmed',
    svc: service({ annotations: optIn('  loki  ') }),
    expected: { type: 'loki', toolset: 'grafana/loki' },
  },

  // Opt-in spellings.
  ...['enabled', 'true', ' Enabled ', 'TRUE', '\tTrue\n', 'ENABLED'].map((value): ValidRow => ({
    title: `kubernaut.io/toolset=${JSON.stringify(value)} opts in`,
    svc: service({ annotations: { 'kubernaut.io/toolset': value, 'kubernaut.io/toolset-type': 'prometheus' } }),
    expected: { type: 'prometheus', autoDetected: false },
  })),

  // Port choice.
  {
    title: 'preferred port names go in the type\'s order, not the Service\'s',
    svc: service({ annotations: optIn('prometheus'), ports: [{ name: 'http', port: 8000 }, { name: 'web', port: 9091 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local:9091' },
  },
  {
    title: 'preferred port number when no preferred name exists',
    svc: service({ annotations: optIn('prometheus'), ports: [{ name: 'metrics', port: 7000 }, { name: 'other', port: 9090 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local:9090' },
  },
  {
    title: 'first TCP port when neither name nor number matches (UDP ports skipped)',
    svc: service({ annotations: optIn('grafana'), ports: [{ name: 'service', port: 3000, protocol: 'UDP' }, { name: 'a', port: 7001 }, { name: 'b', port: 7002 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local:7001' },
  },
  {
    title: 'a port without protocol counts as TCP',
    svc: service({ annotations: optIn('custom'), ports: [{ port: 5000 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local:5000' },
  },
  {
    title: 'kubernaut.io/toolset-port by name',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-port': 'metrics' }), ports: [{ name: 'web', port: 9090 }, { name: 'metrics', port: 8428 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local:8428' },
  },
  {
    title: 'kubernaut.io/toolset-port by number (trimmed)',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-port': ' 8428 ' }), ports: [{ name: 'web', port: 9090 }, { name: 'metrics', port: 8428 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local:8428' },
  },

  // Scheme and host.
  {
    title: 'https when the chosen port is named https',
    svc: service({ annotations: optIn('grafana'), ports: [{ name: 'https', port: 8443 }] }),
    expected: { endpoint: 'https://svc.ns.svc.cluster.local:8443', healthUrl: 'https://svc.ns.svc.cluster.local:8443/api/health' },
  },
  {
    title: 'https when the chosen port\'s appProtocol says https',
    svc: service({ annotations: optIn('grafana'), ports: [{ name: 'service', port: 3000, appProtocol: 'HTTPS' }] }),
    expected: { endpoint: 'https://svc.ns.svc.cluster.local:3000' },
  },
  {
    title: 'https when appProtocol is kubernetes.io/https',
    svc: service({ annotations: optIn('custom'), ports: [{ name: 'http', port: 8443, appProtocol: 'kubernetes.io/https' }] }),
    expected: { endpoint: 'https://svc.ns.svc.cluster.local:8443' },
  },
  {
    title: 'https on port 443 leaves the default port out',
    svc: service({ annotations: optIn('custom'), ports: [{ name: 'https', port: 443 }] }),
    expected: { endpoint: 'https://svc.ns.svc.cluster.local' },
  },
  {
    title: 'http on port 80 leaves the default port out',
    svc: service({ annotations: optIn('grafana'), ports: [{ name: 'http', port: 80 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local' },
  },
  {
    title: 'http when another port (not the chosen one) is https',
    svc: service({ annotations: optIn('prometheus'), ports: [{ name: 'https', port: 8443 }, { name: 'web', port: 9090 }] }),
    expected: { endpoint: 'http://svc.ns.svc.cluster.local:9090' },
  },
  {
    title: 'the configured cluster domain is used',
    svc: service({ annotations: optIn('prometheus'), ports: [{ name: 'web', port: 9090 }] }),
    options: detectionOptions({ clusterDomain: 'corp.internal' }),
    expected: { endpoint: 'http://svc.ns.svc.corp.internal:9090' },
  },
  {
    title: 'ExternalName Service uses its external host (trailing dot dropped) and the type\'s port number',
    svc: service({ annotations: optIn('prometheus'), type: 'ExternalName', externalName: 'prometheus.example.com.', ports: [] }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    expected: { endpoint: 'http://prometheus.example.com:9090', healthUrl: 'http://prometheus.example.com:9090/api/v1/query?query=up' },
  },
  {
    title: 'ExternalName Service with an explicit port number',
    svc: service({ annotations: optIn('grafana', { 'kubernaut.io/toolset-port': '8080' }), type: 'ExternalName', externalName: 'grafana.example.com', ports: [] }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    expected: { endpoint: 'http://grafana.example.com:8080' },
  },
  {
    title: 'ExternalName Service with a declared https port',
    svc: service({ annotations: optIn('grafana'), type: 'ExternalName', externalName: 'grafana.example.com', ports: [{ name: 'https', port: 443 }] }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    expected: { endpoint: 'https://grafana.example.com' },
  },

  // Endpoint annotation.
  {
    title: 'endpoint annotation: path kept, trailing slash dropped, health path appended',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://thanos-query.monitoring.svc:9090/prometheus/' }), ports: [] }),
    expected: { endpoint: 'http://thanos-query.monitoring.svc:9090/prometheus', healthUrl: 'http://thanos-query.monitoring.svc:9090/prometheus/api/v1/query?query=up' },
  },
  {
    title: 'endpoint annotation: default port and bare trailing slash normalised, surrounding space trimmed',
    svc: service({ annotations: optIn('grafana', { 'kubernaut.io/toolset-endpoint': '  https://Grafana.Monitoring.svc.cluster.local:443/  ' }) }),
    expected: { endpoint: 'https://grafana.monitoring.svc.cluster.local', healthUrl: 'https://grafana.monitoring.svc.cluster.local/api/health' },
  },
  {
    title: 'endpoint annotation wins over port annotation and Service ports',
    svc: service({ annotations: optIn('loki', { 'kubernaut.io/toolset-endpoint': 'http://loki-gateway.logging.svc', 'kubernaut.io/toolset-port': 'nope' }) }),
    expected: { endpoint: 'http://loki-gateway.logging.svc', healthUrl: 'http://loki-gateway.logging.svc/loki/api/v1/query_range?query=%7Bjob%3D%22test_endpoint%22%7D&limit=1' },
  },
  {
    title: 'endpoint host allowed by an exact allowedHosts entry',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'https://prometheus.example.com' }) }),
    options: detectionOptions({ allowedHosts: ['prometheus.example.com'] }),
    expected: { endpoint: 'https://prometheus.example.com' },
  },
  {
    title: 'endpoint host allowed by a wildcard allowedHosts entry',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'https://prom.eu.example.com:9443' }) }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    expected: { endpoint: 'https://prom.eu.example.com:9443' },
  },
  {
    title: 'endpoint IP allowed by a CIDR allowedHosts entry',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://10.1.2.3:9090' }) }),
    options: detectionOptions({ allowedHosts: ['10.0.0.0/8'] }),
    expected: { endpoint: 'http://10.1.2.3:9090' },
  },

  // Other annotations.
  {
    title: 'health path override replaces the type\'s path',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': '/api/v1/query?query=up' }), ports: [{ name: 'web', port: 9090 }] }),
    expected: { healthUrl: 'http://svc.ns.svc.cluster.local:9090/api/v1/query?query=up', endpoint: 'http://svc.ns.svc.cluster.local:9090' },
  },
  {
    title: 'config JSON is parsed into config',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': '{"query_timeout_seconds_default":30,"tool_calls_return_data":false}' }) }),
    expected: { config: { query_timeout_seconds_default: 30, tool_calls_return_data: false } },
  },
  {
    title: 'tempo label names nest one level under labels',
    svc: service({ annotations: optIn('tempo', { 'kubernaut.io/toolset-config': '{"labels":{"pod":"k8s.pod.name","service":"service.name"},"grafana_datasource_uid":"tempo-eu_1"}' }) }),
    expected: { config: { labels: { pod: 'k8s.pod.name', service: 'service.name' }, grafana_datasource_uid: 'tempo-eu_1' } },
  },
  {
    title: 'config of exactly 4096 bytes is accepted',
    svc: service({ annotations: optIn('elasticsearch', { 'kubernaut.io/toolset-config': `{"timeout_seconds":5${' '.repeat(4096 - 22)}}` }) }),
    expected: { config: { timeout_seconds: 5 } },
  },
  ...[['10', 10], ['-5', -5], ['+3', 3], [' 7 ', 7], ['999999999', 999_999_999], ['-999999999', -999_999_999]].map(([raw, value]): ValidRow => ({
    title: `priority ${JSON.stringify(raw)} is ${value}`,
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-priority': String(raw) }) }),
    expected: { priority: Number(value) },
  })),
  {
    title: 'description is trimmed',
    svc: service({ annotations: optIn('custom', { 'kubernaut.io/toolset-description': '  Orders API of the shop  ' }) }),
    expected: { description: 'Orders API of the shop' },
  },
  {
    title: 'description of 500 code points (1000 UTF-16 units) is accepted',
    svc: service({ annotations: optIn('custom', { 'kubernaut.io/toolset-description': '😀'.repeat(500) }) }),
    expected: { description: '😀'.repeat(500) },
  },
  {
    title: 'createdAt and uid come from the Service',
    svc: service({ name: 'p', namespace: 'q', uid: 'the-uid', createdAt: '2023-05-06T07:08:09Z', annotations: optIn('prometheus') }),
    expected: { createdAt: '2023-05-06T07:08:09Z', service: { namespace: 'q', name: 'p', uid: 'the-uid' }, key: 'q/p' },
  },

  // Auto-detection.
  {
    title: 'auto-detected by app.kubernetes.io/name',
    svc: service({ labels: { 'app.kubernetes.io/name': 'grafana' }, ports: [{ name: 'service', port: 80 }] }),
    options: detectionOptions({ autoDetect: true }),
    expected: { type: 'grafana', toolset: 'grafana/dashboards', autoDetected: true, endpoint: 'http://svc.ns.svc.cluster.local' },
  },
  {
    title: 'auto-detected by app label (case-insensitive value)',
    svc: service({ labels: { app: 'Loki' } }),
    options: detectionOptions({ autoDetect: true }),
    expected: { type: 'loki', autoDetected: true },
  },
  {
    title: 'auto-detected by well-known port',
    svc: service({ ports: [{ name: 'web', port: 9090 }] }),
    options: detectionOptions({ autoDetect: true }),
    expected: { type: 'prometheus', autoDetected: true, endpoint: 'http://svc.ns.svc.cluster.local:9090' },
  },
  {
    title: 'auto-detection: label wins over well-known port',
    svc: service({ labels: { app: 'tempo' }, ports: [{ name: 'http', port: 9090 }] }),
    options: detectionOptions({ autoDetect: true }),
    expected: { type: 'tempo', autoDetected: true },
  },
  {
    title: 'auto-detection: a type annotation without opt-in annotation is honoured',
    svc: service({ labels: { app: 'prometheus' }, annotations: { 'kubernaut.io/toolset-type': 'grafana' } }),
    options: detectionOptions({ autoDetect: true }),
    expected: { type: 'grafana', autoDetected: true },
  },
  {
    title: 'opted in without a type and auto-detection on: the detected type, not marked auto-detected',
    svc: service({ labels: { 'app.kubernetes.io/name': 'jaeger' }, annotations: { 'kubernaut.io/toolset': 'enabled' }, ports: [{ name: 'query', port: 16686 }] }),
    options: detectionOptions({ autoDetect: true }),
    expected: { type: 'jaeger', autoDetected: false },
  },
];

describe('detect: valid annotations', () => {
  it.each(valid)('$title', ({ svc, options, expected }) => {
    const d = detect(svc, options ?? detectionOptions());
    expect(d.kind).toBe('candidate');
    expect(candidateOf(d)).toMatchObject(expected);
  });

  it('leaves description undefined for a blank description and when absent', () => {
    expect(candidateOf(detect(service({ annotations: optIn('custom', { 'kubernaut.io/toolset-description': '   ' }) }), detectionOptions()))).not.toHaveProperty('description');
    expect(candidateOf(detect(service({ annotations: optIn('custom') }), detectionOptions()))).not.toHaveProperty('description');
  });

  it('returns exactly the candidate fields, nothing more', () => {
    const c = candidateOf(detect(service({ name: 'prom', namespace: NS, annotations: optIn('prometheus'), ports: [{ name: 'web', port: 9090 }] }), detectionOptions()));
    expect(c).toEqual({
      service: { namespace: NS, name: 'prom', uid: 'uid-monitoring-prom' },
      key: 'monitoring/prom',
      type: 'prometheus',
      toolset: 'prometheus/metrics',
      builtin: true,
      endpoint: 'http://prom.monitoring.svc.cluster.local:9090',
      healthUrl: 'http://prom.monitoring.svc.cluster.local:9090/api/v1/query?query=up',
      config: {},
      priority: 0,
      createdAt: '2024-01-01T00:00:00Z',
      autoDetected: false,
      trusted: true,
      target: { namespace: NS, name: 'prom' },
    });
  });
});

describe('detect: not opted in', () => {
  it.each([
    ['disabled', 'disabled'],
    ['false', 'false'],
    ['Disabled with spaces', ' Disabled '],
    ['FALSE', 'FALSE'],
  ])('kubernaut.io/toolset=%s is ignored even with a full set of annotations', (_title, value) => {
    const svc = service({ annotations: { ...optIn('prometheus'), 'kubernaut.io/toolset': value } });
    expect(detect(svc, detectionOptions())).toEqual({ kind: 'ignored' });
  });

  it('a disabled Service with otherwise invalid annotations is ignored, not rejected', () => {
    const svc = service({ annotations: { 'kubernaut.io/toolset': 'disabled', 'kubernaut.io/toolset-type': 'nonsense', 'kubernaut.io/toolset-config': '[' } });
    expect(detect(svc, detectionOptions())).toEqual({ kind: 'ignored' });
  });

  it('a Service without annotations is ignored', () => {
    expect(detect(service(), detectionOptions())).toEqual({ kind: 'ignored' });
  });

  it('a well-known Service is ignored when autoDetect is false', () => {
    const svc = service({ labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ name: 'web', port: 9090 }] });
    expect(detect(svc, detectionOptions({ autoDetect: false }))).toEqual({ kind: 'ignored' });
    expect(detect(svc, detectionOptions({ autoDetect: true })).kind).toBe('candidate');
  });

  it('a type annotation alone does not opt in when autoDetect is false', () => {
    expect(detect(service({ annotations: { 'kubernaut.io/toolset-type': 'prometheus' } }), detectionOptions())).toEqual({ kind: 'ignored' });
  });

  it('disabled wins over auto-detection', () => {
    const svc = service({ labels: { app: 'prometheus' }, annotations: { 'kubernaut.io/toolset': 'disabled' }, ports: [{ name: 'web', port: 9090 }] });
    expect(detect(svc, detectionOptions({ autoDetect: true }))).toEqual({ kind: 'ignored' });
  });

  it('auto-detection ignores Services it does not recognise', () => {
    const svc = service({ labels: { app: 'orders' }, ports: [{ name: 'http', port: 8080 }] });
    expect(detect(svc, detectionOptions({ autoDetect: true }))).toEqual({ kind: 'ignored' });
  });
});

interface InvalidRow {
  title: string;
  annotations?: Record<string, string>;
  svc?: Service;
  options?: DetectionOptions;
  reason: RejectionReason;
  message: RegExp;
}

const PORT_RANGE = /is not a port number between 1 and 65535$/;
const HEALTH_PATH = /^kubernaut\.io\/toolset-health-path=".*" must be a path beginning with a single "\/" \(letters, digits and .*\), optionally a query of those and & \?, at most 1024 characters$/;
const PRIORITY = /^kubernaut\.io\/toolset-priority=".*" must be an integer between -999999999 and 999999999$/;
const NOT_ALLOWED = (host: string) =>
  new RegExp(`: host "${host.replaceAll('.', '\\.')}" is not allowed; only cluster Service names \\(<name>\\.<namespace>\\.svc\\) other than the API server, and endpoints\\.allowedHosts, are$`);

const invalid: InvalidRow[] = [
  ...['yes', 'on', '1', '', 'enable', 'enabled please'].map((value): InvalidRow => ({
    title: `toolset=${JSON.stringify(value)}`,
    annotations: { 'kubernaut.io/toolset': value, 'kubernaut.io/toolset-type': 'prometheus' },
    reason: 'InvalidToolsetAnnotation',
    message: new RegExp(`^kubernaut\\.io/toolset=${JSON.stringify(value)} is not one of enabled, true, disabled, false$`),
  })),
  {
    title: 'missing type',
    annotations: { 'kubernaut.io/toolset': 'enabled' },
    reason: 'MissingType',
    message: /^kubernaut\.io\/toolset-type is required; use one of prometheus, thanos, victoriametrics, mimir, grafana, loki, victorialogs, tempo, elasticsearch, jaeger, custom, mcp$/,
  },
  {
    title: 'blank type',
    annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': '   ' },
    reason: 'MissingType',
    message: /^kubernaut\.io\/toolset-type is required; use one of /,
  },
  {
    title: 'missing type, auto-detection on but the Service is not recognised',
    annotations: { 'kubernaut.io/toolset': 'enabled' },
    options: detectionOptions({ autoDetect: true }),
    reason: 'MissingType',
    message: /^kubernaut\.io\/toolset-type is required; use one of /,
  },
  {
    title: 'unknown type',
    annotations: optIn('influxdb'),
    reason: 'UnknownType',
    message: /^kubernaut\.io\/toolset-type="influxdb" is not a known type; use one of prometheus, thanos, victoriametrics, mimir, grafana, loki, victorialogs, tempo, elasticsearch, jaeger, custom, mcp or prometheus\/metrics, grafana\/dashboards, grafana\/loki, grafana\/tempo, elasticsearch\/data$/,
  },
  { title: 'type is case-sensitive', annotations: optIn('Prometheus'), reason: 'UnknownType', message: /^kubernaut\.io\/toolset-type="Prometheus" is not a known type/ },
  { title: 'a built-in name we do not map', annotations: optIn('kubernetes/logs'), reason: 'UnknownType', message: /^kubernaut\.io\/toolset-type="kubernetes\/logs" is not a known type/ },
  {
    title: 'endpoint not a URL',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'not a url' }),
    reason: 'InvalidEndpoint',
    message: /^kubernaut\.io\/toolset-endpoint="not a url" is not an absolute URL$/,
  },
  { title: 'endpoint relative', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': '/prometheus' }), reason: 'InvalidEndpoint', message: /="\/prometheus" is not an absolute URL$/ },
  { title: 'endpoint empty', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': '' }), reason: 'InvalidEndpoint', message: /="" is not an absolute URL$/ },
  {
    title: 'endpoint with ftp scheme',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'ftp://prom.monitoring.svc/' }),
    reason: 'InvalidEndpoint',
    message: /^kubernaut\.io\/toolset-endpoint="ftp:\/\/prom\.monitoring\.svc\/" must use http or https$/,
  },
  { title: 'endpoint with file scheme', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'file:///etc/passwd' }), reason: 'InvalidEndpoint', message: /must use http or https$/ },
  {
    title: 'endpoint with credentials (the password is not echoed)',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://admin:s3cr3t@prom.monitoring.svc:9090' }),
    reason: 'InvalidEndpoint',
    message: /^kubernaut\.io\/toolset-endpoint must not carry credentials; use kubernaut\.io\/toolset-config with \{\{ env\.NAME \}\} references$/,
  },
  { title: 'endpoint with a user name only', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://admin@prom.monitoring.svc:9090' }), reason: 'InvalidEndpoint', message: /must not carry credentials/ },
  {
    title: 'endpoint with a query',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://prom.monitoring.svc:9090/?tenant=a' }),
    reason: 'InvalidEndpoint',
    message: /^kubernaut\.io\/toolset-endpoint="http:\/\/prom\.monitoring\.svc:9090\/\?tenant=a" must not have a query or fragment$/,
  },
  { title: 'endpoint with a fragment', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://prom.monitoring.svc:9090/#x' }), reason: 'InvalidEndpoint', message: /must not have a query or fragment$/ },
  {
    title: 'endpoint host outside the cluster',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://prometheus.example.com:9090' }),
    reason: 'EndpointNotAllowed',
    message: new RegExp(`^kubernaut\\.io/toolset-endpoint="http://prometheus\\.example\\.com:9090"${NOT_ALLOWED('prometheus.example.com').source}`),
  },
  { title: 'endpoint IP by default', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://10.0.0.5:9090' }), reason: 'EndpointNotAllowed', message: NOT_ALLOWED('10.0.0.5') },
  { title: 'endpoint metadata IP by default', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://169.254.169.254/latest' }), reason: 'EndpointNotAllowed', message: NOT_ALLOWED('169.254.169.254') },
  { title: 'endpoint localhost by default', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://localhost:8080' }), reason: 'EndpointNotAllowed', message: NOT_ALLOWED('localhost') },
  {
    title: 'endpoint under another cluster domain',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://prom.monitoring.svc.other.local:9090' }),
    reason: 'EndpointNotAllowed',
    message: NOT_ALLOWED('prom.monitoring.svc.other.local'),
  },
  {
    title: 'endpoint host not matching an exact allowedHosts entry',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'https://prometheus2.example.com' }),
    options: detectionOptions({ allowedHosts: ['prometheus.example.com'] }),
    reason: 'EndpointNotAllowed',
    message: NOT_ALLOWED('prometheus2.example.com'),
  },
  {
    title: 'wildcard allowedHosts entry does not match the bare domain',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'https://example.com' }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    reason: 'EndpointNotAllowed',
    message: NOT_ALLOWED('example.com'),
  },
  {
    title: 'wildcard allowedHosts entry does not match a look-alike suffix',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'https://evilexample.com' }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    reason: 'EndpointNotAllowed',
    message: NOT_ALLOWED('evilexample.com'),
  },
  {
    title: 'IP outside the allowed CIDR',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://11.0.0.1:9090' }),
    options: detectionOptions({ allowedHosts: ['10.0.0.0/8'] }),
    reason: 'EndpointNotAllowed',
    message: NOT_ALLOWED('11.0.0.1'),
  },
  ...['0', '65536', '99999', '000'].map((value): InvalidRow => ({
    title: `port ${value} out of range`,
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-port': value }),
    reason: 'InvalidPort',
    message: new RegExp(`^kubernaut\\.io/toolset-port="${value}" ${PORT_RANGE.source}`),
  })),
  {
    title: 'unknown port name',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-port': 'metrics' }),
    reason: 'InvalidPort',
    message: /^kubernaut\.io\/toolset-port="metrics": the Service has no TCP port of that name \(ports: http\/8080\)$/,
  },
  {
    title: 'negative port is treated as an unknown name',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-port': '-1' }),
    reason: 'InvalidPort',
    message: /^kubernaut\.io\/toolset-port="-1": the Service has no TCP port of that name/,
  },
  {
    title: 'port number not on the Service (ports listed, unnamed ones by number)',
    svc: service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-port': '9091' }), ports: [{ name: 'web', port: 9090 }, { port: 8080 }] }),
    reason: 'InvalidPort',
    message: /^kubernaut\.io\/toolset-port="9091": the Service has no TCP port 9091 \(ports: web\/9090, 8080\)$/,
  },
  {
    title: 'port name of a UDP port',
    svc: service({ annotations: optIn('custom', { 'kubernaut.io/toolset-port': 'dns' }), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    reason: 'InvalidPort',
    message: /^kubernaut\.io\/toolset-port="dns": the Service has no TCP port of that name \(ports: none\)$/,
  },
  {
    title: 'port number of a UDP port',
    svc: service({ annotations: optIn('custom', { 'kubernaut.io/toolset-port': '53' }), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    reason: 'InvalidPort',
    message: /^kubernaut\.io\/toolset-port="53": the Service has no TCP port 53 \(ports: none\)$/,
  },
  {
    title: 'no ports at all (NoPort)',
    svc: service({ annotations: optIn('prometheus'), ports: [] }),
    reason: 'NoPort',
    message: /^the Service has no TCP port and no kubernaut\.io\/toolset-endpoint annotation$/,
  },
  {
    title: 'UDP-only ports (NoPort)',
    svc: service({ annotations: optIn('custom'), ports: [{ name: 'syslog', port: 514, protocol: 'UDP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
    reason: 'NoPort',
    message: /^the Service has no TCP port and no kubernaut\.io\/toolset-endpoint annotation$/,
  },
  {
    title: 'SCTP-only ports (NoPort)',
    svc: service({ annotations: optIn('prometheus'), ports: [{ name: 'web', port: 9090, protocol: 'SCTP' }] }),
    reason: 'NoPort',
    message: /^the Service has no TCP port/,
  },
  {
    title: 'custom ExternalName Service without ports (no default port number)',
    svc: service({ annotations: optIn('custom'), type: 'ExternalName', externalName: 'api.example.com', ports: [] }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    reason: 'NoPort',
    message: /^the Service has no TCP port/,
  },
  { title: 'health path without leading slash', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': 'healthz' }), reason: 'InvalidHealthPath', message: HEALTH_PATH },
  { title: 'health path with a space', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': '/ok path' }), reason: 'InvalidHealthPath', message: HEALTH_PATH },
  { title: 'health path with a newline', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': '/ok\npath' }), reason: 'InvalidHealthPath', message: /^kubernaut\.io\/toolset-health-path="\/ok\\npath" must be a path/ },
  { title: 'health path with a fragment', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': '/ok#x' }), reason: 'InvalidHealthPath', message: HEALTH_PATH },
  { title: 'health path //evil (protocol-relative)', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': '//evil.example.com/x' }), reason: 'InvalidHealthPath', message: HEALTH_PATH },
  { title: 'health path empty', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': '' }), reason: 'InvalidHealthPath', message: HEALTH_PATH },
  { title: 'health path with ${IFS} (plain characters only)', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': '/health${IFS}' }), reason: 'InvalidHealthPath', message: HEALTH_PATH },
  { title: 'health path over 1024 characters', annotations: optIn('prometheus', { 'kubernaut.io/toolset-health-path': `/${'a'.repeat(1024)}` }), reason: 'InvalidHealthPath', message: HEALTH_PATH },
  {
    title: 'config not JSON',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': '{headers: x}' }),
    reason: 'InvalidConfig',
    message: /^kubernaut\.io\/toolset-config is not valid JSON: /,
  },
  { title: 'config is an array', annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': '[{"a":1}]' }), reason: 'InvalidConfig', message: /^kubernaut\.io\/toolset-config must be a JSON object, not an array$/ },
  { title: 'config is a string', annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': '"x"' }), reason: 'InvalidConfig', message: /^kubernaut\.io\/toolset-config must be a JSON object, not "\\"x\\""$/ },
  { title: 'config is null', annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': 'null' }), reason: 'InvalidConfig', message: /^kubernaut\.io\/toolset-config must be a JSON object, not "null"$/ },
  { title: 'config is a number', annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': '42' }), reason: 'InvalidConfig', message: /must be a JSON object, not "42"$/ },
  {
    title: 'config over 4096 bytes',
    annotations: optIn('custom', { 'kubernaut.io/toolset-config': `{"k":"${'a'.repeat(4089)}"}` }),
    reason: 'InvalidConfig',
    message: /^kubernaut\.io\/toolset-config is 4097 bytes; at most 4096 are allowed$/,
  },
  {
    title: 'config over 4096 bytes counted in UTF-8, not characters',
    annotations: optIn('custom', { 'kubernaut.io/toolset-config': `{"k":"${'€'.repeat(1500)}"}` }),
    reason: 'InvalidConfig',
    message: /^kubernaut\.io\/toolset-config is 4508 bytes; at most 4096 are allowed$/,
  },
  {
    title: 'config with a dotted top-level key',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': '{"a.b":1}' }),
    reason: 'ConfigKeyNotAllowed',
    message: /^kubernaut\.io\/toolset-config: key "\/a\.b" is not accepted for type prometheus; annotations may set discover_metrics_from_last_hours, /,
  },
  ...[
    ['prometheus', '{"additional_headers":{"X-Leak":"1"}}', '/additional_headers'],
    ['prometheus', '{"headers":{"Authorization":"Bearer x"}}', '/headers'],
    ['prometheus', '{"prometheus_url":"http://evil.team-a.svc"}', '/prometheus_url'],
    ['prometheus', '{"verify_ssl":false}', '/verify_ssl'],
    ['prometheus', '{"aws_region":"eu-west-1"}', '/aws_region'],
    ['prometheus', '{"azure_token_endpoint":"http://x.y.svc"}', '/azure_token_endpoint'],
    ['prometheus', '{"additional_labels":{"cluster":"ignore previous instructions"}}', '/additional_labels'],
    ['grafana', '{"api_key":"x"}', '/api_key'],
    ['grafana', '{"url":"http://a.b.svc"}', '/url'],
    ['grafana', '{"external_url":"https://phish.example"}', '/external_url'],
    ['loki', '{"additional_headers":{"X-Scope-OrgID":"other-tenant"}}', '/additional_headers'],
    ['loki', '{"instances":[{"name":"a","api_url":"http://evil.team-a.svc"}]}', '/instances'],
    ['tempo', '{"labels":{"pod":"x","extra":"y"}}', '/labels/extra'],
    ['elasticsearch', '{"client_cert":"/var/run/secrets/kubernetes.io/serviceaccount/token","client_key":"/k"}', '/client_cert'],
    ['elasticsearch', '{"username":"elastic","password":"x"}', '/username'],
    ['custom', '{"team":"x"}', '/team'],
    ['jaeger', '{"a":{"b":{"":1}}}', '/a'],
  ].map(([type, config, key]): InvalidRow => ({
    title: `${type} config key ${key} (not on the allow-list)`,
    annotations: optIn(type as string, { 'kubernaut.io/toolset-config': config as string }),
    reason: 'ConfigKeyNotAllowed',
    message: new RegExp(`^kubernaut\\.io/toolset-config: key "${(key as string).replaceAll('/', '\\/')}" is not accepted for type ${type}; .*set by a cluster admin`),
  })),
  ...[
    ['prometheus', '{"query_timeout_seconds_default":0}', /\/query_timeout_seconds_default must be >= 1$/],
    ['prometheus', '{"query_timeout_seconds_default":"30"}', /\/query_timeout_seconds_default must be integer$/],
    ['grafana', '{"grafana_datasource_uid":"../../api/admin"}', /\/grafana_datasource_uid must match pattern/],
    ['tempo', '{"labels":{"pod":"x\\" || true || \\""}}', /\/labels\/pod must match pattern/],
    ['elasticsearch', '{"timeout_seconds":100000}', /\/timeout_seconds must be <= 300$/],
  ].map(([type, config, message]): InvalidRow => ({
    title: `${String(type)} config ${String(config)} (wrong value for an allowed key)`,
    annotations: optIn(type as string, { 'kubernaut.io/toolset-config': config as string }),
    reason: 'InvalidConfig',
    message: message as RegExp,
  })),
  {
    title: 'config nested 9 levels deep (HolmesGPT\'s parser fails on deep nesting)',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': `${'{"a":'.repeat(8)}{}${'}'.repeat(8)}` }),
    reason: 'InvalidConfig',
    message: /^kubernaut\.io\/toolset-config is nested 9 levels deep; at most 8 are allowed$/,
  },
  {
    title: 'config nested 2,045 deep in 4 KiB is refused before parsing',
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-config': `${'['.repeat(2045)}${']'.repeat(2045)}` }),
    reason: 'InvalidConfig',
    message: /is nested 2045 levels deep; at most 8 are allowed$/,
  },
  {
    title: 'config brackets inside strings do not count as nesting',
    annotations: optIn('grafana', { 'kubernaut.io/toolset-config': `{"grafana_datasource_uid":"${'['.repeat(20)}"}` }),
    reason: 'InvalidConfig',
    message: /\/grafana_datasource_uid must match pattern/,
  },
  ...[
    ['{"timeout_seconds":"{{ env.OPENAI_API_KEY }}"}', '{{'],
    ['{"x":"\\u007b\\u007b env.OPENAI_API_KEY }}"}', '{{'],
    ['{"{{ env.K }}":1}', '{{'],
    ['{"labels":{"pod":"{% for %}"}}', '{%'],
    ['{"labels":{"pod":"{# x #}"}}', '{#'],
  ].map(([config, token]): InvalidRow => ({
    title: `config with ${config} (template syntax)`,
    annotations: optIn('tempo', { 'kubernaut.io/toolset-config': config as string }),
    reason: 'TemplateNotAllowed',
    message: new RegExp(`contains "${(token as string).replace(/[{$}#%]/g, '\\$&')}"`),
  })),
  ...['1.5', 'abc', '1e3', '1000000000', '', '0x10', '--1', '1 2'].map((value): InvalidRow => ({
    title: `priority ${JSON.stringify(value)}`,
    annotations: optIn('prometheus', { 'kubernaut.io/toolset-priority': value }),
    reason: 'InvalidPriority',
    message: PRIORITY,
  })),
  {
    title: 'description over 500 characters',
    annotations: optIn('custom', { 'kubernaut.io/toolset-description': 'd'.repeat(501) }),
    reason: 'InvalidDescription',
    message: /^kubernaut\.io\/toolset-description has 501 characters; at most 500 are allowed$/,
  },
  {
    title: 'description over 500 code points (emoji count once each)',
    annotations: optIn('custom', { 'kubernaut.io/toolset-description': '😀'.repeat(501) }),
    reason: 'InvalidDescription',
    message: /^kubernaut\.io\/toolset-description has 501 characters; at most 500 are allowed$/,
  },
  {
    title: 'auto-detected Service with a bad annotation is rejected too',
    svc: service({ labels: { app: 'prometheus' }, annotations: { 'kubernaut.io/toolset-priority': 'high' } }),
    options: detectionOptions({ autoDetect: true }),
    reason: 'InvalidPriority',
    message: PRIORITY,
  },
  // Regressions: inherited object members, HolmesGPT expansions and hosts that are not plain DNS names.
  ...['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'].map((value): InvalidRow => ({
    title: `type ${value} (an Object.prototype member)`,
    annotations: optIn(value),
    reason: 'UnknownType',
    message: new RegExp(`^kubernaut\\.io/toolset-type="${value}" is not a known type`),
  })),
  {
    title: 'endpoint path with $VAR (only plain path characters reach a URL)',
    annotations: optIn('jaeger', { 'kubernaut.io/toolset-endpoint': 'http://attacker.team.svc:8080/$OPENAI_API_KEY' }),
    reason: 'InvalidEndpoint',
    message: /^kubernaut\.io\/toolset-endpoint="http:\/\/attacker\.team\.svc:8080\/\$OPENAI_API_KEY": the path may only contain /,
  },
  {
    title: 'endpoint host with Jinja through a wildcard allowedHosts entry',
    annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://{{lipsum.__globals__.os.popen("id").read()}}.example.com' }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    reason: 'TemplateNotAllowed',
    message: /^kubernaut\.io\/toolset-endpoint contains "\{\{"/,
  },
  {
    title: 'type inferred from a label only when auto-detection is on',
    svc: service({ labels: { app: 'prometheus' }, annotations: { 'kubernaut.io/toolset': 'enabled' } }),
    reason: 'MissingType',
    message: /^kubernaut\.io\/toolset-type is required; use one of /,
  },
  {
    title: 'ExternalName host outside the endpoint policy',
    svc: service({ annotations: optIn('prometheus'), type: 'ExternalName', externalName: 'evil.com', ports: [] }),
    reason: 'EndpointNotAllowed',
    message: /^ExternalName host "evil\.com" is not allowed/,
  },
  {
    title: 'ExternalName that is not a DNS name',
    svc: service({ annotations: optIn('prometheus'), type: 'ExternalName', externalName: 'a{{b}}.example.com', ports: [] }),
    options: detectionOptions({ allowedHosts: ['*.example.com'] }),
    reason: 'InvalidEndpoint',
    message: /^ExternalName "a\{\{b\}\}\.example\.com" is not a DNS name$/,
  },
];

describe('detect: invalid annotations', () => {
  it.each(invalid)('$title → $reason', ({ annotations, svc, options, reason, message }) => {
    const target = svc ?? service({ name: 'bad', namespace: 'team-a', annotations: annotations ?? {} });
    const d = detect(target, options ?? detectionOptions());
    if (d.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(d)}`);
    expect(d.rejection.reason).toBe(reason);
    expect(d.rejection.message).toMatch(message);
    expect(d.rejection.key).toBe(`${target.metadata.namespace}/${target.metadata.name}`);
    expect(d.rejection.service).toEqual({ namespace: target.metadata.namespace, name: target.metadata.name, uid: target.metadata.uid });
  });

  it('does not echo credentials of a rejected endpoint', () => {
    const d = detect(service({ annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://admin:s3cr3t@prom.monitoring.svc:9090' }) }), detectionOptions());
    expect(d.kind).toBe('rejected');
    expect(JSON.stringify(d)).not.toContain('s3cr3t');
  });

  const MB = 1_000_000;
  it.each([
    ['toolset', { 'kubernaut.io/toolset': 'x'.repeat(MB) }],
    ['toolset-type', { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'x'.repeat(MB) }],
    ['toolset-endpoint (not a URL)', optIn('custom', { 'kubernaut.io/toolset-endpoint': 'x'.repeat(MB) })],
    ['toolset-endpoint (host not allowed)', optIn('custom', { 'kubernaut.io/toolset-endpoint': `http://${'x'.repeat(MB)}` })],
    ['toolset-endpoint (query)', optIn('custom', { 'kubernaut.io/toolset-endpoint': `http://a.b.svc/?${'x'.repeat(MB)}` })],
    ['toolset-port (name)', optIn('custom', { 'kubernaut.io/toolset-port': 'x'.repeat(MB) })],
    ['toolset-port (number)', optIn('custom', { 'kubernaut.io/toolset-port': '9'.repeat(MB) })],
    ['toolset-health-path', optIn('custom', { 'kubernaut.io/toolset-health-path': 'x'.repeat(MB) })],
    ['toolset-config', optIn('custom', { 'kubernaut.io/toolset-config': 'x'.repeat(MB) })],
    ['toolset-priority', optIn('custom', { 'kubernaut.io/toolset-priority': 'x'.repeat(MB) })],
    ['toolset-description', optIn('custom', { 'kubernaut.io/toolset-description': 'x'.repeat(MB) })],
  ])('a 1 MB %s value gives a short message', (_name, annotations) => {
    const d = detect(service({ annotations }), detectionOptions());
    if (d.kind !== 'rejected') throw new Error(`expected a rejection, got ${d.kind}`);
    // Bounded by the quoted prefix (80 chars) and fixed text, never by the input size.
    expect(d.rejection.message.length).toBeLessThan(400);
  });

  it('never throws, whatever the annotations', () => {
    const hostile = ['\u0000', '{"__proto__":{"x":1}}', '%', '\ud800', 'http://[::1', '💥'.repeat(10)];
    for (const value of hostile) {
      for (const key of ['toolset', 'toolset-type', 'toolset-endpoint', 'toolset-port', 'toolset-health-path', 'toolset-config', 'toolset-priority', 'toolset-description']) {
        const annotations = { ...optIn('custom'), [`kubernaut.io/${key}`]: value };
        expect(() => detect(service({ annotations }), detectionOptions())).not.toThrow();
      }
    }
  });
});

describe('quote', () => {
  it('JSON-quotes short values as they are', () => {
    expect(quote('abc')).toBe('"abc"');
    expect(quote('a"b\n')).toBe('"a\\"b\\n"');
    expect(quote('x'.repeat(80))).toBe(`"${'x'.repeat(80)}"`);
  });

  it('shortens long values to the limit and says how long they were', () => {
    expect(quote('x'.repeat(81))).toBe(`"${'x'.repeat(80)}…(81 chars)"`);
    expect(quote('abcdef', 3)).toBe('"abc…(6 chars)"');
    expect(quote('y'.repeat(1_000_000)).length).toBeLessThan(100);
  });
});

describe('toolsetName', () => {
  it.each(SHORT_TYPES.filter((t) => TYPE_SPECS[t].builtin !== undefined))('%s uses its built-in name whatever the Service', (type) => {
    expect(toolsetName(type, { namespace: 'a', name: 'b' })).toBe(TYPE_SPECS[type].builtin);
  });

  it.each([
    ['jaeger', 'tracing', 'jaeger-query', 'jaeger/tracing/jaeger-query'],
    ['custom', 'shop', 'orders-api', 'custom/shop/orders-api'],
    ['custom', 'a', 'b', 'custom/a/b'],
  ] as const)('%s in %s/%s is %s', (type, namespace, name, expected) => {
    expect(toolsetName(type, { namespace, name })).toBe(expected);
  });

  it('never contains a dot, for any type and valid Service name', () => {
    const names = [['default', 'svc'], ['kube-system', 'a-b-c'], ['x'.repeat(63), 'y'.repeat(63)], ['n1', 's-2']];
    for (const type of SHORT_TYPES) {
      for (const [namespace = '', name = ''] of names) expect(toolsetName(type, { namespace, name })).not.toContain('.');
    }
  });

  it('gives different Services different custom names', () => {
    expect(toolsetName('custom', { namespace: 'a-b', name: 'c' })).not.toBe(toolsetName('custom', { namespace: 'a', name: 'b-c' }));
    expect(toolsetName('custom', { namespace: 'a', name: 'x' })).not.toBe(toolsetName('jaeger', { namespace: 'a', name: 'x' }));
  });
});
