// Custom and Jaeger Services become HolmesGPT 0.45's native HTTP toolsets. What they allow is proven by HolmesGPT's
// own HttpRequest tool: the file the operator wrote on the real API server is loaded by HolmesGPT's loader, then the
// tool is called the way the model calls it. Listed paths answer; other paths, methods, hosts and ports are refused
// by HolmesGPT itself (the loopback server, which answers everything, never sees them).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOLMES_TEST_TIMEOUT_MS, holmesLoad, notReturned, type Invocation } from '../support/holmesgpt.ts';
import { JaegerApi } from '../support/jaeger-api.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';

const work = mkdtempSync(join(tmpdir(), 'kubernaut-http-toolsets-'));

describe('HTTP toolsets, enforced by HolmesGPT itself', () => {
  let core: CoreV1Api;
  let jaeger: JaegerApi;
  let teamApi: JaegerApi;
  let running: RunningOperator | undefined;

  beforeAll(async () => {
    core = fixtureApi().core;
    jaeger = await JaegerApi.start();
    teamApi = await JaegerApi.start();
  });

  afterAll(async () => {
    await running?.stop();
    await jaeger.close();
    await teamApi.close();
  });

  it('jaeger: the four read paths answer; another path, POST, another host name and another port are refused', async () => {
    const ns = await freshNamespace(core, 'http-ts');
    await createServices(core, ns, [
      { name: 'jaeger', type: 'jaeger', endpoint: jaeger.url },
      { name: 'team-api', type: 'custom', endpoint: `${teamApi.url}/api`, annotations: { 'kubernaut.io/toolset-paths': '/traces/*', 'kubernaut.io/toolset-health-path': '/services' } },
    ]);
    running = await startOperator(testConfig(ns));
    const out = await outputWhere(core, ns, (o) => `jaeger/${ns}/jaeger` in o.toolsets && `custom/${ns}/team-api` in o.toolsets, 'both HTTP toolsets', 30_000);
    const file = join(work, 'custom_toolset.yaml');
    writeFileSync(file, out.text);

    const jaegerTool = `jaeger_${ns.replaceAll('-', '_')}_jaeger_request`;
    const teamTool = `custom_${ns.replaceAll('-', '_')}_team_api_request`;
    const get = (tool: string, url: string, extra: Record<string, unknown> = {}) => ({ tool, params: { url, ...extra } });
    const other = `http://127.0.0.1:${teamApi.port}`;
    const calls = [
      get(jaegerTool, `${jaeger.url}/api/services`),
      get(jaegerTool, `${jaeger.url}/api/services/frontend/operations`),
      get(jaegerTool, `${jaeger.url}/api/traces?service=frontend&lookback=1h&limit=20`),
      get(jaegerTool, `${jaeger.url}/api/traces/abc123`),
      get(jaegerTool, `${jaeger.url}/admin/config`),
      get(jaegerTool, `${jaeger.url}/api/services`, { method: 'POST', body: '{}' }),
      get(jaegerTool, `http://localhost:${jaeger.port}/api/services`),
      get(jaegerTool, `${other}/api/services`),
      get(teamTool, `${other}/api/traces/ff00`),
      get(teamTool, `${other}/api/services`),
    ];
    const jaegerSeenBefore = jaeger.requests.length;
    const loaded = await holmesLoad(file, {}, calls);
    expect(loaded.invalid).toEqual([]);
    expect(notReturned(Object.keys(out.toolsets), loaded)).toEqual([]);
    expect({ jaeger: loaded.toolsets[`jaeger/${ns}/jaeger`], team: loaded.toolsets[`custom/${ns}/team-api`] }).toMatchObject({
      jaeger: { status: 'enabled', type: 'http', tools: [jaegerTool] },
      team: { status: 'enabled', type: 'http', tools: [teamTool] },
    });
    const outcome = (i: number): Invocation => loaded.invocations[i] as Invocation;
    for (const i of [0, 1, 2, 3, 8]) expect({ i, status: outcome(i).status, code: outcome(i).data?.status_code }).toEqual({ i, status: 'success', code: 200 });
    expect(outcome(0).data?.body).toEqual({ data: ['frontend', 'checkout'], total: 2 });
    expect(outcome(3).data?.body).toMatchObject({ data: [{ traceID: 'abc123' }] });
    for (const i of [4, 5, 6, 7, 9]) expect({ i, status: outcome(i).status }).toEqual({ i, status: 'error' });
    expect(outcome(4).error).toMatch(/not|match|allow/i);
    expect(outcome(5).error).toMatch(/Method POST not allowed/);
    expect(outcome(6).error).toMatch(/not|match|allow/i);
    expect(outcome(7).error).toMatch(/not|match|allow/i);
    expect(outcome(9).error).toMatch(/not|match|allow/i);

    // What reached the servers: HolmesGPT's load-time checks and the allowed calls, nothing else.
    const jaegerSaw = jaeger.requests.slice(jaegerSeenBefore);
    expect(jaegerSaw.filter((r) => r.url !== '/api/services')).toEqual([
      { method: 'GET', url: '/api/services/frontend/operations' },
      { method: 'GET', url: '/api/traces?service=frontend&lookback=1h&limit=20' },
      { method: 'GET', url: '/api/traces/abc123' },
    ]);
    expect(jaegerSaw.every((r) => r.method === 'GET')).toBe(true);
    expect(teamApi.requests.filter((r) => r.url !== '/api/services')).toEqual([{ method: 'GET', url: '/api/traces/ff00' }]);
  }, HOLMES_TEST_TIMEOUT_MS);

  it('HolmesGPT itself fails an HTTP toolset whose health URL does not answer, as the operator leaves it out', async () => {
    const file = join(work, 'dead.yaml');
    writeFileSync(file, [
      'toolsets:', '  custom/x/dead:', '    type: http', '    description: dead', '    config:', '      endpoints:',
      '        - hosts: ["http://127.0.0.1:1"]', '          health_check_url: http://127.0.0.1:1/', '',
    ].join('\n'));
    const loaded = await holmesLoad(file);
    expect(loaded.toolsets['custom/x/dead']).toMatchObject({ status: 'failed', error: expect.stringMatching(/Health check failed|Connection|refused/i) as unknown });
  }, HOLMES_TEST_TIMEOUT_MS);
});
