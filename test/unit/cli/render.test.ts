import { describe, expect, it } from '@jest/globals';
import { dump, load } from 'js-yaml';
import { render } from '../../../src/cli/render.ts';
import { configFromDocument } from '../../../src/config/load.ts';
import { toolsetFileErrors } from '../../../src/toolset/validate.ts';
import { HttpTarget } from '../../support/http-target.ts';

interface Rendered {
  code: number;
  out: string;
  err: string;
}

async function renderText(input: string, configDoc: unknown = {}): Promise<Rendered> {
  let out = '';
  let err = '';
  const code = await render({
    files: [], config: configFromDocument(configDoc, {}), checkHealth: false, stdin: () => input,
    out: (t) => void (out += t), err: (t) => void (err += t),
  });
  return { code, out, err };
}

const svc = (namespace: string, name: string, annotations: Record<string, unknown>, ports: unknown = [{ name: 'http', port: 8080 }]) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, annotations }, spec: { ports, selector: { app: name } } });
const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const optIn = (type: string, extra: Record<string, unknown> = {}) => ({ 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': type, ...extra });

describe('render: hostile manifests never abort it', () => {
  it('rejects each bad Service by name and reason, and renders the good ones', async () => {
    const docs = [
      svc('team-a', 'unquoted', { 'kubernaut.io/toolset': true, 'kubernaut.io/toolset-type': 'custom' }),
      svc('team-a', 'ports', optIn('custom'), 'x'),
      svc('team-a', 'jinja-port', optIn('custom'), [{ port: '1/{{ lipsum.__globals__.os.popen("touch /tmp/pwned").read() }}' }]),
      svc('team-a', 'port-zero', optIn('custom'), [{ port: 0 }]),
      svc('$SECRET_TOKEN', 'api', optIn('custom')),
      { kind: 'Service', metadata: { name: 'cfg', namespace: 'team-a', annotations: { ...optIn('custom'), 'kubernaut.io/toolset-config': { a: 1 } } }, spec: {} },
      svc('team-a', 'good', optIn('custom')),
    ];
    const r = await renderText(docs.map((d) => dump(d)).join('---\n'));
    expect(r.code).toBe(0);
    expect(Object.keys((load(r.out) as { toolsets: object }).toolsets)).toEqual(['custom/team-a/good']);
    for (const line of [
      /^rejected team-a\/unquoted: InvalidManifest: metadata\.annotations\["kubernaut\.io\/toolset"\] must be a string, not true/m,
      /^rejected team-a\/ports: InvalidManifest: spec\.ports "x" must be a list$/m,
      /^rejected team-a\/jinja-port: InvalidManifest: spec\.ports\[0\]\.port "1\/\{\{ lipsum/m,
      /^rejected team-a\/port-zero: InvalidManifest: spec\.ports\[0\]\.port 0 must be an integer between 1 and 65535$/m,
      /^rejected \$SECRET_TOKEN\/api: InvalidManifest: metadata\.namespace "\$SECRET_TOKEN" must be a DNS-1123 label/m,
      /^rejected team-a\/cfg: InvalidManifest: metadata\.annotations\["kubernaut\.io\/toolset-config"\] must be a string/m,
    ]) expect(r.err).toMatch(line);
    expect(r.out).not.toContain('lipsum');
    expect(r.out).not.toContain('SECRET_TOKEN');
  });

  it('refuses a tenant endpoint whose Service routes out of the namespace, from the manifests given, as the operator does', async () => {
    const docs = [
      svc('team-a', 'via-hop', optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://hop.team-a.svc:8080' })),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hop', namespace: 'team-a' }, spec: { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' } },
      svc('team-a', 'good', optIn('custom')),
    ];
    const r = await renderText(docs.map((d) => dump(d)).join('---\n'));
    expect(r.code).toBe(0);
    expect(Object.keys((load(r.out) as { toolsets: object }).toolsets)).toEqual(['custom/team-a/good']);
    expect(r.err).toMatch(/^rejected team-a\/via-hop: RouteNotAllowed: the endpoint names Service team-a\/hop of type ExternalName \(an alias of kubernetes\.default\.svc\.cluster\.local\)/m);
  });

  it('applies the size budget of --config: the largest contributors are left out, the file is written', async () => {
    const docs = Array.from({ length: 6 }, (_, i) => svc(`team-${i}`, 'api', optIn('custom', { 'kubernaut.io/toolset-description': `${i}`.repeat(490) })));
    const r = await renderText(docs.map((d) => dump(d)).join('---\n'), { output: { sizeBudgetBytes: 3000 } });
    expect(r.code).toBe(0);
    expect(Buffer.byteLength(r.out)).toBeLessThanOrEqual(3000);
    expect(toolsetFileErrors(load(r.out))).toEqual([]);
    expect(r.err.match(/: OutputBudget: /g)?.length).toBeGreaterThan(0);
  });
});

describe('render: tenancy as the operator applies it', () => {
  const input = (labels: Record<string, string>) =>
    [ns('monitoring', labels), svc('monitoring', 'prometheus', optIn('prometheus'), [{ name: 'web', port: 9090 }])].map((d) => dump(d)).join('---\n');

  it('a built-in from an untrusted namespace is refused with the way to trust it', async () => {
    const r = await renderText(input({}));
    expect(r.err).toMatch(/^rejected monitoring\/prometheus: NamespaceNotTrusted: namespace monitoring is not trusted to provide the built-in toolset prometheus\/metrics; /m);
    expect(r.out).not.toContain('prometheus/metrics');
  });

  it('a Namespace in the input with the trust label counts when tenancy.trustLabel is on', async () => {
    const r = await renderText(input({ 'kubernaut.io/toolset-trusted': 'true' }), { tenancy: { trustLabel: true } });
    expect(r.out).toContain('prometheus/metrics');
  });

  it('the label alone does not count while tenancy.trustLabel is off, and render says so', async () => {
    const r = await renderText(input({ 'kubernaut.io/toolset-trusted': 'true' }));
    expect(r.out).not.toContain('prometheus/metrics');
    expect(r.err).toContain('note: kubernaut.io/toolset-trusted=true on namespace(s) monitoring is ignored because tenancy.trustLabel is off');
  });

  it('tenancy.trustedNamespaces from --config trusts the namespace', async () => {
    const r = await renderText(input({}), { tenancy: { trustedNamespaces: ['monitoring'] } });
    expect(r.out).toContain('prometheus/metrics');
  });
});

describe('render --check-health', () => {
  it('checks each candidate once, as the operator would, and writes only the healthy one', async () => {
    const up = await HttpTarget.start('healthy');
    const down = await HttpTarget.start({ status: 503 });
    try {
      const docs = [
        svc('team-a', 'up', optIn('custom', { 'kubernaut.io/toolset-endpoint': up.url })),
        svc('team-a', 'down', optIn('custom', { 'kubernaut.io/toolset-endpoint': down.url })),
      ];
      let out = '';
      let err = '';
      const code = await render({
        files: [], config: configFromDocument({ endpoints: { allowedHosts: ['127.0.0.1'] }, tenancy: { trustedNamespaces: ['team-a'] } }, {}), checkHealth: true,
        stdin: () => docs.map((d) => dump(d)).join('---\n'), out: (t) => void (out += t), err: (t) => void (err += t),
      });
      expect(code).toBe(0);
      expect(Object.keys((load(out) as { toolsets: object }).toolsets)).toEqual(['custom/team-a/up']);
      expect(err).toMatch(/^unhealthy team-a\/down: .*HTTP 503/m);
      expect([up.hits, down.hits]).toEqual([1, 1]);
    } finally {
      await up.close();
      await down.close();
    }
  });
});
