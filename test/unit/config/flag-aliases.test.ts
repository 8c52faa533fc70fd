import { describe, expect, it } from '@jest/globals';
import { withAliases } from '../../../src/config/flag-aliases.ts';
import { ConfigError, loadConfig } from '../../../src/config/load.ts';

describe('Kubernetes-style flag aliases', () => {
  it('translate into the settings\' own flags, and the configuration reads them', () => {
    const flags = withAliases({ 'leader-elect': false, 'metrics-bind-address': '0.0.0.0:9191', 'health-probe-bind-address': ':8181', namespace: ['team-a', 'team-b'] }, {});
    expect(flags).toEqual({ 'leader-election-enabled': false, 'http-metrics-port': '9191', 'http-address': '0.0.0.0', 'http-port': '8181', 'namespaces-include': 'team-a,team-b' });
    const config = loadConfig({ env: {}, flags });
    expect([config.leaderElection.enabled, config.http.metricsPort, config.http.port, config.http.address, config.namespaces.include]).toEqual([false, 9191, 8181, '0.0.0.0', ['team-a', 'team-b']]);
  });

  it('agree with the settings\' own flags or say that they do not', () => {
    expect(withAliases({ 'leader-elect': true }, { 'leader-election-enabled': true })).toEqual({ 'leader-election-enabled': true });
    expect(() => withAliases({ 'metrics-bind-address': ':9191' }, { 'http-metrics-port': '9090' })).toThrow(new ConfigError('--metrics-bind-address and --http-metrics-port disagree ("9191" and "9090"); give one of them'));
    expect(() => withAliases({ 'metrics-bind-address': '10.0.0.1:9090', 'health-probe-bind-address': '10.0.0.2:8080' }, {})).toThrow(/--health-probe-bind-address and --http-address disagree/);
  });

  it.each(['9090', 'localhost', ':0', ':70000', 'a b:80'])('refuse a bind address %j with the expected form', (value) => {
    expect(() => withAliases({ 'metrics-bind-address': value }, {})).toThrow(`--metrics-bind-address ${JSON.stringify(value)}: expected [HOST]:PORT, e.g. :9090 or 0.0.0.0:9090`);
  });

  it('accept an IPv6 host in brackets', () => {
    expect(withAliases({ 'health-probe-bind-address': '[::1]:8080' }, {})).toEqual({ 'http-port': '8080', 'http-address': '::1' });
  });
});
