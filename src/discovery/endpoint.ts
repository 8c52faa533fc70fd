// Where a Service's toolset points: the endpoint built from its ports or taken from its annotation (through the
// endpoint policy), the API prefix of its type, and the URL its health is checked at.
import type { Service, ServicePort } from '../kube/objects.ts';
import { ANNOTATIONS, MAX_HEALTH_PATH_CHARS } from './annotations.ts';
import { endpointAllowed, type EndpointPolicy, type EndpointScope } from './endpoint-policy.ts';
import { quote, Rejected } from './rejected.ts';
import type { TypeSpec } from './toolset-types.ts';
import { PLAIN_PATH, PLAIN_PATH_CHARACTERS, PLAIN_QUERY } from './untrusted-text.ts';

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

function externalHost(svc: Service, policy: EndpointPolicy, scope: EndpointScope): string {
  const host = (svc.spec.externalName ?? '').replace(/\.$/, '').toLowerCase();
  if (!isDnsName(host)) {
    throw new Rejected('InvalidEndpoint', `ExternalName ${quote(svc.spec.externalName ?? '')} is not a DNS name`);
  }
  if (!endpointAllowed(new URL(`http://${host}`), policy, scope)) {
    throw new Rejected('EndpointNotAllowed', `ExternalName host ${quote(host)} is not allowed; ${allowedWhere(scope)}`);
  }
  return host;
}

/**
 * The API URL under a server's base URL (Mimir: /prometheus), whether the endpoint was built or given with or
 * without the prefix; health checks go to the server itself.
 */
export function withApiPrefix(server: string, prefix: string | undefined): { base: string; endpoint: string } {
  if (!prefix) return { base: server, endpoint: server };
  return server.endsWith(prefix) ? { base: server.slice(0, -prefix.length), endpoint: server } : { base: server, endpoint: `${server}${prefix}` };
}

/** The Service's own cluster name, through the same policy as any other endpoint (default/kubernetes is the API server). */
function serviceHost(svc: Service, policy: EndpointPolicy, scope: EndpointScope): string {
  const host = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${policy.clusterDomain}`;
  if (!endpointAllowed(new URL(`http://${host}`), policy, scope)) {
    throw new Rejected('EndpointNotAllowed', `the Service's own address ${quote(host)} is not allowed; ${allowedWhere(scope)}`);
  }
  return host;
}

export function builtEndpoint(svc: Service, spec: TypeSpec, requestedPort: string | undefined, policy: EndpointPolicy, scope: EndpointScope): string {
  const port = pickPort(svc, spec, requestedPort);
  const scheme = isHttps(port) ? 'https' : 'http';
  const host = svc.spec.type === 'ExternalName' ? externalHost(svc, policy, scope) : serviceHost(svc, policy, scope);
  const defaultPort = (scheme === 'https' && port.port === 443) || (scheme === 'http' && port.port === 80);
  return `${scheme}://${host}${defaultPort ? '' : `:${port.port}`}`;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function isDnsName(host: string): boolean {
  return DNS_NAME.test(host);
}

/** Says where endpoints may point, for the message of a refused one. */
function allowedWhere(scope: EndpointScope): string {
  return scope.trusted
    ? 'only cluster Service names (<name>.<namespace>.svc) other than the API server, and endpoints.allowedHosts, are'
    : `namespace ${scope.namespace} is not trusted, so only Services of its own namespace (<name>.${scope.namespace}.svc) are`;
}

export function annotatedEndpoint(raw: string, policy: EndpointPolicy, scope: EndpointScope): string {
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
  // The URL ends up in strings HolmesGPT expands ({{ }}) and in what the model reads; only plain characters pass.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isDnsName(host) && !/^[0-9a-f:.]+$/i.test(host)) {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint}=${quote(raw)}: host ${quote(url.hostname)} is not a DNS name or IP address`);
  }
  if (!PLAIN_PATH.test(url.pathname)) {
    throw new Rejected('InvalidEndpoint', `${ANNOTATIONS.endpoint}=${quote(raw)}: the path may only contain ${PLAIN_PATH_CHARACTERS}`);
  }
  if (!endpointAllowed(url, policy, scope)) {
    throw new Rejected('EndpointNotAllowed', `${ANNOTATIONS.endpoint}=${quote(raw)}: host ${quote(url.hostname)} is not allowed; ${allowedWhere(scope)}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The health URL: the type's own check under the API URL, or the annotation's path under the server. */
export function healthUrl(raw: string | undefined, spec: TypeSpec, server: { base: string; endpoint: string }): string {
  if (raw === undefined) return `${server.endpoint}${spec.healthPath}`;
  const [path = '', query] = raw.split('?', 2);
  if (!raw.startsWith('/') || raw.length > MAX_HEALTH_PATH_CHARS || raw.startsWith('//') || !PLAIN_PATH.test(path) || (query !== undefined && !PLAIN_QUERY.test(query))) {
    throw new Rejected(
      'InvalidHealthPath',
      `${ANNOTATIONS.healthPath}=${quote(raw)} must be a path beginning with a single "/" (${PLAIN_PATH_CHARACTERS}), optionally a query of those and & ?, at most ${MAX_HEALTH_PATH_CHARS} characters`,
    );
  }
  return `${server.base}${raw}`;
}
