// MCP servers behind annotated Services, on the real API server: real MCP servers (the Python SDK HolmesGPT itself
// uses) are written under mcp_servers and HolmesGPT 0.45.0 connects to them and lists their tools; a server whose
// authentication probe fails, a web server and a dead port are never written, and HolmesGPT, given those same
// entries, fails exactly those.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { HOLMES_TEST_TIMEOUT_MS, holmesLoad, notReturned } from '../support/holmesgpt.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { mcpServer } from '../support/mcp-server.ts';
import { createServices } from '../support/services.ts';

const work = mkdtempSync(join(tmpdir(), 'kubernaut-mcp-'));


describe('MCP servers, as HolmesGPT 0.45.0 connects to them', () => {
  let core: CoreV1Api;
  let running: RunningOperator | undefined;
  const servers: ChildProcess[] = [];
  let web: HttpTarget;
  let streamable = '';
  let sse = '';
  let identityFails = '';

  beforeAll(async () => {
    core = fixtureApi().core;
    const started = await Promise.all([mcpServer('streamable-http'), mcpServer('sse'), mcpServer('streamable-http', '--json-response', '--identity-fails')]);
    servers.push(...started.map((s) => s.process));
    [streamable, sse, identityFails] = started.map((s) => s.url) as [string, string, string];
    web = await HttpTarget.start();
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    for (const s of servers) s.kill();
    await web.close();
  });

  it('writes the servers that complete the handshake, leaves out the rest, and HolmesGPT agrees on every one', async () => {
    const ns = await freshNamespace(core, 'mcp');
    await createServices(core, ns, [
      { name: 'incidents', type: 'mcp', endpoint: `${streamable}/mcp`, annotations: { 'kubernaut.io/toolset-description': 'Incident tracker' } },
      { name: 'runbooks', type: 'mcp', endpoint: sse, annotations: { 'kubernaut.io/toolset-mcp-mode': 'sse' } },
      { name: 'bad-credentials', type: 'mcp', endpoint: `${identityFails}/mcp` },
      { name: 'web-page', type: 'mcp', endpoint: `${web.url}/mcp` },
      { name: 'dead', type: 'mcp', endpoint: 'http://127.0.0.1:1/mcp' },
    ]);
    running = await startOperator(testConfig(ns));
    const operator = running.operator;
    await waitFor(() => (operator.status().services.filter((s) => s.verdict !== 'pending').length === 5 ? true : undefined), {
      timeoutMs: 30_000, describe: () => `all five judged: ${JSON.stringify(operator.status().services.map((s) => [s.name, s.verdict, s.reason]))}`,
    });
    const out = await outputWhere(core, ns, (o) => `mcp/${ns}/incidents` in o.toolsets && `mcp/${ns}/runbooks` in o.toolsets, 'both MCP servers', 30_000);
    expect(Object.keys(out.toolsets).sort()).toEqual([`mcp/${ns}/incidents`, `mcp/${ns}/runbooks`]);
    const doc = load(out.text) as { toolsets?: unknown; mcp_servers: Record<string, unknown> };
    expect(doc.toolsets).toBeUndefined();
    expect(doc.mcp_servers).toEqual({
      [`mcp/${ns}/incidents`]: { type: 'mcp', enabled: true, description: 'Incident tracker', config: { url: `${streamable}/mcp`, mode: 'streamable-http' } },
      [`mcp/${ns}/runbooks`]: { type: 'mcp', enabled: true, description: `MCP server of Service ${ns}/runbooks`, config: { url: `${sse}/sse`, mode: 'sse' } },
    });
    const verdicts = Object.fromEntries(operator.status().services.map((s) => [s.name, [s.verdict, s.reason]]));
    expect(verdicts).toEqual({
      incidents: ['included', 'Healthy'], runbooks: ['included', 'Healthy'],
      'bad-credentials': ['unhealthy', 'ProtocolError'], 'web-page': ['unhealthy', 'ProtocolError'], dead: ['unhealthy', 'ConnectionFailed'],
    });

    // HolmesGPT with what the operator wrote: both enabled, the servers' own tools offered.
    const file = join(work, 'written.yaml');
    writeFileSync(file, out.text);
    const loaded = await holmesLoad(file);
    expect(loaded.invalid).toEqual([]);
    expect(notReturned(Object.keys(out.toolsets), loaded)).toEqual([]);
    for (const name of ['incidents', 'runbooks']) {
      expect(loaded.toolsets[`mcp/${ns}/${name}`]).toMatchObject({ status: 'enabled', type: 'mcp' });
      expect(loaded.toolsets[`mcp/${ns}/${name}`]?.tools.some((t) => t.endsWith('list_incidents'))).toBe(true);
    }

    // HolmesGPT with every entry, as if the operator had written the three it left out: it fails exactly those.
    const url = (name: string) => `${name === 'bad-credentials' ? identityFails : name === 'web-page' ? web.url : 'http://127.0.0.1:1'}/mcp`;
    const all = { ...doc.mcp_servers, ...Object.fromEntries(['bad-credentials', 'web-page', 'dead'].map((name) => [`mcp/${ns}/${name}`, { type: 'mcp', enabled: true, description: name, config: { url: url(name), mode: 'streamable-http' } }])) };
    const everything = join(work, 'everything.yaml');
    writeFileSync(everything, dump({ mcp_servers: all }));
    // A web server answering 200 text/plain keeps HolmesGPT's MCP client reading until SSE_READ_TIMEOUT (120 s by
    // default); its prerequisite budget fails the entry long before, but the process waits for the thread.
    const holmes = await holmesLoad(everything, { SSE_READ_TIMEOUT: '10' });
    const enabled = Object.entries(holmes.toolsets).filter(([, t]) => t.status === 'enabled').map(([name]) => name).sort();
    const included = operator.status().services.filter((s) => s.verdict === 'included').map((s) => `mcp/${ns}/${s.name}`).sort();
    expect(enabled).toEqual(included);
  }, HOLMES_TEST_TIMEOUT_MS);
});
