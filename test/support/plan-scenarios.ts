import { readdirSync, readFileSync } from 'node:fs';
import { CORE_SCHEMA, defineSequenceTag, loadAll } from 'js-yaml';
import { configFromDocument } from '../../src/config/load.ts';
import type { HealthVerdict } from '../../src/health/verdict.ts';
import { nextRecord, type HealthRecord } from '../../src/health/hysteresis.ts';
import { toEndpointSlice, toNamespace, toService } from '../../src/kube/convert.ts';
import type { EndpointSlice, Namespace, Service } from '../../src/kube/objects.ts';
import type { HealthView } from '../../src/health/hysteresis.ts';
import { plan, planSettings, type Plan, type PlanSettings } from '../../src/reconcile/plan.ts';
import type { BaseLayerSource } from '../../src/toolset/base-layer.ts';

/**
 * Scenario files for plan() (test/scenarios/*.yaml), in the manner of external-dns' controller tests: each YAML
 * document of a file is one scenario, input Services in, expected toolsets and verdicts out. The format:
 *
 *   name: unique, says what is being shown
 *   why: optional, the rule (README / SPEC section) the expectation comes from
 *   config: a partial operator configuration file (README "Configuration file"), laid over the defaults and
 *           validated as the operator would; output.namespace defaults to kubernaut-system
 *   healthChecks: optional; false = `render` without --check-health (every candidate counts as healthy)
 *   namespaces: [{name, labels}] — the Namespaces the operator sees (only the trust label matters)
 *   services: Service manifests (metadata: name, namespace, annotations, labels, creationTimestamp;
 *             spec: type, ports, externalName, selector); uid and creationTimestamp get defaults, and a Service
 *             other than ExternalName selects {app: <its name>} unless it gives `selector` ({} for none)
 *   slices: optional EndpointSlice manifests (metadata: name, namespace, labels with kubernetes.io/service-name;
 *           ports; endpoints: [{addresses, targetRef: {kind, namespace, name}}]): where selector-less Services route
 *   servicesOf: instead of services, the name of an earlier scenario of the same file whose Services to use
 *   health: {namespace/name: state}; a candidate not listed has passed one check at its current health URL.
 *           state: healthy | pending (never checked) | unhealthy (one failed check) | a list of check results in
 *           order, e.g. [up, down], run through the real hysteresis (nextRecord) at the current health URL |
 *           {healthUrl, checks} for checks made at another (older) URL
 *   overrides: optional text of the ConfigMap's overrides.yaml
 *   base: optional text of the admin's base layer (consumer.base: HolmesGPT's own toolset file); null means the
 *         base layer is configured but its ConfigMap is missing. Messages name it BASE_SOURCE.
 *   previous: optional {namespace/name: entry} — the generated entries of the last plan (Plan.entries), which a
 *             Service whose endpoint changed keeps until its new URL has a verdict
 *   expect:
 *     toolsets: the generated toolset names, exactly (Plan.toolsets, before overrides)
 *     verdicts: {namespace/name: verdict[/Reason]}, exactly the Services that got a verdict; rejected and
 *               unhealthy need their reason, the others may leave it out (Healthy, Shadowed, NotChecked)
 *     messages: optional {namespace/name: substring of the verdict's message}
 *     status: optional {namespace/name: subset of its /status entry (toolset, endpoint, healthUrl, type, …)}
 *     document: optional; {error: substring} when no document can be written, else
 *               {toolsets: names in the written file (overrides included), entries: {name: subset of the entry}}
 *
 * Two YAML tags keep large inputs readable: `!repeat [text, count]` and `!concat [a, b, …]` build strings.
 */
export interface Scenario {
  file: string;
  name: string;
  why?: string;
  settings: PlanSettings;
  services: Service[];
  slices: EndpointSlice[];
  namespaces: Namespace[];
  health: Record<string, HealthSpec>;
  overrides?: string;
  base?: BaseLayerSource;
  previous?: Map<string, Record<string, unknown>>;
  expect: Expectation;
}

/** How scenarios name their base layer. */
export const BASE_SOURCE = 'ConfigMap holmes/custom-toolsets-configmap, key custom_toolset.yaml';

