/**
 * What the API server guarantees about a Service, checked again for manifests that never went through one (the
 * offline `render` reads files a tenant may have written). A field that breaks these rules would otherwise reach
 * the output or crash the render.
 */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** IANA service name, as Kubernetes validates port names: ≤ 15 characters, a letter, no "--". */
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function isNamespaceName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

export function isServiceName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1035_LABEL.test(value);
}

function isPortName(value: string): boolean {
  return value.length <= 15 && PORT_NAME.test(value) && /[a-z]/.test(value) && !value.includes('--');
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

function stringMapProblem(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return `${field} must be a map of strings`;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') return `${field}[${show(k)}] must be a string, not ${show(v)} (quote it in YAML)`;
  }
  return undefined;
}

function portProblem(port: unknown, i: number): string | undefined {
  if (!port || typeof port !== 'object' || Array.isArray(port)) return `spec.ports[${i}] must be an object`;
  const p = port as Record<string, unknown>;
  if (typeof p.port !== 'number' || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
    return `spec.ports[${i}].port ${show(p.port)} must be an integer between 1 and 65535`;
  }
  if (p.name !== undefined && (typeof p.name !== 'string' || !isPortName(p.name))) {
    return `spec.ports[${i}].name ${show(p.name)} must be an IANA service name (lower-case letters, digits and "-", at most 15 characters)`;
  }
  if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol as string)) {
    return `spec.ports[${i}].protocol ${show(p.protocol)} must be TCP, UDP or SCTP`;
  }
  if (p.appProtocol !== undefined && (typeof p.appProtocol !== 'string' || !/^[A-Za-z0-9./_-]{1,253}$/.test(p.appProtocol))) {
    return `spec.ports[${i}].appProtocol ${show(p.appProtocol)} must be a protocol name such as http or kubernetes.io/https`;
  }
  return undefined;
}

/** Why this raw Service object would not pass the API server's validation, or undefined when it would. */
export function serviceManifestProblem(raw: unknown): string | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'a Service must be an object';
  const { metadata, spec } = raw as { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
  if (!metadata || typeof metadata !== 'object') return 'metadata is missing';
  if (!isServiceName(metadata.name)) return `metadata.name ${show(metadata.name)} must be a DNS-1035 label (lower-case letters, digits and "-", starting with a letter, at most 63 characters)`;
  if (metadata.namespace !== undefined && !isNamespaceName(metadata.namespace)) {
    return `metadata.namespace ${show(metadata.namespace)} must be a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)`;
  }
  const maps = stringMapProblem(metadata.labels, 'metadata.labels') ?? stringMapProblem(metadata.annotations, 'metadata.annotations');
  if (maps) return maps;
  if (spec === undefined) return undefined;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return 'spec must be an object';
  if (spec.type !== undefined && !['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(spec.type as string)) {
    return `spec.type ${show(spec.type)} must be ClusterIP, NodePort, LoadBalancer or ExternalName`;
  }
  if (spec.externalName !== undefined && typeof spec.externalName !== 'string') return `spec.externalName ${show(spec.externalName)} must be a string`;
  if (spec.ports === undefined || spec.ports === null) return undefined;
  if (!Array.isArray(spec.ports)) return `spec.ports ${show(spec.ports)} must be a list`;
  for (const [i, port] of spec.ports.entries()) {
    const problem = portProblem(port, i);
    if (problem) return problem;
  }
  return undefined;
}
