// The operator as a process: configuration errors, CLI commands, HTTP endpoints, dry run, signals.
import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { testCluster } from '../support/cluster-info.ts';
import { HttpTarget } from '../support/http-target.ts';
import { freshNamespace } from '../support/kube.ts';
import { outputWhere, readOutput, startOperator, testConfig } from '../support/operator-harness.ts';
import { OperatorProcess, processArgs, processSuite } from '../support/operator-process.ts';
import { auditedRequests, serviceAccountKubeconfig } from '../support/service-account.ts';
import { createServices } from '../support/services.ts';

const main = join(import.meta.dirname, '../../src/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'kubernaut-process-'));

function cli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', main, ...args], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...options.env }, ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

/** Like cli(), but without blocking this process: needed when this process also serves the HTTP targets. */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration errors stop the process with exit code 2 before it touches the cluster', () => {
  // A kubeconfig that does not exist: reaching the cluster would fail differently (exit 1).
  const args = (...extra: string[]) => ['run', '--kubeconfig', '/nonexistent/kubeconfig', ...extra];
  it.each([
    ['unknown top-level key in the file', { file: 'healthh:\n  timeout: 5s\n' }, /healthh: unknown setting/],
    ['unknown nested key in the file', { file: 'output:\n  nme: x\n' }, /output\.nme: unknown setting/],
    ['a string where a number belongs', { file: 'health:\n  concurrency: lots\n' }, /health\.concurrency: "lots" is not allowed; expected must be integer/],
    ['concurrency out of range', { flags: ['--health-concurrency', '0'] }, /health\.concurrency: 0 is not allowed; expected must be >= 1/],
    ['a bad duration in the environment', { env: { KUBERNAUT_HEALTH_TIMEOUT: 'soon' } }, /health\.timeout: "soon" is not allowed; expected a Go duration/],
    ['a zero duration flag', { flags: ['--reconcile-resync-interval', '0s'] }, /reconcile\.resyncInterval: 0ms is not allowed; it must be at least 1ms/],
    ['maxDelay shorter than the quiet window', { flags: ['--reconcile-quiet-window', '2s', '--reconcile-max-delay', '1s'] }, /reconcile\.maxDelay: 1000ms is shorter than reconcile\.quietWindow/],
    ['a namespace name with capitals', { env: { KUBERNAUT_NAMESPACES_INCLUDE: 'Monitoring' } }, /namespaces\.include\.0: "Monitoring" is not allowed/],
    ['a bad allowedHosts pattern (a URL)', { flags: ['--endpoints-allowed-hosts', 'https://grafana.example.com'] }, /endpoints\.allowedHosts: "https:\/\/grafana\.example\.com" is not allowed; give a host name, not a URL/],
    ['a bad CIDR', { file: 'endpoints:\n  allowedHosts: ["10.0.0.0/40"]\n' }, /a CIDR range must be an IPv4 address/],
    ['an invalid POD_NAMESPACE', { env: { POD_NAMESPACE: 'Kubernaut_System' } }, /POD_NAMESPACE: "Kubernaut_System" is not a valid namespace name/],
    ['a port out of range', { flags: ['--http-port', '70000'] }, /http\.port: 70000 is not allowed; expected must be <= 65535/],
    ['renew deadline not shorter than the lease', { flags: ['--leader-election-renew-deadline', '20s'] }, /leaderElection\.renewDeadline: 20000ms must be shorter than leaderElection\.leaseDuration/],
    ['a boolean environment variable that is not true/false', { env: { KUBERNAUT_DRY_RUN: 'yes' } }, /dryRun: "yes" is not allowed; expected must be boolean/],
    ['the file is not YAML', { file: 'health: [\n' }, /configuration file .* is not valid YAML/],
    ['an unknown flag: one short line, not the usage', { flags: ['--health-timeot', '5s'] }, /^kubernaut-toolset run: unknown flag --health-timeot; see "kubernaut-toolset run --help"\n$/],
    ['a flag without its value', { flags: ['--config'] }, /^kubernaut-toolset run: --config needs a value; see "kubernaut-toolset run --help"\n$/],
    ['a duration without a unit', { env: { KUBERNAUT_HEALTH_TIMEOUT: '5' } }, /health\.timeout: "5" is not allowed; expected a Go duration such as 500ms, 5s, 1m30s \(a number needs a unit: 5 is 5s or 5000ms\)/],
    ['a duration in the file as a bare number', { file: 'reconcile:\n  quietWindow: 500\n' }, /reconcile\.quietWindow: 500 is not allowed; expected a Go duration/],
    ['a log level that does not exist', { flags: ['--log-level', 'bogus'] }, /--log-level "bogus" is not one of error, warn, info, debug/],
    ['a log format that does not exist', { flags: ['--log-format', 'yaml'] }, /--log-format "yaml" is not one of json, text/],
    ['a Kubernetes-style bind address without a port', { flags: ['--metrics-bind-address', '9090'] }, /--metrics-bind-address "9090": expected \[HOST\]:PORT/],
    ['a Kubernetes-style alias that contradicts its setting', { flags: ['--leader-elect', '--no-leader-election-enabled'] }, /--leader-elect and --leader-election-enabled disagree/],
    ['a kubeconfig that does not exist', { flags: ['--kubeconfig', '/nonexistent/kubeconfig'] }, /--kubeconfig "\/nonexistent\/kubeconfig": no such file/],
  ])('%s', (_title, input: { file?: string; env?: NodeJS.ProcessEnv; flags?: string[] }, message) => {
    const configArgs = input.file !== undefined ? ['--config', file(`bad-${Math.random().toString(36).slice(2)}.yaml`, input.file)] : [];
    const result = cli(args(...configArgs, ...(input.flags ?? [])), input.env ? { env: input.env } : {});
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
  });

  it('precedence: flags over environment over file', () => {
    const config = file('precedence.yaml', 'health:\n  timeout: 1s\n  concurrency: 3\n');
    // Each layer makes a different field invalid; the error shows which value won.
    const result = cli(args('--config', config, '--health-timeout', 'soon'), { env: { KUBERNAUT_HEALTH_TIMEOUT: '2s', KUBERNAUT_HEALTH_CONCURRENCY: '0' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/health\.timeout: "soon" is not allowed/);
    expect(result.stderr).toMatch(/health\.concurrency: 0 is not allowed/);
  });
});

describe('commands and help', () => {
  it.each(['run', 'status', 'render', 'validate', 'version'])('%s --help describes the command and exits 0', (command) => {
    const result = cli([command, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: kubernaut-toolset ${command}`));
  });

  it('top-level --help lists the commands and the exit codes; an unknown command exits 2', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/run +run the operator/);
    expect(help.stdout).toMatch(/Exit codes: 0 success; 1 failure/);
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('version, --version and -v print the package version, the checkout\'s git commit and that it was not built', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const repo = join(import.meta.dirname, '../..');
    const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
    const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).stdout.trim() !== '';
    expect(head).toMatch(/^[0-9a-f]{12}$/);
    for (const arg of ['version', '--version', '-v']) {
      const result = cli([arg]);
      expect({ arg, status: result.status, stdout: result.stdout }).toEqual({
        arg, status: 0, stdout: `kubernaut-toolset ${pkg.version} (commit ${head}${dirty ? '-dirty' : ''}, source checkout, not built)\n`,
      });
    }
  });

  it('run --log-level warning is warn, as other tools spell it; --context must name a context of the kubeconfig', () => {
    const kubeconfig = file('one-context.yaml', [
      'apiVersion: v1', 'kind: Config', 'current-context: only',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]', 'users: [{name: u, user: {token: x}}]',
      'contexts: [{name: only, context: {cluster: c, user: u}}]', '',
    ].join('\n'));
    const result = cli(['run', '--kubeconfig', kubeconfig, '--context', 'elsewhere', '--log-level', 'warning']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^kubernaut-toolset run: --context "elsewhere": no such context in the kubeconfig \(it has only\)\n$/);
  });

  it('validate: exit 0 for a valid file, 1 with every reason for an invalid one', () => {
    const good = cli(['validate', file('good.yaml', 'toolsets:\n  prometheus/metrics:\n    enabled: true\n    config:\n      prometheus_url: http://p.monitoring.svc:9090\n')]);
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/good\.yaml: valid \(1 toolset\)/);
    const bad = cli(['validate', '-'], { input: 'toolsets:\n  a.b:\n    description: dotted\n  grafana/loki:\n    config: {}\n' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/stdin: invalid HolmesGPT toolset file:/);
    expect(bad.stderr).toMatch(/must match pattern/);
    expect(bad.stderr).toMatch(/\/grafana~1loki\/config must have required property 'api_url'/);
  });
});

describe('the operator process on the real API server', () => {
  const suite = processSuite();

  it('render prints byte for byte what the operator writes for the same Services', async () => {
    const ns = await freshNamespace(suite.core, 'render');
    await createServices(suite.core, ns, [
      { name: 'prometheus', type: 'prometheus', endpoint: suite.target.url },
      { name: 'loki', type: 'loki', endpoint: suite.target.url, annotations: { 'kubernaut.io/toolset-config': '{"timeout_seconds":20}' } },
      { name: 'jaeger', type: 'jaeger', endpoint: suite.target.url },
      { name: 'broken', type: 'nope' },
    ]);
    const running = await startOperator(testConfig(ns));
    try {
      const out = await outputWhere(suite.core, ns, (o) => Object.keys(o.toolsets).length === 4, 'three toolsets and kubernetes/logs');
      const list = await suite.core.listNamespacedService({ namespace: ns });
      const manifests = file(`${ns}-services.yaml`, dump({ apiVersion: 'v1', kind: 'List', items: JSON.parse(JSON.stringify(list.items)) as unknown[] }));
      // The operator's own namespace is trusted (SPEC §6): render is told the same output namespace.
      const config = file(`${ns}-config.yaml`, `endpoints:\n  allowedHosts: ["127.0.0.1"]\nnamespaces:\n  include: [${ns}]\noutput:\n  namespace: ${ns}\n`);
      const rendered = await cliAsync(['render', manifests, '--config', config, '--check-health']);
      expect(rendered.stderr).toMatch(/rejected .*\/broken: UnknownType/);
      expect(rendered.status).toBe(0);
      expect(rendered.stdout).toBe(out.text);

      // render --diff against the live ConfigMap: nothing to show for the same Services (exit 0); a Service more is a
      // unified diff of what the next write would add (exit 1, kubectl diff's convention).
      const kube = ['--kubeconfig', testCluster().kubeconfig];
      const same = await cliAsync(['render', manifests, '--config', config, '--check-health', '--diff', ...kube]);
      expect({ status: same.status, stdout: same.stdout }).toEqual({ status: 0, stdout: '' });
      const more = file(`${ns}-more.yaml`, dump({
        apiVersion: 'v1', kind: 'List',
        items: [...(JSON.parse(JSON.stringify(list.items)) as unknown[]), {
          apiVersion: 'v1', kind: 'Service',
          metadata: { name: 'tempo', namespace: ns, annotations: { 'kubernaut.io/toolset': 'enabled', 'kubernaut.io/toolset-type': 'tempo', 'kubernaut.io/toolset-endpoint': suite.target.url } },
          spec: { ports: [{ port: 80 }], selector: { app: 'tempo' } },
        }],
      }));
      const diff = await cliAsync(['render', more, '--config', config, '--check-health', '--diff', ...kube]);
      expect(diff.status).toBe(1);
      expect(diff.stdout).toMatch(new RegExp(`^--- live ConfigMap ${ns}/kubernaut-toolset-config toolset\\.yaml\n\\+\\+\\+ rendered\n`, 'm'));
      expect(diff.stdout).toMatch(/^\+ {2}grafana\/tempo:$/m);
      expect(diff.stdout.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
      // The live ConfigMap is untouched.
      expect((await suite.core.readNamespacedConfigMap({ namespace: ns, name: 'kubernaut-toolset-config' })).data?.['toolset.yaml']).toBe(out.text);
    } finally {
      await running.stop();
    }
  });

  it('serves /healthz, /readyz, /status and /metrics, and on SIGTERM during health checks exits 0, not ready first', async () => {
    const ns = await freshNamespace(suite.core, 'process');
    const hanging = await HttpTarget.start('hang');
    try {
      await createServices(suite.core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
      const op = new OperatorProcess(processArgs(testCluster().kubeconfig, '--namespaces-include', ns, '--endpoints-allowed-hosts', '127.0.0.1',
        '--health-timeout', '20s', '--no-leader-election-enabled'), { POD_NAMESPACE: ns });
      suite.processes.push(op);
      await op.waitForLog('ready');
      expect(await op.get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
      expect(await op.get('/readyz')).toEqual({ status: 200, body: 'ok\n' });
      const status = JSON.parse((await op.get('/status')).body) as { ready: boolean; toolsets: string[]; services: { name: string; verdict: string }[] };
      expect(status).toMatchObject({ ready: true, toolsets: ['prometheus/metrics'], services: [{ name: 'prometheus', verdict: 'included' }] });
      const metrics = await op.get('/metrics', 'metrics');
      expect(metrics.body).toMatch(/^kubernaut_toolset_configmap_writes_total\{result="created"\} 1$/m);
      expect(metrics.body).toMatch(/^process_resident_memory_bytes /m);
      expect((await op.get('/metrics')).status).toBe(404);

      // A check that will hang for 20 s is in flight when the signal arrives.
      await createServices(suite.core, ns, [{ name: 'slow', type: 'grafana', endpoint: hanging.url }]);
      await waitFor(() => (hanging.hits > 0 ? true : undefined), { timeoutMs: 10_000, describe: () => 'the hanging check to start' });
      const before = await readOutput(suite.core, ns);
      const sent = Date.now();
      op.kill('SIGTERM');
      const exit = await op.exited();
      expect(exit.code).toBe(0);
      expect(exit.at - sent).toBeLessThan(20_000);
      const messages = op.entries().map((e) => e.message);
      expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('stopped'));
      expect(messages.indexOf('not ready: shutting down')).toBeGreaterThan(messages.indexOf('shutting down'));
      expect(messages.indexOf('not ready: shutting down')).toBeLessThan(messages.indexOf('watches stopped'));
      // The ConfigMap is whole: content and hash agree, and it is what was there before the signal.
      const after = await readOutput(suite.core, ns);
      expect(after?.text).toBe(before?.text);
      const { createHash } = await import('node:crypto');
      expect(after?.annotations['kubernaut.io/toolset-hash']).toBe(createHash('sha256').update(after?.text ?? '').digest('hex'));
    } finally {
      await hanging.close();
    }
  });

  it('--dry-run computes and logs the ConfigMap but makes no mutating API call (checked in the audit log)', async () => {
    const ns = await freshNamespace(suite.core, 'dry-run');
    await createServices(suite.core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: suite.target.url }]);
    // Allowed to do everything, so nothing but the operator's own discipline prevents a write.
    const sa = await serviceAccountKubeconfig(suite.kc, suite.core, ns, 'dry-runner', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    const op = new OperatorProcess(processArgs(sa.kubeconfig, '--dry-run', '--namespaces-include', ns, '--endpoints-allowed-hosts', '127.0.0.1'), { POD_NAMESPACE: ns });
    suite.processes.push(op);
    const wouldWrite = await op.waitForLog('dry run: ConfigMap would be written');
    expect(String(wouldWrite.content)).toMatch(/prometheus_url: http:\/\/127\.0\.0\.1:\d+/);
    await createServices(suite.core, ns, [{ name: 'grafana', type: 'grafana', endpoint: suite.target.url }]);
    await waitFor(() => (op.entries().filter((e) => e.message === 'dry run: ConfigMap would be written').length >= 2 ? true : undefined), {
      timeoutMs: 15_000, describe: () => 'a second dry-run write after a change',
    });
    op.kill('SIGTERM');
    expect((await op.exited()).code).toBe(0);
    expect(await readOutput(suite.core, ns)).toBeUndefined();
    const audit = testCluster().logs.audit;
    if (!audit) throw new Error('the test control plane has no audit log');
    const requests = await waitFor(() => {
      const r = auditedRequests(readFileSync(audit, 'utf8'), sa.username);
      return r.some((x) => x.verb === 'watch') ? r : undefined;
    }, { timeoutMs: 10_000, describe: () => 'the operator requests in the audit log' });
    expect(requests.filter((r) => !['get', 'list', 'watch'].includes(r.verb))).toEqual([]);
    expect(requests.some((r) => r.resource === 'services' && r.verb === 'list')).toBe(true);
  });
});
