import type { Service, ServicePort } from '../kube/objects.ts';
import { ANNOTATIONS, MAX_CONFIG_BYTES, MAX_DESCRIPTION_CHARS, MAX_HEALTH_PATH_CHARS } from './annotations.ts';
import type { Candidate, Detection, RejectionReason, ServiceRef } from './candidate.ts';
import { endpointAllowed, type EndpointPolicy } from './endpoint-policy.ts';
import { BUILTIN_ALIASES, isShortType, SHORT_TYPES, TYPE_SPECS, type ShortType, type TypeSpec } from './toolset-types.ts';

export interface DetectionOptions {
  policy: EndpointPolicy;
  /** Also consider well-known Services that carry no kubernaut.io/toolset annotation. */
  autoDetect: boolean;
}

class Rejected extends Error {
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Quotes a user-supplied value for a message, shortened so a 1 MB annotation cannot flood logs and Events. */
export function quote(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…(${value.length} chars)` : value;
  return JSON.stringify(shown);
}

type OptIn = 'in' | 'out' | 'unset';

function optIn(value: string | undefined): OptIn {
  if (value === undefined) return 'unset';
  const v = value.trim().toLowerCase();
  if (v === 'enabled' || v === 'true') return 'in';
  if (v === 'disabled' || v === 'false') return 'out';
  throw new Rejected('InvalidToolsetAnnotation', `${ANNOTATIONS.toolset}=${quote(value)} is not one of enabled, true, disabled, false`);
}

function autoDetectedType(svc: Service): ShortType | undefined {
  const labels = svc.metadata.labels;
  const app = (labels['app.kubernetes.io/name'] ?? labels.app ?? '').toLowerCase();
  const byLabel = SHORT_TYPES.find((t) => TYPE_SPECS[t].knownApps.includes(app));
  if (byLabel) return byLabel;
  return SHORT_TYPES.find((t) => {
    const n = TYPE_SPECS[t].portNumber;
    return n !== undefined && svc.spec.ports.some((p) => p.port === n);
  });
}

function typeOf(svc: Service, annotations: Record<string, string>, opted: OptIn, autoDetect: boolean): ShortType {
  const raw = annotations[ANNOTATIONS.type];
  if (raw === undefined || raw.trim() === '') {
    const auto = autoDetect ? autoDetectedType(svc) : undefined;
    if (auto) return auto;
    throw new Rejected(
      'MissingType',
      `${ANNOTATIONS.type} is required${opted === 'in' ? '' : ' (auto-detection did not recognise this Service)'}; use one of ${SHORT_TYPES.join(', ')}`,
    );
  }
  const value = raw.trim();
  if (isShortType(value)) return value;
  // Own properties only: "constructor" or "__proto__" must be an unknown type, not Object.prototype's members.
  const alias = Object.hasOwn(BUILTIN_ALIASES, value) ? BUILTIN_ALIASES[value] : undefined;
  if (alias) return alias;
  throw new Rejected(
    'UnknownType',
    `${ANNOTATIONS.type}=${quote(raw)} is not a known type; use one of ${SHORT_TYPES.join(', ')} or ${Object.keys(BUILTIN_ALIASES).join(', ')}`,
  );
}

function pickPort(svc: Service, spec: TypeSpec, requested: string | undefined): ServicePort | { port: number } {
  const tcp = svc.spec.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (requested !== undefined) {
    const value = requested.trim();
    if (/^\d+$/.test(value)) {
      const number = Number(value);
      if (number < 1 || number > 65535) {
        throw new Rejected('InvalidPort', `${ANNOTATIONS.port}=${quote(requested)} is not a port number between 1 and 65535`);
      }
      const port = tcp.find((p) => p.port === number);
      if (port) return port;
      if (svc.spec.type === 'ExternalName') return { port: number };
      throw new Rejected('InvalidPort', `${ANNOTATIONS.port}=${quote(requested)}: the Service has no TCP port ${number} (ports: ${describePorts(tcp)})`);
    }
    const named = tcp.find((p) => p.name === value);
    if (named) return named;
    throw new Rejected('InvalidPort', `${ANNOTATIONS.port}=${quote(requested)}: the Service has no TCP port of that name (ports: ${describePorts(tcp)})`);
  }
  const preferred =
    spec.portNames.map((n) => tcp.find((p) => p.name === n)).find((p) => p !== undefined) ??
    tcp.find((p) => p.port === spec.portNumber) ??
    tcp[0];
  if (preferred) return preferred;
  if (svc.spec.type === 'ExternalName' && spec.portNumber !== undefined) return { port: spec.portNumber };
  throw new Rejected('NoPort', `the Service has no TCP port and no ${ANNOTATIONS.endpoint} annotation`);
}

function describePorts(ports: ServicePort[]): string {
  return ports.length === 0 ? 'none' : ports.map((p) => (p.name ? `${p.name}/${p.port}` : String(p.port))).join(', ');
}

function isHttps(port: ServicePort | { port: number }): boolean {
  const p = port as ServicePort;
  const app = (p.appProtocol ?? '').toLowerCase();
  return p.name === 'https' || (p.name ?? '').startsWith('https-') || app === 'https' || app === 'kubernetes.io/https' || p.port === 443;
}

function externalHost(svc: Service, policy: EndpointPolicy): string {
  const host = (svc.spec.externalName ?? '').replace(/\.$/, '').toLowerCase();
  if (!isDnsName(host)) {
    throw new Rejected('InvalidEndpoint', `ExternalName ${quote(svc.spec.externalName ?? '')} is not a DNS name`);
  }
  if (!endpointAllowed(new URL(`http://${host}`), policy)) {
    throw new Rejected('EndpointNotAllowed', `ExternalName host ${quote(host)} is not allowed; only cluster Service names (*.svc) and endpoints.allowedHosts are`);
  }
  return host;
}

