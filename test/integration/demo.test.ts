import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readState } from '../../tools/control-plane/control-plane.ts';

describe('npm run demo', () => {
  it('runs non-interactively: toolset file, status, a followed change, and cleans up', () => {
    const demo = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, '../../tools/demo/demo.ts')], {
      encoding: 'utf8',
      timeout: 240_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(demo.stderr).not.toMatch(/demo failed/);
    expect(demo.status).toBe(0);
    const out = demo.stdout;
    expect(out).toMatch(/==> ConfigMap kubernaut-system\/kubernaut-toolset-config, key toolset\.yaml/);
    expect(out).toMatch(/^ {6}prometheus\/metrics:$/m);
    expect(out).toMatch(/^ {6}grafana\/dashboards:$/m);
    expect(out).not.toMatch(/^ {6}grafana\/loki:$/m);
    // SERVICE, VERDICT, TOOLSET, REASON, LAST CHECK, DETAIL (the table of `kubernaut-toolset status`).
    expect(out).toMatch(/observability\/loki +unhealthy +grafana\/loki +HttpStatus +\d{4}-\d\d-\d\dT\S+ +GET http:\/\/127\.0\.0\.1:\d+\/loki\/api\/v1\/query_range\?\S*: HTTP 503/);
    expect(out).toMatch(/observability\/mystery +rejected +- +UnknownType/);
    expect(out).toMatch(/the ConfigMap followed in \d+ ms:\n {4}prometheus_url: http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/control plane stopped/);
    expect(readState('demo')).toBeUndefined();
  });
});
