import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configFromDocument, loadConfig, parseDuration } from '../../../src/config/load.ts';
import { defaultConfig } from '../../../src/config/fields.ts';

/** The error configFromDocument throws, for assertions on its class and message. */
function errorOf(doc: unknown, env: NodeJS.ProcessEnv = {}): Error {
  try {
    configFromDocument(doc, env);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected ${JSON.stringify(doc)} to be rejected`);
}

describe('configFromDocument: defaults (SPEC §3, §4)', () => {
  const config = configFromDocument({}, {});

  it.each([
    ['health.enabled', config.health.enabled, true],
    ['health.timeoutMs (5 s)', config.health.timeoutMs, 5_000],
    ['health.concurrency', config.health.concurrency, 32],
    ['health.failureThreshold', config.health.failureThreshold, 2],
    ['reconcile.quietWindowMs (500 ms)', config.reconcile.quietWindowMs, 500],
    ['reconcile.maxDelayMs (5 s)', config.reconcile.maxDelayMs, 5_000],
    ['reconcile.resyncIntervalMs (5 min)', config.reconcile.resyncIntervalMs, 300_000],
    ['output.name', config.output.name, 'kubernaut-toolset-config'],
    ['output.key', config.output.key, 'toolset.yaml'],
    ['output.sizeBudgetBytes (900 KiB)', config.output.sizeBudgetBytes, 921_600],
    ['output.namespace without POD_NAMESPACE', config.output.namespace, 'kubernaut-system'],
    ['output.adopt', config.output.adopt, false],
    ['autoDetect (off by default)', config.autoDetect, false],
    ['clusterDomain', config.clusterDomain, 'cluster.local'],
    ['dryRun', config.dryRun, false],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('has no allowed hosts, no namespace filters, no label selector and no CA file', () => {
    expect(config.endpoints.allowedHosts).toEqual([]);
    expect(config.namespaces).toEqual({ include: [], exclude: [] });
    expect(config).not.toHaveProperty('labelSelector');
    expect(config.health).not.toHaveProperty('caFile');
  });

  it('null and undefined documents (an empty YAML file) mean all defaults', () => {
    expect(configFromDocument(null, {})).toEqual(config);
    expect(configFromDocument(undefined, {})).toEqual(config);
    expect(config).toEqual(defaultConfig({}));
  });

  it('uses POD_NAMESPACE for the output namespace', () => {
    expect(configFromDocument({}, { POD_NAMESPACE: 'observability' }).output.namespace).toBe('observability');
    expect(configFromDocument({}, { POD_NAMESPACE: '' }).output.namespace).toBe('kubernaut-system');
  });

  it('an explicit output.namespace wins over POD_NAMESPACE', () => {
    expect(configFromDocument({ output: { namespace: 'holmes' } }, { POD_NAMESPACE: 'observability' }).output.namespace).toBe('holmes');
  });

  it('lays a partial output section over the defaults', () => {
    expect(configFromDocument({ output: { key: 'custom_toolset.yaml', adopt: true } }, {}).output).toEqual({
      namespace: 'kubernaut-system',
      name: 'kubernaut-toolset-config',
      key: 'custom_toolset.yaml',
      adopt: true,
      sizeBudgetBytes: 921_600,
    });
  });

  it('takes every setting from a full document', () => {
    const c = configFromDocument(
      {
        clusterDomain: 'corp.internal',
        namespaces: { include: ['monitoring', 'logging'], exclude: ['kube-system'] },
        labelSelector: 'team=sre',
        autoDetect: true,
        endpoints: { allowedHosts: ['*.example.com', '10.0.0.0/8'] },
        tenancy: { trustedNamespaces: ['monitoring', 'logging'], trustLabel: true, untrustedMcp: true, tenantDescriptions: false },
        toolsetDefaults: { prometheus: { config: { additional_headers: { Authorization: 'Bearer {{ env.PROM_TOKEN }}' } } } },
        health: { enabled: false, timeout: '2s', concurrency: 8, failureThreshold: 3, interval: '30s', caFile: '/etc/ca/bundle.pem' },
        reconcile: { quietWindow: '250ms', maxDelay: '10s', resyncInterval: '10m' },
        output: { namespace: 'holmes', name: 'holmes-toolsets', key: 'custom_toolset.yaml', adopt: true, sizeBudgetBytes: 1_048_576 },
        dryRun: true,
        http: { address: '127.0.0.1', port: 8081, metricsPort: 9091 },
        watch: { stallTimeout: '3m' },
        leaderElection: { enabled: false, leaseName: 'holmes-toolsets', leaseDuration: '20s', renewDeadline: '15s', retryPeriod: '3s' },
        shutdownTimeout: '45s',
        consumer: { base: { configMap: 'holmes/custom-toolsets-configmap', key: 'toolsets.yaml' }, networkPolicy: { enabled: true, name: 'holmes-egress', podSelector: { matchLabels: { app: 'holmes' } }, egress: [{ ports: [{ port: 443 }] }] } },
        reload: { deployment: 'holmes/holmesgpt', inPlace: true, adminPort: 8000, hashPort: 9000, confirm: 'marker', confirmTimeout: '7s', minInterval: '1m', apiKeySecret: 'holmes-api-key', apiKeySecretKey: 'key' },
      },
      { POD_NAMESPACE: 'ignored' },
    );
    expect(c).toEqual({
      clusterDomain: 'corp.internal',
      namespaces: { include: ['monitoring', 'logging'], exclude: ['kube-system'] },
      labelSelector: 'team=sre',
      autoDetect: true,
      endpoints: { allowedHosts: ['*.example.com', '10.0.0.0/8'] },
      tenancy: { trustedNamespaces: ['monitoring', 'logging'], trustLabel: true, untrustedMcp: true, tenantDescriptions: false },
      toolsetDefaults: { prometheus: { config: { additional_headers: { Authorization: 'Bearer {{ env.PROM_TOKEN }}' } } } },
      health: { enabled: false, timeoutMs: 2_000, concurrency: 8, failureThreshold: 3, intervalMs: 30_000, caFile: '/etc/ca/bundle.pem' },
      reconcile: { quietWindowMs: 250, maxDelayMs: 10_000, resyncIntervalMs: 600_000 },
      output: { namespace: 'holmes', name: 'holmes-toolsets', key: 'custom_toolset.yaml', adopt: true, sizeBudgetBytes: 1_048_576 },
      dryRun: true,
      http: { address: '127.0.0.1', port: 8081, metricsPort: 9091 },
      watch: { stallTimeoutMs: 180_000 },
      leaderElection: { enabled: false, leaseName: 'holmes-toolsets', leaseDurationMs: 20_000, renewDeadlineMs: 15_000, retryPeriodMs: 3_000 },
      shutdownTimeoutMs: 45_000,
      consumer: {
        base: { configMap: 'holmes/custom-toolsets-configmap', key: 'toolsets.yaml' },
        networkPolicy: {
          enabled: true, name: 'holmes-egress', podSelector: { matchLabels: { app: 'holmes' } }, egress: [{ ports: [{ port: 443 }] }], ingress: [],
          dns: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        },
      },
      reload: { deployment: 'holmes/holmesgpt', inPlace: true, adminPort: 8000, hashPort: 9000, confirm: 'marker', confirmTimeoutMs: 7_000, minIntervalMs: 60_000, apiKeySecret: 'holmes-api-key', apiKeySecretKey: 'key' },
    });
  });

  it('tenancy is secure by default: nothing trusted but the operator\'s own namespace, no Namespace watch', () => {
    expect(configFromDocument({}, {}).tenancy).toEqual({ trustedNamespaces: [], trustLabel: false, untrustedMcp: false, tenantDescriptions: true });
    expect(configFromDocument({}, {}).toolsetDefaults).toEqual({});
  });

  it('reload.minInterval may be 0s (no limit), unlike the other durations', () => {
    expect(configFromDocument({ reload: { minInterval: '0s' } }, {}).reload.minIntervalMs).toBe(0);
    expect(() => configFromDocument({ reload: { confirmTimeout: '0s' } }, {})).toThrow(/reload\.confirmTimeout: 0ms is not allowed/);
  });

  it.each([
    [{ consumer: { networkPolicy: { enabled: true } } }, /consumer\.networkPolicy: name HolmesGPT's pods, with reload\.deployment or consumer\.networkPolicy\.podSelector/],
    [{ tenancy: { trustedNamespaces: ['Team_A'] } }, /tenancy\.trustedNamespaces\.0: "Team_A" is not allowed/],
    [{ tenancy: { trustEveryone: true } }, /tenancy\.trustEveryone: unknown setting/],
    [{ toolsetDefaults: { custom: { config: {} } } }, /toolsetDefaults\.custom: unknown setting/],
    [{ toolsetDefaults: { prometheus: { enabled: false } } }, /toolsetDefaults\.prometheus\.enabled: unknown setting/],
    [{ toolsetDefaults: { prometheus: { config: { additional_headers: 'x' } } } }, /toolsetDefaults\.prometheus: \/prometheus~1metrics\/config\/additional_headers must be object/],
  ])('rejects tenancy and toolsetDefaults mistakes: %j', (doc, message) => {
    expect(() => configFromDocument(doc, {})).toThrow(message);
  });

  it('maxDelay equal to quietWindow is allowed', () => {
    expect(configFromDocument({ reconcile: { quietWindow: '1s', maxDelay: '1000ms' } }, {}).reconcile).toMatchObject({ quietWindowMs: 1_000, maxDelayMs: 1_000 });
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['2m', 120_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['.5s', 500],
    ['1.s', 1_000],
    ['1500us', 2],
    ['2500000ns', 3],
    ['250µs', 0],
    [' 5s ', 5_000], // env and flags arrive trimmed; parseDuration trims too
  ])('parseDuration(%j) = %i ms, as Go reads it', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['5 s', '5S', 's', '-5s', '+5s', '1d', '', '5sec', '1m 30s', '.s', 'ms5'])('parseDuration(%j) is a ConfigError naming Go duration syntax', (input) => {
    expect(() => parseDuration(input)).toThrow(ConfigError);
    expect(() => parseDuration(input)).toThrow(`invalid duration ${JSON.stringify(input)}: use Go duration syntax`);
  });

  it.each([['5', '5s or 5ms'], ['2500', '2500s or 2500ms'], ['1.5', '1.5s or 1.5ms']])('a bare number %j is refused with the fix', (input, fix) => {
    expect(() => parseDuration(input)).toThrow(`invalid duration ${JSON.stringify(input)}: a number needs a unit, e.g. ${fix.replace(' or ', ' or ')}`);
  });

  it.each([
    [{ health: { timeout: '500ms' } }, (c: ReturnType<typeof configFromDocument>) => c.health.timeoutMs, 500],
    [{ health: { timeout: '2s500ms' } }, (c: ReturnType<typeof configFromDocument>) => c.health.timeoutMs, 2_500],
    [{ health: { interval: '2m' } }, (c: ReturnType<typeof configFromDocument>) => c.health.intervalMs, 120_000],
    [{ reconcile: { quietWindow: '1.5s', maxDelay: '1.5h' } }, (c: ReturnType<typeof configFromDocument>) => c.reconcile.maxDelayMs, 5_400_000],
    [{ reconcile: { resyncInterval: '1.5h' } }, (c: ReturnType<typeof configFromDocument>) => c.reconcile.resyncIntervalMs, 5_400_000],
  ])('%j is read in milliseconds', (doc, pick, expected) => {
    expect(pick(configFromDocument(doc, {}))).toBe(expected);
  });
});

describe('configFromDocument: invalid documents', () => {
  it.each([
    ['unknown top-level key', { healthh: {} }, /^ {2}healthh: unknown setting$/m],
    ['unknown nested key', { health: { timeoutSeconds: 5 } }, /^ {2}health\.timeoutSeconds: unknown setting$/m],
    ['unknown key two levels down', { output: { namespace: 'a', nme: 'x' } }, /^ {2}output\.nme: unknown setting$/m],
    ['wrong type: autoDetect', { autoDetect: 'yes' }, /^ {2}autoDetect: "yes" is not allowed; expected must be boolean$/m],
    ['wrong type: concurrency string', { health: { concurrency: '32' } }, /^ {2}health\.concurrency: "32" is not allowed; expected must be integer$/m],
    ['range: concurrency 0', { health: { concurrency: 0 } }, /^ {2}health\.concurrency: 0 is not allowed; expected must be >= 1$/m],
    ['range: concurrency 5000', { health: { concurrency: 5000 } }, /^ {2}health\.concurrency: 5000 is not allowed; expected must be <= 1024$/m],
    ['range: failureThreshold 0', { health: { failureThreshold: 0 } }, /^ {2}health\.failureThreshold: 0 is not allowed; expected must be >= 1$/m],
    ['non-integer failureThreshold', { health: { failureThreshold: 1.5 } }, /^ {2}health\.failureThreshold: 1\.5 is not allowed; expected must be integer$/m],
    ['bad duration string', { health: { timeout: '5 seconds' } }, /^ {2}health\.timeout: "5 seconds" is not allowed; expected a Go duration such as 500ms, 5s, 1m30s \(a number needs a unit: 5 is 5s or 5000ms\)$/m],
    ['bad duration unit', { reconcile: { resyncInterval: '1d' } }, /^ {2}reconcile\.resyncInterval: "1d" is not allowed; expected a Go duration/m],
    ['negative duration number', { reconcile: { quietWindow: -1 } }, /^ {2}reconcile\.quietWindow: -1 is not allowed; expected a Go duration/m],
    ['zero duration number', { health: { interval: 0 } }, /^ {2}health\.interval: 0 is not allowed; expected a Go duration/m],
    ['fractional duration number', { health: { timeout: 1.5 } }, /^ {2}health\.timeout: 1\.5 is not allowed; expected a Go duration/m],
    ['bad namespace in include', { namespaces: { include: ['Monitoring'] } }, /^ {2}namespaces\.include\.0: "Monitoring" is not allowed; expected must match pattern/m],
    ['bad namespace in exclude', { namespaces: { exclude: ['kube_system'] } }, /^ {2}namespaces\.exclude\.0: "kube_system" is not allowed/m],
    ['duplicate namespace in include', { namespaces: { include: ['a', 'a'] } }, /^ {2}namespaces\.include: \["a","a"\] is not allowed; expected must NOT have duplicate items/m],
    ['bad output namespace', { output: { namespace: 'Kubernaut-System' } }, /^ {2}output\.namespace: "Kubernaut-System" is not allowed/m],
    ['namespace too long', { output: { namespace: 'a'.repeat(64) } }, /^ {2}output\.namespace: "a{64}" is not allowed/m],
    ['bad output name', { output: { name: 'Toolset_Config' } }, /^ {2}output\.name: "Toolset_Config" is not allowed; expected must match pattern/m],
    ['bad output key', { output: { key: 'toolset yaml' } }, /^ {2}output\.key: "toolset yaml" is not allowed/m],
    ['sizeBudgetBytes over 1 MiB', { output: { sizeBudgetBytes: 1_048_577 } }, /^ {2}output\.sizeBudgetBytes: 1048577 is not allowed; expected must be <= 1048576$/m],
    ['sizeBudgetBytes too small', { output: { sizeBudgetBytes: 100 } }, /^ {2}output\.sizeBudgetBytes: 100 is not allowed; expected must be >= 1024$/m],
    ['bad clusterDomain', { clusterDomain: 'Cluster.Local.' }, /^ {2}clusterDomain: "Cluster\.Local\." is not allowed/m],
    ['allowedHosts not a list', { endpoints: { allowedHosts: '*.example.com' } }, /^ {2}endpoints\.allowedHosts: "\*\.example\.com" is not allowed; expected must be array$/m],
    ['empty allowedHosts entry', { endpoints: { allowedHosts: [''] } }, /^ {2}endpoints\.allowedHosts\.0: "" is not allowed/m],
    ['document not a mapping', ['health'], /^ {2}\(top level\): \["health"\] is not allowed; expected must be object$/m],
    ['labelSelector too long', { labelSelector: 'a'.repeat(1025) }, /^ {2}labelSelector: "a{1025}" is not allowed; expected must NOT have more than 1024 characters$/m],
    ['bad allowedHosts CIDR', { endpoints: { allowedHosts: ['10.0.0.0/33'] } }, /^ {2}endpoints\.allowedHosts: "10\.0\.0\.0\/33" is not allowed; a CIDR range must be an IPv4 address and a prefix length of 0-32/m],
    ['bad allowedHosts pattern', { endpoints: { allowedHosts: ['example.com', 'x_y.example.com'] } }, /^ {2}endpoints\.allowedHosts: "x_y\.example\.com" is not allowed; use a host name, \*\.domain, or an IPv4 CIDR range$/m],
    ['maxDelay shorter than quietWindow', { reconcile: { quietWindow: '2s', maxDelay: '1s' } }, /^ {2}reconcile\.maxDelay: 1000ms is shorter than reconcile\.quietWindow \(2000ms\); it must be at least as long$/m],
    ['maxDelay shorter than the default quietWindow', { reconcile: { maxDelay: '100ms' } }, /^ {2}reconcile\.maxDelay: 100ms is shorter than reconcile\.quietWindow \(500ms\)/m],
    ['namespace both included and excluded', { namespaces: { include: ['a', 'b', 'c'], exclude: ['c', 'b'] } }, /^ {2}namespaces: b, c both included and excluded$/m],
    ['zero duration string', { reconcile: { resyncInterval: '0s' } }, /^ {2}reconcile\.resyncInterval: 0ms is not allowed; it must be at least 1ms$/m],
    ['sub-millisecond duration', { health: { timeout: '0.4ms' } }, /^ {2}health\.timeout: 0ms is not allowed; it must be at least 1ms$/m],
    ['CIDR with two prefixes', { endpoints: { allowedHosts: ['10.0.0.0/8/8'] } }, /^ {2}endpoints\.allowedHosts: "10\.0\.0\.0\/8\/8" is not allowed; a CIDR range must be/m],
    ['a URL in allowedHosts', { endpoints: { allowedHosts: ['https://grafana.example.com'] } }, /^ {2}endpoints\.allowedHosts: "https:\/\/grafana\.example\.com" is not allowed; give a host name, not a URL/m],
  ])('%s', (_title, doc, message) => {
    const error = errorOf(doc);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/^invalid configuration:\n/);
    expect(error.message).toMatch(message);
  });

  it('reports every problem at once, one line each', () => {
    const error = errorOf({ autoDetect: 1, health: { concurrency: 0, bogus: true }, output: { key: '' } });
    const lines = error.message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining([
      'autoDetect: 1 is not allowed; expected must be boolean',
      'health.concurrency: 0 is not allowed; expected must be >= 1',
      'health.bogus: unknown setting',
    ]));
    expect(lines.some((l) => l.startsWith('output.key: "" is not allowed'))).toBe(true);
    expect(lines).toHaveLength(4);
  });

  it('reports a bad duration once, not once per allowed form', () => {
    const lines = errorOf({ health: { timeout: 'soon' } }).message.split('\n').slice(1);
    expect(lines).toEqual(['  health.timeout: "soon" is not allowed; expected a Go duration such as 500ms, 5s, 1m30s (a number needs a unit: 5 is 5s or 5000ms)']);
  });

  it('reports all semantic problems together', () => {
    const error = errorOf({ endpoints: { allowedHosts: ['*'] }, reconcile: { quietWindow: '3s', maxDelay: '2s' }, namespaces: { include: ['x'], exclude: ['x'] } });
    expect(error.message.split('\n')).toHaveLength(4);
  });
});

describe('loadConfig from a file', () => {
  /** The file alone (no flags), with `env` as the environment. */
  const loadConfigFile = (path: string | undefined, env: NodeJS.ProcessEnv) => loadConfig({ ...(path ? { file: path } : {}), env });
  const dir = mkdtempSync(join(tmpdir(), 'kubernaut-config-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('without a path gives the defaults, with POD_NAMESPACE', () => {
    expect(loadConfigFile(undefined, { POD_NAMESPACE: 'ops' })).toEqual(configFromDocument({}, { POD_NAMESPACE: 'ops' }));
    expect(loadConfigFile('', {})).toEqual(defaultConfig({}));
  });

  it('reads a YAML file', () => {
    const path = file('good.yaml', ['autoDetect: true', 'health:', '  timeout: 2s', 'reconcile:', '  quietWindow: 250ms', 'output:', '  adopt: true', ''].join('\n'));
    const c = loadConfigFile(path, {});
    expect(c.autoDetect).toBe(true);
    expect(c.health.timeoutMs).toBe(2_000);
    expect(c.reconcile.quietWindowMs).toBe(250);
    expect(c.output.adopt).toBe(true);
  });

  it('a file holding a null document means defaults', () => {
    expect(loadConfigFile(file('null.yaml', '---\n'), {})).toEqual(defaultConfig({}));
  });

  it('a blank or comment-only file means defaults', () => {
    expect(loadConfigFile(file('blank.yaml', ''), {})).toEqual(defaultConfig({}));
    expect(loadConfigFile(file('comments.yaml', '# nothing set yet\n\n  # really\n'), {})).toEqual(defaultConfig({}));
  });

  it('an invalid POD_NAMESPACE is a ConfigError naming POD_NAMESPACE', () => {
    expect(() => loadConfigFile(undefined, { POD_NAMESPACE: 'Bad_NS' })).toThrow(/POD_NAMESPACE: "Bad_NS" is not a valid namespace name/);
  });

  it('a missing file is a ConfigError naming the path', () => {
    const path = join(dir, 'does-not-exist.yaml');
    expect(() => loadConfigFile(path, {})).toThrow(ConfigError);
    expect(() => loadConfigFile(path, {})).toThrow(new RegExp(`^cannot read configuration file ${path.replaceAll('.', '\\.')}: ENOENT`));
  });

  it('a directory is a ConfigError', () => {
    expect(() => loadConfigFile(dir, {})).toThrow(ConfigError);
  });

  it('invalid YAML is a ConfigError naming the file, on one line', () => {
    const path = file('broken.yaml', 'health:\n  timeout: [5s\n');
    let error: Error | undefined;
    try {
      loadConfigFile(path, {});
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(new RegExp(`^configuration file ${path.replaceAll('.', '\\.')} is not valid YAML: \\S`));
    expect(error?.message).not.toContain('\n');
  });

  it('a valid YAML file with an invalid setting is a ConfigError naming the field', () => {
    const path = file('bad-field.yaml', 'health:\n  concurrency: 0\n');
    expect(() => loadConfigFile(path, {})).toThrow(/health\.concurrency: 0 is not allowed/);
  });
});
