import { describe, expect, it } from '@jest/globals';
import { serviceManifestProblem } from '../../../src/discovery/manifest.ts';
import { jsonDepth, templateInValue, templateToken } from '../../../src/discovery/untrusted-text.ts';

describe('templateToken', () => {
  it.each([
    ['{{ env.X }}', '{{'], ['a{%b', '{%'], ['{# c #}', '{#'], ['$X {{y', '{{'],
  ])('%s → %s', (text, token) => expect(templateToken(text)).toBe(token));

  // HolmesGPT runs os.path.expandvars only on YAML tools' command and script, which the operator never writes.
  it.each(['$5', '100%', '{ a }', '{}', '$', 'a$', '$ 1', '{ {', '${X}', '$(id)', '$OPENAI_API_KEY', '$USD'])('%s is plain text', (text) => expect(templateToken(text)).toBeUndefined());
});

describe('templateInValue', () => {
  it('finds syntax in nested values and keys, with its path', () => {
    expect(templateInValue({ a: [{ b: 'ok' }, { c: 'x{{y' }] })).toEqual({ path: '/a/1/c', token: '{{' });
    expect(templateInValue({ a: { '{#K': 1 } })).toEqual({ path: '/a/{#K', token: '{#' });
    expect(templateInValue({ a: 1, b: true, c: null, d: ['x'] })).toBeUndefined();
  });
});

describe('jsonDepth', () => {
  it.each([
    ['1', 0], ['{}', 1], ['{"a":[1]}', 2], ['[[[]]]', 3], ['{"a":"[[[["}', 1], ['{"a":"\\\\\\"[["}', 1], [`${'['.repeat(5000)}${']'.repeat(5000)}`, 5000],
  ])('%s → %i', (text, depth) => expect(jsonDepth(text)).toBe(depth));
});

describe('serviceManifestProblem (as the API server validates)', () => {
  const svc = (patch: Record<string, unknown> = {}, spec: Record<string, unknown> = { ports: [{ port: 80 }] }) => ({
    kind: 'Service', metadata: { name: 'api', namespace: 'team-a', ...patch }, spec,
  });

  it('a valid Service has no problem', () => expect(serviceManifestProblem(svc())).toBeUndefined());

  it.each([
    [svc({ name: 'Api' }), /^metadata\.name "Api" must be a DNS-1035 label/],
    [svc({ namespace: '$SECRET_TOKEN' }), /^metadata\.namespace "\$SECRET_TOKEN" must be a DNS-1123 label/],
    [svc({ annotations: { 'kubernaut.io/toolset': true } }), /^metadata\.annotations\["kubernaut\.io\/toolset"\] must be a string, not true \(quote it in YAML\)$/],
    [svc({ labels: { a: 1 } }), /^metadata\.labels\["a"\] must be a string/],
    [svc({}, { ports: 'x' }), /^spec\.ports "x" must be a list$/],
    [svc({}, { ports: [{ port: 0 }] }), /^spec\.ports\[0\]\.port 0 must be an integer between 1 and 65535$/],
    [svc({}, { ports: [{ port: '1/{{ lipsum }}' }] }), /^spec\.ports\[0\]\.port "1\/\{\{ lipsum \}\}" must be an integer/],
    [svc({}, { ports: [{ port: 80, name: 'web{{x}}' }] }), /^spec\.ports\[0\]\.name "web\{\{x\}\}" must be an IANA service name/],
    [svc({}, { ports: [{ port: 80, protocol: 'HTTP' }] }), /^spec\.ports\[0\]\.protocol "HTTP" must be TCP, UDP or SCTP$/],
    [svc({}, { type: 'Ingress' }), /^spec\.type "Ingress" must be/],
    [svc({}, { externalName: 7 }), /^spec\.externalName 7 must be a string$/],
    ['text', /^a Service must be an object$/],
  ])('%j → %s', (manifest, message) => expect(serviceManifestProblem(manifest)).toMatch(message));
});
