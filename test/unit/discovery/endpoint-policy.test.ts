import { describe, expect, it } from '@jest/globals';
import { endpointAllowed, invalidHostPattern, serviceOfUrl } from '../../../src/discovery/endpoint-policy.ts';

describe('serviceOfUrl: the Service a URL\'s host names', () => {
  it.each([
    ['prometheus.monitoring.svc', 'cluster.local', true],
    ['prometheus.monitoring.svc.cluster.local', 'cluster.local', true],
    ['a.b.svc', 'cluster.local', true],
    ['p-1.ns-2.svc.cluster.local', 'cluster.local', true],
    ['prometheus.monitoring.svc.corp.internal', 'corp.internal', true],
    ['prometheus.monitoring.svc', 'corp.internal', true],
    ['prometheus.monitoring.svc.cluster.local', 'corp.internal', false],
    ['prometheus.monitoring.svc.corp.internal', 'cluster.local', false],
    ['prometheus.monitoring.svc.CORP.internal', 'Corp.Internal', true],
    ['prometheus.monitoring.svc.corp.internal', 'Corp.Internal', true],
    // The domain's dots are literal dots, not "any character".
    ['prometheus.monitoring.svc.clusterxlocal', 'cluster.local', false],
    ['prometheus.monitoring.svcxcluster.local', 'cluster.local', false],
    ['prometheus.svc', 'cluster.local', false],
    ['prometheus.svc.cluster.local', 'cluster.local', false],
    ['a.b.c.svc', 'cluster.local', false],
    ['prometheus.monitoring.svc.cluster.local.evil.com', 'cluster.local', false],
    ['evil.com', 'cluster.local', false],
    ['-bad.ns.svc', 'cluster.local', false],
    ['bad-.ns.svc', 'cluster.local', false],
    [`${'a'.repeat(63)}.ns.svc`, 'cluster.local', true],
    [`${'a'.repeat(64)}.ns.svc`, 'cluster.local', false],
    // URLs compare host names lower-case.
    ['Prometheus.monitoring.svc', 'cluster.local', true],
    ['prom_1.monitoring.svc', 'cluster.local', false],
  ])('%s with domain %s → %s', (host, domain, expected) => {
    expect(serviceOfUrl(new URL(`http://${host}:8080/x`), domain) !== undefined).toBe(expected);
  });

  it('gives the name and the namespace', () => {
    expect(serviceOfUrl(new URL('http://api-internal.team-a.svc.cluster.local:8080/v1'), 'cluster.local')).toEqual({ name: 'api-internal', namespace: 'team-a' });
  });
});

