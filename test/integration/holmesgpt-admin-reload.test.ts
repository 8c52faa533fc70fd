// A running HolmesGPT picks up what the operator writes through its own admin API (holmes/admin/admin_api.py),
// without a restart: the in-place alternative to `reload.deployment` rolling the consumer (issue #13 item 4).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MARKER_PREFIX } from '../../src/reconcile/output-document.ts';
import { AdminRefused, fetchConsumerHttp } from '../../src/output/consumer-http.ts';
import { stallsOf } from '../../src/output/reload-stalls.ts';
import { HolmesServer, holmesPython } from '../support/holmesgpt.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere, startOperator, testConfig, type RunningOperator } from '../support/operator-harness.ts';
import { createServices } from '../support/services.ts';

const work = mkdtempSync(join(tmpdir(), 'kubernaut-admin-reload-'));
const mounted = join(work, 'custom_toolset.yaml');

/** Replaces the file the way the kubelet updates a ConfigMap volume: the new content appears whole, by a rename. */
function mount(text: string): void {
  writeFileSync(`${mounted}.new`, text);
  renameSync(`${mounted}.new`, mounted);
}

describe('HolmesGPT 0.45.0 admin reload', () => {
  let core: CoreV1Api;
  let target: HttpTarget;
  let running: RunningOperator | undefined;
  let server: HolmesServer | undefined;

  beforeAll(async () => {
    holmesPython();
    core = fixtureApi().core;
    target = await HttpTarget.start('healthy');
  }, 660_000);
  afterEach(async () => {
    await server?.stop();
    await running?.stop();
  });
  afterAll(async () => target.close());

  it('swaps in each new file the operator writes, with no restart; the new file alone changes nothing', async () => {
    const ns = await freshNamespace(core, 'admin-reload');
    running = await startOperator(testConfig(ns));
    const [a, b] = [`custom/${ns}/orders`, `custom/${ns}/billing`];
    await createServices(core, ns, [{ name: 'orders', type: 'custom', endpoint: target.url }]);
    mount((await outputWhere(core, ns, (o) => a in o.toolsets, a)).text);
    server = await HolmesServer.start(mounted);
    const first = await server.toolsets();
    expect(first.toolsets).toEqual({ [a]: 'enabled' });

    const changes: { what: string; apply: () => Promise<unknown>; written: (names: string[]) => boolean; served: Record<string, string> }[] = [
      {
        what: 'a second Service', apply: () => createServices(core, ns, [{ name: 'billing', type: 'custom', endpoint: target.url }]),
        written: (names) => names.includes(b), served: { [a]: 'enabled', [b]: 'enabled' },
      },
      {
        what: 'the first Service deleted', apply: () => core.deleteNamespacedService({ namespace: ns, name: 'orders' }),
        written: (names) => !names.includes(a), served: { [b]: 'enabled' },
      },
    ];
    let before = first.toolsets;
    for (const change of changes) {
      await change.apply();
      mount((await outputWhere(core, ns, (o) => change.written(Object.keys(o.toolsets)), change.what)).text);
      // HolmesGPT does not watch the file: until told, it serves what it loaded.
      expect({ change: change.what, served: (await server.toolsets()).toolsets }).toEqual({ change: change.what, served: before });
      // The operator's own client of the admin API (reload.inPlace) gets HolmesGPT's answer.
      expect(await fetchConsumerHttp.reloadToolsets('127.0.0.1', server.port, 60_000)).toMatch(/^\d+ toolsets loaded, \d+ enabled, \d+ skills$/);
      const now = await server.toolsets();
      expect({ change: change.what, served: now.toolsets, pid: now.pid }).toEqual({ change: change.what, served: change.served, pid: first.pid });
      before = now.toolsets;
    }
  }, 300_000);

  it('with HOLMES_API_KEY set, the admin reload needs that key in X-API-Key: without it or with a wrong one HolmesGPT answers 401, an AdminRefused', async () => {
    const ns = await freshNamespace(core, 'admin-key');
    running = await startOperator(testConfig(ns));
    await createServices(core, ns, [{ name: 'orders', type: 'custom', endpoint: target.url }]);
    mount((await outputWhere(core, ns, (o) => `custom/${ns}/orders` in o.toolsets, 'orders')).text);
    server = await HolmesServer.start(mounted, { HOLMES_API_KEY: 'the-admin-key' });
    const reload = (key?: string) => fetchConsumerHttp.reloadToolsets('127.0.0.1', server?.port ?? 0, 60_000, key).then((d) => d, (e: Error) => e);
    const [none, wrong, right] = [await reload(), await reload('not-the-key'), await reload('the-admin-key')];
    expect({ none: none instanceof AdminRefused, wrong: wrong instanceof AdminRefused, right }).toEqual({ none: true, wrong: true, right: expect.stringMatching(/^\d+ toolsets loaded/) as unknown });
    expect((wrong as Error).message).toMatch(/HTTP 401: HolmesGPT refused the API key of reload\.apiKeySecret$/);
  }, 300_000);

  it('reload.confirm=marker: the file carries a disabled marker named after its content, which HolmesGPT lists (GET /api/info?detail=full) once it has loaded that file, and offers no tool for', async () => {
    const ns = await freshNamespace(core, 'admin-marker');
    running = await startOperator(testConfig(ns, { reload: { deployment: 'holmesgpt', inPlace: true, confirm: 'marker' } }));
    const a = `custom/${ns}/orders`;
    await createServices(core, ns, [{ name: 'orders', type: 'custom', endpoint: target.url }]);
    const markerIn = (text: string) => text.match(new RegExp(`^  (${MARKER_PREFIX}[0-9a-f]{16}):$`, 'm'))?.[1];
    const first = await outputWhere(core, ns, (o) => a in o.toolsets, a);
    const firstMarker = markerIn(first.text);
    expect(firstMarker).toBeDefined();
    mount(first.text);
    server = await HolmesServer.start(mounted);
    const listed = async () => (await fetchConsumerHttp.loadedToolsets('127.0.0.1', server?.port ?? 0, 60_000)).map((t) => t.name);
    expect((await listed()).filter((n) => n.startsWith(MARKER_PREFIX))).toEqual([firstMarker]);
    expect((await server.toolsets()).toolsets).toEqual({ [a]: 'enabled', [firstMarker as string]: 'disabled' });

    await createServices(core, ns, [{ name: 'billing', type: 'custom', endpoint: target.url }]);
    const second = await outputWhere(core, ns, (o) => `custom/${ns}/billing` in o.toolsets, 'billing');
    const secondMarker = markerIn(second.text);
    expect(secondMarker).toBeDefined();
    expect(secondMarker).not.toBe(firstMarker);
    mount(second.text);
    // Until it reloads, HolmesGPT still lists the old file's marker: that is how the operator knows to try again.
    expect((await listed()).filter((n) => n.startsWith(MARKER_PREFIX))).toEqual([firstMarker]);
    await fetchConsumerHttp.reloadToolsets('127.0.0.1', server.port, 60_000);
    expect((await listed()).filter((n) => n.startsWith(MARKER_PREFIX))).toEqual([secondMarker]);
  }, 300_000);

  it('without ENABLE_ADMIN_API=true HolmesGPT serves no admin API (as its server): the reload call fails with the 404, never a silent success', async () => {
    const ns = await freshNamespace(core, 'admin-off');
    running = await startOperator(testConfig(ns));
    await createServices(core, ns, [{ name: 'orders', type: 'custom', endpoint: target.url }]);
    mount((await outputWhere(core, ns, (o) => `custom/${ns}/orders` in o.toolsets, 'orders')).text);
    server = await HolmesServer.start(mounted, { ENABLE_ADMIN_API: 'false' });
    await expect(fetchConsumerHttp.reloadToolsets('127.0.0.1', server.port, 60_000)).rejects.toThrow(/\/api\/admin\/reload\/toolsets: HTTP 404/);
  }, 300_000);

  it('a datasource that stalls holds the whole reload up to HolmesGPT\'s prerequisite deadline; HolmesGPT\'s own listing names it, and the operator attributes the stall to it alone', async () => {
    // An MCP server that accepts connections and never answers: what a tenant's stalling server does to a reload.
    const held: Socket[] = [];
    const stalling = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const port = (stalling.address() as { port: number }).port;
    try {
      const ns = await freshNamespace(core, 'admin-stall');
      running = await startOperator(testConfig(ns));
      const fine = `custom/${ns}/orders`;
      await createServices(core, ns, [{ name: 'orders', type: 'custom', endpoint: target.url }]);
      const written = (await outputWhere(core, ns, (o) => fine in o.toolsets, fine)).text;
      // The operator would not write a server its check found stalling; the server turned after the check.
      const slow = 'mcp/tenant/slow';
      mount(`${written}mcp_servers:\n  ${slow}:\n    description: incidents\n    config:\n      url: http://127.0.0.1:${port}/mcp\n      mode: streamable-http\n`);
      server = await HolmesServer.start(mounted, { HOLMES_TOOLSET_PREREQ_TIMEOUT_SECONDS: '3' });
      const started = Date.now();
      await fetchConsumerHttp.reloadToolsets('127.0.0.1', server.port, 60_000);
      const seconds = (Date.now() - started) / 1000;
      const loaded = await fetchConsumerHttp.loadedToolsets('127.0.0.1', server.port, 60_000);
      expect(seconds).toBeGreaterThanOrEqual(3);
      expect(loaded.find((t) => t.name === fine)?.status).toBe('enabled');
      expect(stallsOf([{ pod: 'holmes-0', loaded }])).toEqual([{ toolset: slow, pods: ['holmes-0'], error: expect.stringContaining('did not complete within 3s') as unknown }]);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => stalling.close(resolve));
    }
  }, 300_000);
});