export type Check = 'up' | 'down';
export type HealthSpec = 'healthy' | 'pending' | 'unhealthy' | Check[] | { healthUrl: string; checks: Check[] };

export interface Expectation {
  toolsets: string[];
  verdicts: Record<string, string>;
  messages?: Record<string, string>;
  status?: Record<string, Record<string, unknown>>;
  document?: { error: string } | { toolsets?: string[]; entries?: Record<string, unknown> };
}

const repeatTag = defineSequenceTag<unknown[], string>('!repeat', {
  create: () => [],
  addItem: (items, item) => void items.push(item),
  finalize: ([text, count]) => String(text).repeat(Number(count)),
  identify: () => false,
});
const concatTag = defineSequenceTag<unknown[], string>('!concat', {
  create: () => [],
  addItem: (items, item) => void items.push(item),
  finalize: (items) => items.map(String).join(''),
  identify: () => false,
});
const SCHEMA = CORE_SCHEMA.withTags(repeatTag, concatTag);

export const SCENARIO_DIR = new URL('../scenarios/', import.meta.url);

type Doc = Record<string, unknown>;

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

function onlyKeys(doc: Doc, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(doc).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) fail(where, `unknown key(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
}

function isMap(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(where, 'must be a list of strings');
  return value as string[];
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (!isMap(value) || Object.values(value).some((v) => typeof v !== 'string')) fail(where, 'must be a map of strings');
  return value as Record<string, string>;
}

function serviceOf(raw: unknown, where: string): Service {
  if (!isMap(raw) || !isMap(raw.metadata)) fail(where, 'a Service needs metadata');
  onlyKeys(raw, ['metadata', 'spec'], where);
  onlyKeys(raw.metadata, ['name', 'namespace', 'annotations', 'labels', 'creationTimestamp', 'uid'], `${where}.metadata`);
  if (raw.spec !== undefined) {
    if (!isMap(raw.spec)) fail(where, 'spec must be a map');
    onlyKeys(raw.spec, ['type', 'ports', 'externalName', 'clusterIP', 'selector'], `${where}.spec`);
  }
  const { name, namespace } = raw.metadata;
  if (typeof name !== 'string' || typeof namespace !== 'string') fail(where, 'metadata.name and metadata.namespace are required');
  const spec = isMap(raw.spec) ? raw.spec : {};
  const selector = spec.type === 'ExternalName' ? undefined : (spec.selector ?? { app: name });
  return toService({
    ...raw,
    spec: { ...spec, ...(selector ? { selector } : {}) },
    metadata: { uid: `uid-${namespace}-${name}`, creationTimestamp: '2024-01-01T00:00:00Z', ...raw.metadata },
  });
}

const VERDICTS = ['included', 'unhealthy', 'pending', 'shadowed', 'rejected'];

function healthSpec(raw: unknown, where: string): HealthSpec {
  const checks = (v: unknown): Check[] => {
    if (!Array.isArray(v) || v.length === 0 || v.some((c) => c !== 'up' && c !== 'down')) fail(where, 'checks must be a non-empty list of up/down');
    return v as Check[];
  };
  if (raw === 'healthy' || raw === 'pending' || raw === 'unhealthy') return raw;
  if (Array.isArray(raw)) return checks(raw);
  if (isMap(raw)) {
    onlyKeys(raw, ['healthUrl', 'checks'], where);
    if (typeof raw.healthUrl !== 'string') fail(where, 'healthUrl must be a string');
    return { healthUrl: raw.healthUrl, checks: checks(raw.checks) };
  }
  return fail(where, 'must be healthy, pending, unhealthy, a list of up/down, or {healthUrl, checks}');
}

function expectationOf(raw: unknown, where: string): Expectation {
  if (!isMap(raw)) fail(where, 'expect is required');
  onlyKeys(raw, ['toolsets', 'verdicts', 'messages', 'status', 'document'], where);
  if (raw.status !== undefined && (!isMap(raw.status) || !Object.values(raw.status).every(isMap))) fail(`${where}.status`, 'must map namespace/name to a map');
  const verdicts = raw.verdicts === undefined ? {} : stringMap(raw.verdicts, `${where}.verdicts`);
  for (const [key, v] of Object.entries(verdicts)) {
    const [verdict, reason] = v.split('/');
    if (!VERDICTS.includes(verdict ?? '')) fail(`${where}.verdicts.${key}`, `unknown verdict ${v}`);
    if ((verdict === 'rejected' || verdict === 'unhealthy') && !reason) fail(`${where}.verdicts.${key}`, `${verdict} needs its reason (${verdict}/Reason)`);
  }
  let document: Expectation['document'];
  if (raw.document !== undefined) {
    if (!isMap(raw.document)) fail(`${where}.document`, 'must be a map');
    onlyKeys(raw.document, ['error', 'toolsets', 'entries'], `${where}.document`);
    if (raw.document.error !== undefined) {
      if (typeof raw.document.error !== 'string' || Object.keys(raw.document).length > 1) fail(`${where}.document`, 'error is a string, alone');
      document = { error: raw.document.error };
    } else {
      if (raw.document.entries !== undefined && !isMap(raw.document.entries)) fail(`${where}.document.entries`, 'must be a map');
      document = {
        ...(raw.document.toolsets !== undefined ? { toolsets: stringList(raw.document.toolsets, `${where}.document.toolsets`) } : {}),
        ...(raw.document.entries !== undefined ? { entries: raw.document.entries } : {}),
      };
    }
  }
  return {
    toolsets: stringList(raw.toolsets ?? [], `${where}.toolsets`),
    verdicts,
    ...(raw.messages !== undefined ? { messages: stringMap(raw.messages, `${where}.messages`) } : {}),
    ...(raw.status !== undefined ? { status: raw.status as Record<string, Record<string, unknown>> } : {}),
    ...(document ? { document } : {}),
  };
}

function scenarioOf(raw: unknown, file: string, index: number, earlier: readonly Scenario[]): Scenario {
  const where = `${file}#${index + 1}`;
  if (!isMap(raw)) fail(where, 'a scenario must be a map');
  onlyKeys(raw, ['name', 'why', 'config', 'healthChecks', 'namespaces', 'services', 'slices', 'servicesOf', 'health', 'overrides', 'base', 'previous', 'expect'], where);
  if (typeof raw.name !== 'string' || raw.name === '') fail(where, 'name is required');
  const at = `${file} "${raw.name}"`;
  const config = configFromDocument(raw.config ?? {}, {});
  if (raw.healthChecks !== undefined && typeof raw.healthChecks !== 'boolean') fail(at, 'healthChecks must be true or false');
  const settings = planSettings(config, raw.healthChecks ?? config.health.enabled);
  const namespaces = ((raw.namespaces ?? []) as unknown[]).map((n, i) => {
    if (!isMap(n) || typeof n.name !== 'string') fail(`${at} namespaces[${i}]`, 'needs a name');
    onlyKeys(n, ['name', 'labels'], `${at} namespaces[${i}]`);
    return toNamespace({ metadata: { name: n.name, labels: n.labels === undefined ? {} : stringMap(n.labels, `${at} namespaces[${i}].labels`) } });
  });
  if (!Array.isArray(raw.services ?? [])) fail(at, 'services must be a list');
  let services = ((raw.services ?? []) as unknown[]).map((s, i) => serviceOf(s, `${at} services[${i}]`));
  if (raw.servicesOf !== undefined) {
    const source = earlier.find((e) => e.name === raw.servicesOf && e.file === file);
    if (!source || raw.services !== undefined) fail(at, 'servicesOf names an earlier scenario of this file, and replaces services');
    services = structuredClone(source.services);
  }
  if (!Array.isArray(raw.slices ?? [])) fail(at, 'slices must be a list');
  const slices = ((raw.slices ?? []) as unknown[]).map((s, i) => {
    if (!isMap(s) || !isMap(s.metadata)) fail(`${at} slices[${i}]`, 'an EndpointSlice needs metadata');
    onlyKeys(s, ['metadata', 'ports', 'endpoints'], `${at} slices[${i}]`);
    return toEndpointSlice(s);
  });
  const keys = services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice) fail(at, `Service ${twice} is listed twice`);
  const health: Record<string, HealthSpec> = {};
  if (raw.health !== undefined) {
    if (!isMap(raw.health)) fail(at, 'health must be a map');
    for (const [key, spec] of Object.entries(raw.health)) health[key] = healthSpec(spec, `${at} health.${key}`);
  }
  if (raw.overrides !== undefined && typeof raw.overrides !== 'string') fail(at, 'overrides must be text');
  if (raw.base !== undefined && raw.base !== null && typeof raw.base !== 'string') fail(at, 'base must be text, or null for a missing ConfigMap');
  if (raw.previous !== undefined && (!isMap(raw.previous) || !Object.values(raw.previous).every(isMap))) fail(at, 'previous must map namespace/name to an entry');
  return {
    file,
    name: raw.name,
    ...(typeof raw.why === 'string' ? { why: raw.why } : {}),
    settings,
    services,
    slices,
    namespaces,
    health,
    ...(raw.overrides !== undefined ? { overrides: raw.overrides } : {}),
    ...(raw.base !== undefined ? { base: { source: BASE_SOURCE, text: raw.base ?? undefined } } : {}),
    ...(raw.previous !== undefined ? { previous: new Map(Object.entries(raw.previous as Record<string, Record<string, unknown>>)) } : {}),
    expect: expectationOf(raw.expect, `${at} expect`),
  };
}