function builtEndpoint(svc: Service, spec: TypeSpec, requestedPort: string | undefined, policy: EndpointPolicy): string {
  const port = pickPort(svc, spec, requestedPort);
  const scheme = isHttps(port) ? 'https' : 'http';
  const host = svc.spec.type === 'ExternalName'
    ? externalHost(svc, policy)
    : `${svc.metadata.name}.${svc.metadata.namespace}.svc.${policy.clusterDomain}`;
  const defaultPort = (scheme === 'https' && port.port === 443) || (scheme === 'http' && port.port === 80);
  return `${scheme}://${host}${defaultPort ? '' : `:${port.port}`}`;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function isDnsName(host: string): boolean {
  return DNS_NAME.test(host);
}

function annotatedEndpoint(raw: string, policy: EndpointPolicy): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint}=${quote(raw)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint}=${quote(raw)} must use http or https`);
  }
  if (url.username || url.password) {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint} must not carry credentials; use ${ANNOTATIONS.config} with {{ env.NAME }} references`);
  }
  if (url.search || url.hash) {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint}=${quote(raw)} must not have a query or fragment`);
  }
  // The URL ends up in shell commands and in strings HolmesGPT expands ($VAR, {{ }}); only plain characters pass.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isDnsName(host) && !/^[0-9a-f:.]+$/i.test(host)) {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint}=${quote(raw)}: host ${quote(url.hostname)} is not a DNS name or IP address`);
  }
  if (!/^[A-Za-z0-9._~/%:@!*+,;=()-]*$/.test(url.pathname)) {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint}=${quote(raw)}: the path may only contain letters, digits and . _ ~ / % : @ ! * + , ; = ( ) -`);
  }
  if (!endpointAllowed(url, policy)) {
    throw new Rejected(
      'EndpointNotAllowed',
      `${ANNOTATIONS.endpoint}=${quote(raw)}: host ${quote(url.hostname)} is not allowed; only cluster Service names (*.svc) and endpoints.allowedHosts are`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function healthPath(raw: string | undefined, spec: TypeSpec): string {
  if (raw === undefined) return spec.healthPath;
  if (!raw.startsWith('/') || raw.length > MAX_HEALTH_PATH_CHARS || /[\s#]/.test(raw) || raw.startsWith('//')) {
    throw new Rejected(
      'InvalidHealthPath',
      `${ANNOTATIONS.healthPath}=${quote(raw)} must be a path beginning with a single "/", without spaces or "#", at most ${MAX_HEALTH_PATH_CHARS} characters`,
    );
  }
  return raw;
}

function dottedKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = dottedKey(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('.') || k === '') return `${path}/${k}`;
      const found = dottedKey(v, `${path}/${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

function config(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  const bytes = Buffer.byteLength(raw);
  if (bytes > MAX_CONFIG_BYTES) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config} is ${bytes} bytes; at most ${MAX_CONFIG_BYTES} are allowed`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config} must be a JSON object, not ${Array.isArray(parsed) ? 'an array' : quote(raw)}`);
  }
  const dotted = dottedKey(parsed, '');
  if (dotted) {
    throw new Rejected('InvalidConfig', `${ANNOTATIONS.config}: key ${quote(dotted)} is empty or contains "." (HolmesGPT rejects the whole file on such keys)`);
  }
  return parsed as Record<string, unknown>;
}

