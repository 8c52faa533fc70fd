import { describe, expect, it } from '@jest/globals';
import type { Candidate } from '../../../src/discovery/candidate.ts';
import type { ServicePods } from '../../../src/discovery/routing.ts';
import { backendRules, backendsOf, consumerPolicy, type ConsumerPolicySettings } from '../../../src/reconcile/consumer-policy.ts';

const written = (key: string, endpoint: string, target?: string): Candidate => {
  const [namespace = '', name = ''] = key.split('/');
  const [tns = '', tname = ''] = (target ?? '').split('/');
  return {
    service: { namespace, name, uid: key }, key, type: 'custom', toolset: `custom/${key}`, builtin: false, endpoint, healthUrl: endpoint,
    config: {}, priority: 0, createdAt: '', autoDetected: false, trusted: false, ...(target ? { target: { namespace: tns, name: tname } } : {}),
  };
};

const pods: Record<string, ServicePods> = {
  'team-a/api': { selector: { app: 'api', tier: 'web' }, ports: [{ port: 8080, targetPort: 'http' }, { port: 9090, targetPort: 9091 }] },
  'team-a/api-v2': { selector: { tier: 'web', app: 'api' }, ports: [{ port: 8080, targetPort: 'http' }] },
  'team-b/mcp': { selector: { app: 'mcp' }, ports: [{ port: 8000, protocol: 'TCP' }] },
  // Selector-less, routed by Pod-naming EndpointSlices with two target ports behind one Service port.
  'team-c/hand': { selector: {}, ports: [{ port: 8080, targetPort: 9000, protocol: 'TCP' }, { port: 8080, targetPort: 9001, protocol: 'TCP' }] },
};

const settings: ConsumerPolicySettings = {
  namespace: 'holmes', name: 'kubernaut-toolset-consumer', podSelector: { matchLabels: { app: 'holmes' } },
  dns: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  egress: [{ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 443 }] }],
  ingress: [],
};

describe('backendsOf', () => {
  it('resolves each written toolset to its Service\'s pods and the target port behind the endpoint\'s port', () => {
    const { backends, uncovered } = backendsOf([
      written('team-a/orders', 'http://api.team-a.svc:8080/v1', 'team-a/api'),
      written('team-b/mcp', 'http://mcp.team-b.svc.cluster.local:8000/mcp', 'team-b/mcp'),
      written('monitoring/saas', 'https://api.example.com', undefined),
      written('team-a/gone', 'http://ghost.team-a.svc:8080', 'team-a/ghost'),
      written('team-a/other-port', 'http://api.team-a.svc:7000', 'team-a/api'),
      written('team-c/hand', 'http://hand.team-c.svc:8080', 'team-c/hand'),
    ], (key) => pods[key]);
    expect(backends).toEqual([
      { namespace: 'team-a', selector: { app: 'api', tier: 'web' }, port: 'http', protocol: 'TCP' },
      { namespace: 'team-b', selector: { app: 'mcp' }, port: 8000, protocol: 'TCP' },
      { namespace: 'team-c', selector: {}, port: 9000, protocol: 'TCP' },
      { namespace: 'team-c', selector: {}, port: 9001, protocol: 'TCP' },
    ]);
    // No Service (or no such port) behind them: the admin's own egress rules must cover these.
    expect(uncovered).toEqual(['custom/monitoring/saas', 'custom/team-a/gone', 'custom/team-a/other-port']);
  });
});

describe('consumerPolicy', () => {
  it('allows DNS, the admin\'s rules and exactly the toolsets\' pods; nothing else', () => {
    const spec = consumerPolicy([
      { namespace: 'team-b', selector: { app: 'mcp' }, port: 8000, protocol: 'TCP' },
      { namespace: 'team-a', selector: { tier: 'web', app: 'api' }, port: 'http', protocol: 'TCP' },
      { namespace: 'team-a', selector: { app: 'api', tier: 'web' }, port: 9091, protocol: 'TCP' },
    ], settings);
    expect(spec).toEqual({
      podSelector: { matchLabels: { app: 'holmes' } },
      policyTypes: ['Egress'],
      egress: [
        { to: settings.dns, ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
        ...settings.egress,
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } }, podSelector: { matchLabels: { app: 'api', tier: 'web' } } }],
          ports: [{ port: 9091, protocol: 'TCP' }, { port: 'http', protocol: 'TCP' }],
        },
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-b' } }, podSelector: { matchLabels: { app: 'mcp' } } }],
          ports: [{ port: 8000, protocol: 'TCP' }],
        },
      ],
    });
  });

  it('is the same for the same toolsets in any order (no write when nothing changed)', () => {
    const a = { namespace: 'team-a', selector: { app: 'api' }, port: 8080, protocol: 'TCP' };
    const b = { namespace: 'team-b', selector: { app: 'mcp' }, port: 8000, protocol: 'TCP' };
    expect(JSON.stringify(consumerPolicy([a, b, a], settings))).toBe(JSON.stringify(consumerPolicy([b, a], settings)));
  });

  it('with no toolsets allows DNS and the admin\'s rules only; with ingress rules it restricts ingress too', () => {
    expect(consumerPolicy([], { ...settings, dns: [], egress: [] })).toEqual({ podSelector: settings.podSelector, policyTypes: ['Egress'], egress: [] });
    const ingress = [{ from: [{ podSelector: { matchLabels: { app: 'kubernaut-toolset' } } }], ports: [{ port: 5050 }] }];
    expect(consumerPolicy([], { ...settings, ingress })).toMatchObject({ policyTypes: ['Ingress', 'Egress'], ingress });
  });
});

describe('backendRules', () => {
  it('is one rule per set of pods, whatever the admin\'s own rules and DNS (what /status counts as backends)', () => {
    const rules = backendRules([
      { namespace: 'team-a', selector: { tier: 'web', app: 'api' }, port: 'http', protocol: 'TCP' },
      { namespace: 'team-a', selector: { app: 'api', tier: 'web' }, port: 9091, protocol: 'TCP' },
      { namespace: 'team-c', selector: {}, port: 9000, protocol: 'TCP' },
    ]);
    expect(rules.map((r) => r.to)).toEqual([
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } }, podSelector: { matchLabels: { app: 'api', tier: 'web' } } }],
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-c' } }, podSelector: { matchLabels: {} } }],
    ]);
    const spec = consumerPolicy([], { ...settings, dns: [], egress: [] });
    expect(spec.egress).toEqual([]);
  });
});