describe('endpointAllowed', () => {
  const allowed = (url: string, allowedHosts: string[] = [], clusterDomain = 'cluster.local') =>
    endpointAllowed(new URL(url), { clusterDomain, allowedHosts }, { namespace: 'monitoring', trusted: true });
  const fromTenant = (url: string, allowedHosts: string[] = []) =>
    endpointAllowed(new URL(url), { clusterDomain: 'cluster.local', allowedHosts }, { namespace: 'team-a', trusted: false });

  it('an untrusted namespace reaches Services of its own namespace only, whatever allowedHosts say', () => {
    expect(fromTenant('http://api.team-a.svc:8080')).toBe(true);
    expect(fromTenant('http://api.team-a.svc.cluster.local:8080')).toBe(true);
    expect(fromTenant('http://prom.monitoring.svc:9090')).toBe(false);
    expect(fromTenant('http://api.team-ab.svc:8080')).toBe(false);
    expect(fromTenant('http://api.team-a.svc.evil.example')).toBe(false);
    expect(fromTenant('https://prometheus.example.com', ['prometheus.example.com'])).toBe(false);
    expect(fromTenant('http://10.0.0.1', ['10.0.0.0/8'])).toBe(false);
  });

  it('never the API server\'s own Service, unless an admin lists it', () => {
    expect(allowed('https://kubernetes.default.svc')).toBe(false);
    expect(allowed('https://kubernetes.default.svc.cluster.local:443')).toBe(false);
    expect(allowed('https://kubernetes.default.svc', ['kubernetes.default.svc'])).toBe(true);
    expect(endpointAllowed(new URL('https://kubernetes.default.svc'), { clusterDomain: 'cluster.local', allowedHosts: [] }, { namespace: 'default', trusted: false })).toBe(false);
  });

  it('allows cluster Service names by default and nothing else', () => {
    expect(allowed('http://prom.monitoring.svc:9090')).toBe(true);
    expect(allowed('https://prom.monitoring.svc.cluster.local/x')).toBe(true);
    expect(allowed('http://PROM.Monitoring.SVC:9090')).toBe(true);
    expect(allowed('http://prometheus.example.com')).toBe(false);
    expect(allowed('http://10.0.0.1')).toBe(false);
    expect(allowed('http://127.0.0.1')).toBe(false);
    expect(allowed('http://localhost')).toBe(false);
    expect(allowed('http://[::1]:9090')).toBe(false);
  });

  it('uses the configured cluster domain', () => {
    expect(allowed('http://prom.monitoring.svc.corp.internal', [], 'corp.internal')).toBe(true);
    expect(allowed('http://prom.monitoring.svc.cluster.local', [], 'corp.internal')).toBe(false);
  });

  it('exact host patterns match the whole host only, case-insensitively', () => {
    expect(allowed('https://prometheus.example.com', ['prometheus.example.com'])).toBe(true);
    expect(allowed('https://prometheus.example.com', ['Prometheus.Example.COM'])).toBe(true);
    expect(allowed('https://prometheus.example.com.evil.net', ['prometheus.example.com'])).toBe(false);
    expect(allowed('https://xprometheus.example.com', ['prometheus.example.com'])).toBe(false);
    expect(allowed('https://a.prometheus.example.com', ['prometheus.example.com'])).toBe(false);
  });

  it('wildcards match sub-domains at any depth, not the bare domain nor look-alikes', () => {
    expect(allowed('https://a.example.com', ['*.example.com'])).toBe(true);
    expect(allowed('https://a.b.example.com', ['*.example.com'])).toBe(true);
    expect(allowed('https://example.com', ['*.example.com'])).toBe(false);
    expect(allowed('https://evilexample.com', ['*.example.com'])).toBe(false);
    expect(allowed('https://example.com.evil.net', ['*.example.com'])).toBe(false);
  });

  it.each([
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '10.0.0.0', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '9.255.255.255', false],
    ['192.168.1.0/24', '192.168.1.77', true],
    ['192.168.1.0/24', '192.168.2.1', false],
    ['192.168.1.10/32', '192.168.1.10', true],
    ['192.168.1.10/32', '192.168.1.11', false],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0', false],
    ['0.0.0.0/0', '203.0.113.9', true],
  ])('CIDR %s allows %s: %s', (cidr, ip, expected) => {
    expect(allowed(`http://${ip}:9090`, [cidr])).toBe(expected);
  });

  it('a CIDR never matches a host name', () => {
    expect(allowed('http://example.com', ['0.0.0.0/0'])).toBe(false);
  });

  it('compares IPv6 literals without brackets', () => {
    expect(allowed('http://[fd00::1]:9090', ['fd00::1'])).toBe(true);
  });

  it('any one matching pattern is enough', () => {
    expect(allowed('https://grafana.example.org', ['10.0.0.0/8', 'prometheus.example.com', '*.example.org'])).toBe(true);
  });
});

describe('invalidHostPattern', () => {
  it.each(['example.com', '*.example.com', 'localhost', 'a-b.c-d.example', '10.0.0.0/8', '192.168.1.1/32', '0.0.0.0/0', 'Prometheus.Example.com'])(
    '%s is a valid pattern',
    (pattern) => {
      expect(invalidHostPattern(pattern)).toBeUndefined();
    },
  );

  it.each(['10.0.0.0/33', '10.0.0/8', 'example.com/8', '10.0.0.0/', '256.0.0.0/8', '10.0.0.0/100', '::1/128'])(
    '%s is an invalid CIDR',
    (pattern) => {
      expect(invalidHostPattern(pattern)).toBe('a CIDR range must be an IPv4 address and a prefix length of 0-32, e.g. 10.0.0.0/8');
    },
  );

  it.each(['*', '*.', '', 'exa mple.com', 'a..b', '-bad.com', 'http:example.com', '**.example.com', 'example.*', 'a_b.com', '.example.com'])(
    '%j is an invalid host pattern',
    (pattern) => {
      expect(invalidHostPattern(pattern)).toBe('use a host name, *.domain, or an IPv4 CIDR range');
    },
  );
});
