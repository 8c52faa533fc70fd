/**
 * Who may aim the operator's HTTP checks where (SPEC §6). By default only cluster-internal Service names
 * (<name>.<namespace>.svc[.<cluster domain>]) are allowed; `allowedHosts` adds exact host names, `*.suffix`
 * wildcards and IPv4 CIDR ranges.
 */
export interface EndpointPolicy {
  clusterDomain: string;
  allowedHosts: readonly string[];
}

const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function inCidr(host: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const ip = ipv4ToInt(host);
  const net = ipv4ToInt(base ?? '');
  const bits = Number(bitsText);
  if (ip === undefined || net === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(net / size);
}

function matches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.includes('/')) return inCidr(host, p);
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p;
}

/** The Service a URL's host names (<name>.<namespace>.svc[.<cluster domain>]), if it names one. */
export function serviceOfUrl(url: URL, clusterDomain: string): { name: string; namespace: string } | undefined {
  return clusterServiceHost(url.hostname.toLowerCase(), clusterDomain);
}

function clusterServiceHost(host: string, clusterDomain: string): { name: string; namespace: string } | undefined {
  const domain = clusterDomain.toLowerCase().replaceAll('.', '\\.');
  const match = new RegExp(`^(${label})\\.(${label})\\.svc(\\.${domain})?$`).exec(host);
  return match ? { name: match[1] ?? '', namespace: match[2] ?? '' } : undefined;
}

/** Where a Service's endpoint may point: a trusted namespace anywhere the policy allows, others home only. */
export interface EndpointScope {
  namespace: string;
  trusted: boolean;
}

/**
 * Host names in URLs are compared lower-case, without IPv6 brackets. The API server's own Service is never a
 * data source, whatever namespace asks. An untrusted namespace reaches only Services of its own namespace:
 * allowedHosts are the admins' exceptions for the admins' (trusted) Services.
 */
export function endpointAllowed(url: URL, policy: EndpointPolicy, scope: EndpointScope): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const service = clusterServiceHost(host, policy.clusterDomain);
  if (!scope.trusted) return service !== undefined && service.namespace === scope.namespace && !isApiServer(service);
  if (policy.allowedHosts.some((p) => matches(host, p))) return true;
  return service !== undefined && !isApiServer(service);
}

function isApiServer(service: { name: string; namespace: string }): boolean {
  return service.name === 'kubernetes' && service.namespace === 'default';
}

/** Rejects patterns that would not mean what the user expects, for configuration validation. */
export function invalidHostPattern(pattern: string): string | undefined {
  if (pattern.includes('://')) return 'give a host name, not a URL (drop the scheme and path)';
  if (pattern.includes('/')) {
    const parts = pattern.split('/');
    if (parts.length !== 2) return 'a CIDR range must be an IPv4 address and a prefix length of 0-32, e.g. 10.0.0.0/8';
    const [base, bits] = parts;
    return ipv4ToInt(base ?? '') !== undefined && /^\d{1,2}$/.test(bits ?? '') && Number(bits) <= 32
      ? undefined
      : 'a CIDR range must be an IPv4 address and a prefix length of 0-32, e.g. 10.0.0.0/8';
  }
  const body = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  return /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(body) && !body.includes('..')
    ? undefined
    : 'use a host name, *.domain, or an IPv4 CIDR range';
}
