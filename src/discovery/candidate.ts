import type { McpMode } from './mcp-mode.ts';
import type { ShortType } from './toolset-types.ts';

/** Which Service a candidate or rejection is about. */
export interface ServiceRef {
  namespace: string;
  name: string;
  uid: string;
}

/** A Service that asks to become (or was auto-detected as) a HolmesGPT toolset. */
export interface Candidate {
  service: ServiceRef;
  /** namespace/name, the key used everywhere for this Service. */
  key: string;
  type: ShortType;
  /** The key in HolmesGPT's toolsets map: a built-in name, or a generated custom name without dots. */
  toolset: string;
  builtin: boolean;
  /** Base URL without a trailing slash. */
  endpoint: string;
  healthUrl: string;
  /** The health check also needs a JSON body (the type's own check, not an overridden path). */
  healthJson?: boolean;
  /** Parsed kubernaut.io/toolset-config, merged into the toolset's config. */
  config: Record<string, unknown>;
  priority: number;
  /** RFC 3339; older wins a tie on priority. */
  createdAt: string;
  description?: string;
  /** HTTP toolsets (custom, jaeger): the path globs HolmesGPT may request, absolute (under the endpoint's path). */
  paths?: string[];
  /** MCP servers: the transport HolmesGPT connects with (and the health check speaks). */
  mcpMode?: McpMode;
  autoDetected: boolean;
  /** The Service's namespace is trusted (SPEC §6): its endpoint may go anywhere the policy allows. */
  trusted: boolean;
  /** The in-cluster Service the endpoint's host names, when it names one (always, from an untrusted namespace). */
  target?: { namespace: string; name: string };
}

export type RejectionReason =
  | 'InvalidToolsetAnnotation'
  | 'MissingType'
  | 'UnknownType'
  | 'InvalidEndpoint'
  | 'EndpointNotAllowed'
  | 'InvalidPort'
  | 'NoPort'
  | 'InvalidHealthPath'
  | 'InvalidConfig'
  | 'InvalidPriority'
  | 'InvalidDescription'
  /** kubernaut.io/toolset-paths is malformed, or set on a type that has no path allow-list of its own choosing. */
  | 'InvalidPaths'
  /** The tool name HolmesGPT derives from the toolset name is longer than model APIs accept. */
  | 'NameTooLong'
  /** kubernaut.io/toolset-mcp-mode or -mcp-path is malformed, or set on a type other than mcp. */
  | 'InvalidMcpSettings'
  /** A field the API server would refuse (only manifests read offline can have one). */
  | 'InvalidManifest'
  /** Template or variable syntax ({{, {%, {#, ${, $(, $NAME) in an annotation. */
  | 'TemplateNotAllowed'
  /** An untrusted namespace's endpoint reaches a Service that could route outside the namespace (ExternalName, no selector, missing). */
  | 'RouteNotAllowed'
  /** A built-in toolset claimed from a namespace that is not trusted. */
  | 'NamespaceNotTrusted'
  /** A toolset-config key that annotations may not set (credentials, files, TLS, fan-out, or unknown). */
  | 'ConfigKeyNotAllowed'
  /** The Service's rendered toolset entry is larger than the per-Service cap. */
  | 'EntryTooLarge'
  /** Dropped to keep the output within its size budget (largest contributors first). */
  | 'OutputBudget'
  /** Processing this Service failed unexpectedly; the others are unaffected. */
  | 'InternalError';

export interface Rejection {
  service: ServiceRef;
  key: string;
  reason: RejectionReason;
  /** Names the annotation, the offending value (shortened) and what is allowed. */
  message: string;
}

export type Detection =
  | { kind: 'candidate'; candidate: Candidate }
  | { kind: 'rejected'; rejection: Rejection }
  /** Not opted in (or opted out): not a toolset, and nothing to report. */
  | { kind: 'ignored' };