function priority(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const value = raw.trim();
  if (!/^[+-]?\d{1,9}$/.test(value)) {
    throw new Rejected('InvalidPriority', `${ANNOTATIONS.priority}=${quote(raw)} must be an integer between -999999999 and 999999999`);
  }
  return Number(value);
}

function description(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if ([...raw].length > MAX_DESCRIPTION_CHARS) {
    throw new Rejected('InvalidDescription', `${ANNOTATIONS.description} has ${[...raw].length} characters; at most ${MAX_DESCRIPTION_CHARS} are allowed`);
  }
  return raw.trim() || undefined;
}

/** The HolmesGPT map key of a Service: built-in name, or `<type>/<namespace>/<name>` (no dots can occur). */
export function toolsetName(type: ShortType, ref: Pick<ServiceRef, 'namespace' | 'name'>): string {
  return TYPE_SPECS[type].builtin ?? `${type}/${ref.namespace}/${ref.name}`;
}

/** Decides, from one Service alone, whether it is a toolset candidate, a rejection, or not ours. Pure. */
export function detect(svc: Service, options: DetectionOptions): Detection {
  const { namespace, name, uid, annotations } = svc.metadata;
  const service: ServiceRef = { namespace, name, uid };
  const key = `${namespace}/${name}`;
  try {
    const opted = optIn(annotations[ANNOTATIONS.toolset]);
    if (opted === 'out') return { kind: 'ignored' };
    if (opted === 'unset' && (!options.autoDetect || autoDetectedType(svc) === undefined)) return { kind: 'ignored' };
    const type = typeOf(svc, annotations, opted, options.autoDetect);
    const spec = TYPE_SPECS[type];
    const endpointAnnotation = annotations[ANNOTATIONS.endpoint];
    const endpoint = endpointAnnotation !== undefined
      ? annotatedEndpoint(endpointAnnotation, options.policy)
      : builtEndpoint(svc, spec, annotations[ANNOTATIONS.port], options.policy);
    const candidate: Candidate = {
      service,
      key,
      type,
      toolset: toolsetName(type, service),
      builtin: spec.builtin !== undefined,
      endpoint,
      healthUrl: `${endpoint}${healthPath(annotations[ANNOTATIONS.healthPath], spec)}`,
      config: config(annotations[ANNOTATIONS.config]),
      priority: priority(annotations[ANNOTATIONS.priority]),
      createdAt: svc.metadata.creationTimestamp,
      autoDetected: opted === 'unset',
    };
    const text = description(annotations[ANNOTATIONS.description]);
    if (text !== undefined) candidate.description = text;
    return { kind: 'candidate', candidate };
  } catch (error) {
    if (error instanceof Rejected) return { kind: 'rejected', rejection: { service, key, reason: error.reason, message: error.message } };
    throw error;
  }
}
