import { describe, expect, it } from '@jest/globals';
import type { Detection, RejectionReason } from '../../../src/discovery/candidate.ts';
import { detect } from '../../../src/discovery/detect.ts';
import { tenancy, TRUST_LABEL } from '../../../src/discovery/tenancy.ts';
import type { Service } from '../../../src/kube/objects.ts';
import { detectionOptions, optIn, service } from '../discovery/fixtures.ts';

/** The platform namespace "monitoring" is trusted by the list, "platform" by the label; everything else is a tenant. */
const secure = detectionOptions({
  allowedHosts: ['127.0.0.1', '*.example.com'],
  tenancy: tenancy({ ownNamespace: 'kubernaut-system', trustedNamespaces: ['monitoring'], labelled: () => new Set(['platform']) }),
});

function rejection(d: Detection): { reason: RejectionReason; message: string } {
  if (d.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(d)}`);
  return d.rejection;
}

describe('trusted namespaces (SPEC §6)', () => {
  it.each(['prometheus', 'grafana', 'loki', 'tempo', 'elasticsearch', 'prometheus/metrics', 'grafana/loki'])(
    'a tenant namespace may not claim built-in %s, and is told how to be trusted',
    (type) => {
      const r = rejection(detect(service({ namespace: 'team-a', name: 'evil', annotations: optIn(type) }), secure));
      expect(r.reason).toBe('NamespaceNotTrusted');
      expect(r.message).toMatch(/^namespace team-a is not trusted to provide the built-in toolset [a-z/]+; a cluster admin can add it to tenancy\.trustedNamespaces/);
      expect(r.message).toContain(`kubectl label namespace team-a ${TRUST_LABEL}=true`);
    },
  );

  it('with the label not in use, the message says to turn it on', () => {
    const listOnly = detectionOptions({ tenancy: tenancy({ ownNamespace: 'kubernaut-system', trustedNamespaces: [], labelled: undefined }) });
    const r = rejection(detect(service({ namespace: 'team-a', annotations: optIn('prometheus') }), listOnly));
    expect(r.message).toContain('turn on tenancy.trustLabel (Helm value tenancy.trustLabel=true)');
  });

  it.each([
    ['monitoring', 'listed in tenancy.trustedNamespaces'],
    ['platform', 'labelled kubernaut.io/toolset-trusted=true'],
    ['kubernaut-system', "the operator's own namespace"],
  ])('namespace %s (%s) may claim a built-in', (namespace) => {
    const d = detect(service({ namespace, name: 'prom', annotations: optIn('prometheus'), ports: [{ name: 'web', port: 9090 }] }), secure);
    expect(d).toMatchObject({ kind: 'candidate', candidate: { toolset: 'prometheus/metrics' } });
  });

  it('a tenant\'s Prometheus found only by auto-detection is ignored, not rejected (nobody asked)', () => {
    const auto = { ...secure, autoDetect: true };
    expect(detect(service({ namespace: 'team-a', labels: { app: 'prometheus' } }), auto)).toEqual({ kind: 'ignored' });
    expect(detect(service({ namespace: 'monitoring', labels: { app: 'prometheus' } }), auto)).toMatchObject({ kind: 'candidate' });
  });

  it('a tenant publishes custom and Jaeger toolsets for Services of its own namespace', () => {
    expect(detect(service({ namespace: 'team-a', name: 'api', annotations: optIn('custom') }), secure)).toMatchObject({
      kind: 'candidate', candidate: { toolset: 'custom/team-a/api', endpoint: 'http://api.team-a.svc.cluster.local:8080' },
    });
    expect(detect(service({ namespace: 'team-a', name: 'jq', annotations: optIn('jaeger', { 'kubernaut.io/toolset-endpoint': 'http://jaeger.team-a.svc:16686' }) }), secure))
      .toMatchObject({ kind: 'candidate', candidate: { endpoint: 'http://jaeger.team-a.svc:16686' } });
  });

  it.each([
    ['another namespace\'s Service', 'http://prometheus.monitoring.svc:9090'],
    ['the API server', 'https://kubernetes.default.svc'],
    ['an allow-listed loopback address (allowedHosts are for trusted namespaces)', 'http://127.0.0.1:8080'],
    ['an allow-listed external host', 'https://grafana.example.com'],
    ['a look-alike of its own namespace', 'http://api.team-a.svc.example.com'],
  ])('a tenant endpoint may not point at %s', (_what, url) => {
    const r = rejection(detect(service({ namespace: 'team-a', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': url }) }), secure));
    expect(r.reason).toBe('EndpointNotAllowed');
    expect(r.message).toMatch(/namespace team-a is not trusted, so only Services of its own namespace \(<name>\.team-a\.svc\) are$/);
  });

  it('a tenant ExternalName Service may point only into its own namespace', () => {
    const away = service({ namespace: 'team-a', type: 'ExternalName', externalName: 'prometheus.monitoring.svc.cluster.local', ports: [], annotations: optIn('custom', { 'kubernaut.io/toolset-port': '9090' }) });
    expect(rejection(detect(away, secure)).reason).toBe('EndpointNotAllowed');
    const home = service({ namespace: 'team-a', type: 'ExternalName', externalName: 'api.team-a.svc.cluster.local', ports: [], annotations: optIn('custom', { 'kubernaut.io/toolset-port': '8080' }) });
    expect(detect(home, secure)).toMatchObject({ kind: 'candidate' });
  });

  it('a trusted namespace keeps the allow-list and every cluster Service', () => {
    for (const url of ['http://127.0.0.1:9090', 'https://grafana.example.com', 'http://thanos.other.svc:10902']) {
      expect(detect(service({ namespace: 'monitoring', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': url }) }), secure)).toMatchObject({ kind: 'candidate' });
    }
  });
});

describe('no templates from tenants', () => {
  const ANNOTATION_FIELDS = ['kubernaut.io/toolset-description', 'kubernaut.io/toolset-port', 'kubernaut.io/toolset-health-path', 'kubernaut.io/toolset-priority', 'kubernaut.io/toolset-type', 'kubernaut.io/toolset'];
  const TOKENS = ['{{ env.OPENAI_API_KEY }}', '{% raw %}', '{# x #}'];

  it.each(ANNOTATION_FIELDS.flatMap((field) => TOKENS.map((token) => [field, token])))('%s with %s → TemplateNotAllowed', (field, token) => {
    const svc = service({ namespace: 'monitoring', annotations: { ...optIn('custom'), [field]: `x ${token} y` } });
    const r = rejection(detect(svc, secure));
    expect(r.reason).toBe('TemplateNotAllowed');
    expect(r.message).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')} contains "`));
  });

  // HolmesGPT expands $NAME only in YAML tools' command and script, which the operator never writes (issue 24 item 8).
  it.each(['${HOME}', '$(id)', '$USD', '$SECRET_TOKEN'])('a description with %s is plain text, as HolmesGPT reads it', (token) => {
    const svc = service({ namespace: 'monitoring', annotations: optIn('custom', { 'kubernaut.io/toolset-description': `Prices in ${token} (per call)` }) });
    expect(detect(svc, secure)).toMatchObject({ kind: 'candidate', candidate: { description: `Prices in ${token} (per call)` } });
  });

  it.each([
    ['kubernaut.io/toolset-port', 'InvalidPort'], ['kubernaut.io/toolset-health-path', 'InvalidHealthPath'], ['kubernaut.io/toolset-priority', 'InvalidPriority'],
    ['kubernaut.io/toolset-type', 'UnknownType'], ['kubernaut.io/toolset', 'InvalidToolsetAnnotation'],
  ])('%s with $NAME is refused by its own rule (%s), not as a template', (field, reason) => {
    const svc = service({ namespace: 'monitoring', annotations: { ...optIn('custom'), [field]: 'x $SECRET_TOKEN y' } });
    expect(rejection(detect(svc, secure)).reason).toBe(reason);
  });

  it('a dollar sign that expands nothing is plain text', () => {
    const svc = service({ namespace: 'team-a', annotations: optIn('custom', { 'kubernaut.io/toolset-description': 'Costs $5 per 1,000 calls; 100% read-only {braces} ok' }) });
    expect(detect(svc, secure)).toMatchObject({ kind: 'candidate', candidate: { description: 'Costs $5 per 1,000 calls; 100% read-only braces ok' } });
  });

  it('an opt-out always wins: nothing else of an opted-out or unannotated Service is judged', () => {
    const optedOut = service({ namespace: 'team-a', annotations: { 'kubernaut.io/toolset': 'disabled', 'kubernaut.io/toolset-description': '{{ env.X }}' } });
    expect(detect(optedOut, secure)).toEqual({ kind: 'ignored' });
    expect(detect(service({ namespace: 'team-a', annotations: { 'kubernaut.io/toolset-config': '{"api_key":"x"}' } }), secure)).toEqual({ kind: 'ignored' });
  });

  it('annotations of other tools are not ours to judge', () => {
    const svc = service({ namespace: 'team-a', annotations: { ...optIn('custom'), 'example.com/template': '{{ .Values.x }}' } });
    expect(detect(svc, secure)).toMatchObject({ kind: 'candidate' });
  });
});

