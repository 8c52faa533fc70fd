import type { Service } from '../kube/objects.ts';
import { ANNOTATIONS, MAX_DESCRIPTION_CHARS } from './annotations.ts';
import type { Candidate, Detection, ServiceRef } from './candidate.ts';
import { serviceOfUrl, type EndpointPolicy, type EndpointScope } from './endpoint-policy.ts';
import { isNamespaceName, isServiceName } from './manifest.ts';
import type { Tenancy } from './tenancy.ts';
import { quote, Rejected } from './rejected.ts';
import { annotatedConfig } from './toolset-config.ts';
import { annotatedEndpoint, builtEndpoint, healthUrl, withApiPrefix } from './endpoint.ts';
import { mcpServer } from './mcp-server.ts';
import { toolsetPaths } from './toolset-paths.ts';
import { tenantLine } from './tenant-text.ts';
import { templateToken } from './untrusted-text.ts';
import { BUILTIN_ALIASES, isShortType, SHORT_TYPES, TYPE_SPECS, type ShortType } from './toolset-types.ts';

export interface DetectionOptions {
  policy: EndpointPolicy;
  /** Also consider well-known Services that carry no kubernaut.io/toolset annotation. */
  autoDetect: boolean;
  tenancy: Tenancy;
  /** tenancy.tenantDescriptions: false drops every untrusted namespace's description (the origin line stays). */
  tenantDescriptions?: boolean;
  /** tenancy.untrustedMcp: untrusted namespaces may publish MCP servers (off by default). */
  untrustedMcp?: boolean;
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
    const { portNumber, detectByPort } = TYPE_SPECS[t];
    return detectByPort && svc.spec.ports.some((p) => p.port === portNumber);
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

/**
 * Every annotation value must be a string (the API server guarantees it; a manifest read offline may not), and
 * none of the operator's annotations may carry template syntax: all of them can reach HolmesGPT's output.
 */
function checkAnnotations(annotations: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(annotations)) {
    if (name.startsWith('kubernaut.io/')) checkAnnotation(name, value);
  }
}

function checkAnnotation(name: string, value: unknown): void {
  if (typeof value !== 'string') {
    throw new Rejected('InvalidManifest', `annotation ${name} must be a string, not ${quote(JSON.stringify(value) ?? String(value))} (quote the value in YAML)`);
  }
  const token = templateToken(value);
  if (token) {
    throw new Rejected(
      'TemplateNotAllowed',
      `${name} contains ${quote(token)}: template and variable syntax is not accepted from annotations (HolmesGPT would expand it); secrets go in the operator's toolsetDefaults or in overrides.yaml`,
    );
  }
}

function checkIdentity(svc: Service): void {
  const { name, namespace } = svc.metadata;
  if (!isNamespaceName(namespace)) throw new Rejected('InvalidManifest', `metadata.namespace ${quote(String(namespace))} is not a DNS-1123 label`);
  if (!isServiceName(name)) throw new Rejected('InvalidManifest', `metadata.name ${quote(String(name))} is not a DNS-1035 label`);
}

/** Decides, from one Service alone, whether it is a toolset candidate, a rejection, or not ours. Pure. */
export function detect(svc: Service, options: DetectionOptions): Detection {
  const { namespace, name, uid, annotations } = svc.metadata;
  const service: ServiceRef = { namespace, name, uid };
  const key = `${namespace}/${name}`;
  try {
    // Only a Service that asks (or is auto-detected) is judged: an opt-out always wins, and the many Services that
    // are not ours cost one look-up on every watch event.
    const toolsetValue: unknown = annotations[ANNOTATIONS.toolset];
    if (toolsetValue !== undefined) checkAnnotation(ANNOTATIONS.toolset, toolsetValue);
    const opted = optIn(annotations[ANNOTATIONS.toolset]);
    if (opted === 'out') return { kind: 'ignored' };
    if (opted === 'unset' && (!options.autoDetect || autoDetectedType(svc) === undefined)) return { kind: 'ignored' };
    checkIdentity(svc);
    checkAnnotations(annotations);
    const type = typeOf(svc, annotations, opted, options.autoDetect);
    const spec = TYPE_SPECS[type];
    const scope: EndpointScope = { namespace, trusted: options.tenancy.isTrusted(namespace) };
    if (spec.builtin !== undefined && !scope.trusted) {
      // Auto-detection found a tenant's own Prometheus (say): nobody asked, so nothing to refuse.
      if (opted === 'unset') return { kind: 'ignored' };
      throw new Rejected(
        'NamespaceNotTrusted',
        `namespace ${namespace} is not trusted to provide the built-in toolset ${spec.builtin}; a cluster admin can ${options.tenancy.howToTrust(namespace)}`,
      );
    }
    if (type === 'mcp' && !scope.trusted && options.untrustedMcp !== true) {
      // An MCP server's own tool names and descriptions reach the model, and HolmesGPT calls its tools: opt-in only.
      throw new Rejected(
        'NamespaceNotTrusted',
        `namespace ${namespace} is not trusted to publish MCP servers (HolmesGPT hands their tools' text to the model and calls them); a cluster admin can ${options.tenancy.howToTrust(namespace)}, or allow every namespace's MCP servers with tenancy.untrustedMcp=true`,
      );
    }
    const endpointAnnotation = annotations[ANNOTATIONS.endpoint];
    const server = endpointAnnotation !== undefined
      ? annotatedEndpoint(endpointAnnotation, options.policy, scope)
      : builtEndpoint(svc, spec, annotations[ANNOTATIONS.port], options.policy, scope);
    const { base, endpoint } = withApiPrefix(server, spec.apiPrefix);
    const mcp = mcpServer(type, annotations, server, endpointAnnotation !== undefined);
    const candidate: Candidate = {
      service,
      key,
      type,
      toolset: toolsetName(type, service),
      builtin: spec.builtin !== undefined,
      endpoint: mcp?.url ?? endpoint,
      healthUrl: mcp?.probeUrl ?? healthUrl(annotations[ANNOTATIONS.healthPath], spec, { base, endpoint }),
      config: annotatedConfig(annotations[ANNOTATIONS.config], type),
      priority: priority(annotations[ANNOTATIONS.priority]),
      createdAt: svc.metadata.creationTimestamp,
      autoDetected: opted === 'unset',
      trusted: scope.trusted,
    };
    const target = serviceOfUrl(new URL(candidate.endpoint), options.policy.clusterDomain);
    if (target) candidate.target = target;
    const text = description(annotations[ANNOTATIONS.description]);
    const shown = scope.trusted ? text : options.tenantDescriptions === false || text === undefined ? undefined : tenantLine(text);
    if (shown !== undefined) candidate.description = shown;
    const paths = toolsetPaths(annotations[ANNOTATIONS.paths], type, new URL(endpoint).pathname.replace(/\/$/, ''));
    if (paths !== undefined) candidate.paths = paths;
    if (mcp) candidate.mcpMode = mcp.mode;
    if (!mcp && spec.healthJson && annotations[ANNOTATIONS.healthPath] === undefined) candidate.healthJson = true;
    return { kind: 'candidate', candidate };
  } catch (error) {
    if (error instanceof Rejected) return { kind: 'rejected', rejection: { service, key, reason: error.reason, message: error.message } };
    throw error;
  }
}