/** Every scenario of test/scenarios/*.yaml, in file order; throws on a malformed one, naming it. */
export function loadScenarios(dir: URL = SCENARIO_DIR): Scenario[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const docs = loadAll(readFileSync(new URL(file, dir), 'utf8'), { schema: SCHEMA });
    docs.forEach((doc, i) => scenarios.push(scenarioOf(doc, file, i, scenarios)));
  }
  const names = scenarios.map((s) => s.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`scenario name "${twice}" is used twice`);
  return scenarios;
}

const CHECKED_AT = new Date('2024-06-01T12:00:00Z');
const UP: HealthVerdict = { healthy: true, status: 200, durationMs: 3 };
const DOWN: HealthVerdict = { healthy: false, status: 503, reason: 'HttpStatus', message: 'HTTP 503 Service Unavailable', durationMs: 3 };

function recordOf(checks: readonly Check[], healthUrl: string, failureThreshold: number): HealthRecord {
  let record: HealthRecord | undefined;
  for (const c of checks) record = nextRecord(record, healthUrl, c === 'up' ? UP : DOWN, failureThreshold, CHECKED_AT);
  return record as HealthRecord;
}

/**
 * The health verdicts of a scenario, as the health book would hold them: detection does not depend on health, so
 * a first plan without any record names the candidates and their health URLs, and the records are made for those.
 */