describe('manifest fields (what the API server would refuse)', () => {
  const bad = (svc: Service) => rejection(detect(svc, secure));

  it.each([
    ['$SECRET_TOKEN', 'metadata.namespace'],
    ['Team-A', 'metadata.namespace'],
    ['a'.repeat(64), 'metadata.namespace'],
  ])('namespace %s → InvalidManifest', (namespace, field) => {
    expect(bad(service({ namespace, annotations: optIn('custom') }))).toMatchObject({ reason: 'InvalidManifest', message: expect.stringContaining(field) });
  });

  it.each(['1api', 'api_v1', '{{x}}', 'a'.repeat(64)])('Service name %s → InvalidManifest', (name) => {
    expect(bad(service({ name, namespace: 'team-a', annotations: optIn('custom') }))).toMatchObject({ reason: 'InvalidManifest', message: expect.stringContaining('metadata.name') });
  });

  it('an annotation value that is not a string → InvalidManifest, naming the annotation', () => {
    const svc = service({ namespace: 'team-a', annotations: { ...optIn('custom'), 'kubernaut.io/toolset-priority': 5 as unknown as string } });
    expect(bad(svc)).toEqual(expect.objectContaining({ reason: 'InvalidManifest', message: 'annotation kubernaut.io/toolset-priority must be a string, not "5" (quote the value in YAML)' }));
  });
});
