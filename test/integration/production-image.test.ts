// The file set the Dockerfile's runtime stage copies, built the way it builds it, runs the operator with production
// dependencies only: a fast check in `npm test`. The image itself is built by `npm run image` (buildah) and run on
// the node by the end-to-end suite (test/e2e/chart-on-node.test.ts).
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCluster } from '../support/cluster-info.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere } from '../support/operator-harness.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { createServices } from '../support/services.ts';

const root = join(import.meta.dirname, '../..');
const image = mkdtempSync(join(tmpdir(), 'kubernaut-image-'));

function run(command: string, args: string[], cwd: string) {
  const out = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000 });
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${out.stderr}${out.stdout}`);
  return out;
}

describe('production image contents', () => {
  let target: HttpTarget | undefined;
  let op: OperatorProcess | undefined;
  afterAll(async () => {
    op?.kill('SIGKILL');
    await op?.exited();
    await target?.close();
    rmSync(image, { recursive: true, force: true });
  });

  it('the Dockerfile builds in stages and its runtime stage copies only node_modules (production), dist and package.json, as a numeric non-root user', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.map((s) => s.split('\n')[0])).toEqual(['node:24-slim AS build', 'node:24-slim AS deps', 'gcr.io/distroless/nodejs24-debian12:nonroot']);
    expect(stages[1]).toMatch(/RUN npm ci --omit=dev/);
    const runtime = stages[2] ?? '';
    expect([...runtime.matchAll(/^COPY (.*)$/gm)].map((m) => m[1])).toEqual([
      '--from=deps /app/node_modules ./node_modules', '--from=build /src/dist ./dist', 'package.json ./',
    ]);
    expect(runtime).toMatch(/^USER 65532:65532$/m);
  });

  it('built the same way, it runs the operator with production dependencies only', async () => {
    // build stage: npm run build (tsc plus the JSON schemas) into dist/
    run('npm', ['run', '-s', 'build'], root);
    cpSync(join(root, 'dist'), join(image, 'dist'), { recursive: true });
    // deps stage: npm ci --omit=dev from the lockfile
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(image, f));
    run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], image);
    rmSync(join(image, 'package-lock.json'));
    for (const dev of ['typescript', 'jest', 'ts-jest', 'eslint', 'node']) expect(existsSync(join(image, 'node_modules', dev))).toBe(false);
    for (const prod of ['@kubernetes/client-node', 'rxjs', 'winston', 'prom-client', 'js-yaml', 'ajv', 'eventsource-parser']) expect(existsSync(join(image, 'node_modules', prod))).toBe(true);

    // npm run build stamped the commit and the build time.
    const commit = run('git', ['rev-parse', '--short=12', 'HEAD'], root).stdout.trim();
    expect(run(process.execPath, [join(image, 'dist/src/main.js'), 'version'], image).stdout.trim())
      .toMatch(new RegExp(`^kubernaut-toolset \\d+\\.\\d+\\.\\d+ \\(commit ${commit}, built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)$`));
    const { core } = fixtureApi();
    const ns = await freshNamespace(core, 'image');
    target = await HttpTarget.start('healthy');
    await createServices(core, ns, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url }]);
    op = new OperatorProcess([
      'run', '--kubeconfig', testCluster().kubeconfig, '--http-address', '127.0.0.1', '--http-port', '0', '--http-metrics-port', '0',
      '--namespaces-include', ns, '--endpoints-allowed-hosts', '127.0.0.1', '--no-leader-election-enabled',
    ], { POD_NAMESPACE: ns }, join(image, 'dist/src/main.js'));
    await op.waitForLog('ready');
    const out = await outputWhere(core, ns, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics from the built image files');
    expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: target.url } });
  });
});