export function healthView(s: Pick<Scenario, 'services' | 'slices' | 'namespaces' | 'health' | 'settings' | 'name'>): HealthView {
  const probe = plan({ services: s.services, slices: s.slices, namespaces: s.namespaces, health: { record: () => undefined }, overrides: undefined }, s.settings);
  const urls = new Map(probe.candidates.map((c) => [c.key, c.healthUrl]));
  const unknown = Object.keys(s.health).filter((k) => !urls.has(k));
  if (unknown.length > 0) throw new Error(`scenario "${s.name}": health given for ${unknown.join(', ')}, which is not a candidate`);
  const records = new Map<string, HealthRecord>();
  const threshold = s.settings.failureThreshold;
  for (const [key, url] of urls) {
    const spec = s.health[key] ?? 'healthy';
    if (spec === 'pending') continue;
    if (spec === 'healthy') records.set(key, recordOf(['up'], url, threshold));
    else if (spec === 'unhealthy') records.set(key, recordOf(['down'], url, threshold));
    else if (Array.isArray(spec)) records.set(key, recordOf(spec, url, threshold));
    else records.set(key, recordOf(spec.checks, spec.healthUrl, threshold));
  }
  return { record: (key) => records.get(key) };
}

/** plan() on a scenario's input, Services and Namespaces in the given order. */
export function runScenario(s: Scenario, order: { services?: Service[]; namespaces?: Namespace[] } = {}): Plan {
  return plan(
    { services: order.services ?? s.services, slices: s.slices, namespaces: order.namespaces ?? s.namespaces, health: healthView(s), overrides: s.overrides,
      ...(s.base ? { base: s.base } : {}), ...(s.previous ? { previous: s.previous } : {}) },
    s.settings,
  );
}
