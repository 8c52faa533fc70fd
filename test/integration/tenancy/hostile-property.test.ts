// Seeded hostile Service sets through the operator's pure plan, every output loaded by HolmesGPT 0.45.0's own
// file loader: the file must always load, carry no tenant template, and give no built-in to an untrusted namespace.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TYPE_SPECS } from '../../../src/discovery/toolset-types.ts';
import { tenancy } from '../../../src/discovery/tenancy.ts';
import { routedCandidates, routeLookup } from '../../../src/discovery/routing.ts';
import { detectServices } from '../../../src/reconcile/detect-all.ts';
import { planToolsets } from '../../../src/reconcile/toolsets.ts';
import { toolsetDocument } from '../../../src/toolset/document.ts';
import { holmesParseMany } from '../../support/holmesgpt.ts';
import { hostileServiceSets, TRUSTED } from '../../support/hostile-services.ts';

const SEED = 20261130;
const SETS = 320;
const ADMIN_TEMPLATE = '{{ env.PROM_TOKEN }}';
const work = mkdtempSync(join(tmpdir(), 'kubernaut-hostile-'));
const BUILTINS = new Set(Object.values(TYPE_SPECS).flatMap((s) => (s.builtin ? [s.builtin] : [])));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`${SETS} seeded hostile Service sets (seed ${SEED})`, () => {
  it('every output loads in HolmesGPT, carries no tenant template, and gives no built-in to an untrusted namespace', async () => {
    const detection = {
      policy: { clusterDomain: 'cluster.local', allowedHosts: ['127.0.0.1'] },
      autoDetect: false,
      tenancy: tenancy({ ownNamespace: 'kubernaut-system', trustedNamespaces: ['monitoring'], labelled: undefined }),
    };
    const files: string[] = [];
    const written: string[][] = [];
    const setToolsets: Record<string, Record<string, unknown>>[] = [];
    const seen = { rejections: new Map<string, number>(), builtinsWritten: 0, customWritten: 0 };
    for (const [i, services] of hostileServiceSets(SEED, SETS).entries()) {
      const detected = detectServices(services, detection);
      const routes = routeLookup(services);
      const { candidates, rejections: misrouted } = routedCandidates(detected.candidates, routes);
      const rejections = [...detected.rejections, ...misrouted];
      // Half of the sets run against a tight budget, so the fair drop is exercised too.
      const budgetBytes = i % 2 === 0 ? 921_600 : 900 + (i % 5) * 400;
      const plan = planToolsets(candidates, undefined, { defaults: { prometheus: { config: { additional_headers: { Authorization: `Bearer ${ADMIN_TEMPLATE}` } } } }, budgetBytes });
      for (const r of [...rejections, ...plan.rejections]) seen.rejections.set(r.reason, (seen.rejections.get(r.reason) ?? 0) + 1);
      if (!plan.document.ok) throw new Error(`set ${i}: ${plan.document.error}`);
      const content = plan.document.content;
      expect(Buffer.byteLength(content)).toBeLessThanOrEqual(budgetBytes);
      // The only templates in the file are the admin's own (toolsetDefaults); nothing a tenant wrote, and nothing the
      // operator generates (HTTP toolsets carry no command to template, so $NAME expands nowhere in it).
      const templates = content.replaceAll(ADMIN_TEMPLATE, '').match(/\{\{|\{%|\{#/g);
      expect({ set: i, templates }).toEqual({ set: i, templates: null });
      for (const c of plan.winners) {
        if (BUILTINS.has(c.toolset)) {
          expect({ set: i, winner: c.key, trusted: TRUSTED.includes(c.service.namespace) }).toEqual({ set: i, winner: c.key, trusted: true });
          seen.builtinsWritten += 1;
        } else {
          // Custom, Jaeger and MCP entries reach their own namespace only (loopback is an admin exception: trusted only).
          const host = new URL(c.endpoint).hostname;
          // ...through a Service of that namespace that selects pods: no alias, no hand-made endpoints.
          if (!TRUSTED.includes(c.service.namespace)) {
            const target = `${c.target?.namespace}/${c.target?.name}`;
            expect({ set: i, winner: c.key, target, route: routes(target) }).toEqual({ set: i, winner: c.key, target, route: 'selector' });
          }
          expect({ set: i, host, ok: host.endsWith(`.${c.service.namespace}.svc`) || host.endsWith(`.${c.service.namespace}.svc.cluster.local`) || TRUSTED.includes(c.service.namespace) })
            .toEqual({ set: i, host, ok: true });
          // An HTTP toolset may reach exactly the Service's origin, with GET only, whatever the annotations said.
          const entry = plan.toolsets[c.toolset] as { type?: string; config?: { endpoints?: { hosts: string[]; methods: string[] }[] } };
          if (entry.type === 'http') {
            expect({ set: i, endpoints: entry.config?.endpoints?.map((e) => ({ hosts: e.hosts, methods: e.methods })) })
              .toEqual({ set: i, endpoints: [{ hosts: [new URL(c.endpoint).origin], methods: ['GET'] }] });
          }
          seen.customWritten += 1;
        }
      }
      const file = join(work, `set-${i}.yaml`);
      writeFileSync(file, content);
      files.push(file);
      written.push(Object.keys(plan.document.toolsets));
      setToolsets.push(plan.document.toolsets);
    }

    // One more file holds every set's written toolsets at once (a later set's entry replacing an earlier one of the
    // same name), so toolsets and MCP servers share a file, as they do in a cluster: a section HolmesGPT skipped
    // would drop entries silently here even if no single set mixed the two.
    const together: Record<string, Record<string, unknown>> = {};
    for (const set of setToolsets) Object.assign(together, set);
    writeFileSync(join(work, 'all-sets.yaml'), toolsetDocument(together));
    files.push(join(work, 'all-sets.yaml'));
    written.push(Object.keys(together));
    expect(Object.values(together).some((e) => e.type === 'mcp') && Object.values(together).some((e) => e.type !== 'mcp')).toBe(true);

    const parsed = await holmesParseMany(files, join(work, 'files.json'));
    const failures = parsed.filter((p) => p.load_error !== null || p.invalid.length > 0);
    expect(failures).toEqual([]);
    expect(parsed).toHaveLength(SETS + 1);
    // Every toolset and MCP server written comes back from HolmesGPT by name with a status: a silent drop fails.
    const dropped = parsed.flatMap((p, i) => (written[i] ?? []).filter((name) => !p.toolsets[name]).map((name) => `set ${i}: ${name}`));
    expect(dropped).toEqual([]);
    // The generator really attacked: every rule fired, and something legitimate was still written.
    for (const reason of ['TemplateNotAllowed', 'NamespaceNotTrusted', 'ConfigKeyNotAllowed', 'InvalidConfig', 'EndpointNotAllowed', 'InvalidManifest', 'OutputBudget', 'InvalidPaths', 'InvalidMcpSettings']) {
      expect({ reason, fired: (seen.rejections.get(reason) ?? 0) > 0 }).toEqual({ reason, fired: true });
    }
    expect(seen.builtinsWritten).toBeGreaterThan(0);
    expect(seen.customWritten).toBeGreaterThan(0);
    process.stdout.write(`hostile property: ${SETS} sets, ${seen.builtinsWritten} built-ins and ${seen.customWritten} custom toolsets written; rejections ${JSON.stringify(Object.fromEntries(seen.rejections))}\n`);
  }, 300_000);
});
