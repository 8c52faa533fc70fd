/** The Service annotations the operator reads (SPEC §2). */
export const ANNOTATIONS = {
  toolset: 'kubernaut.io/toolset',
  type: 'kubernaut.io/toolset-type',
  endpoint: 'kubernaut.io/toolset-endpoint',
  port: 'kubernaut.io/toolset-port',
  healthPath: 'kubernaut.io/toolset-health-path',
  config: 'kubernaut.io/toolset-config',
  priority: 'kubernaut.io/toolset-priority',
  description: 'kubernaut.io/toolset-description',
  paths: 'kubernaut.io/toolset-paths',
  mcpMode: 'kubernaut.io/toolset-mcp-mode',
  mcpPath: 'kubernaut.io/toolset-mcp-path',
} as const;

export const MAX_CONFIG_BYTES = 4096;
/** HolmesGPT's YAML parser fails past ~480 levels and loses the whole file; no config key needs more than 2. */
export const MAX_CONFIG_DEPTH = 8;
export const MAX_DESCRIPTION_CHARS = 500;
export const MAX_HEALTH_PATH_CHARS = 1024;
/** Globs in kubernaut.io/toolset-paths: enough for an API's read paths, small enough to stay readable. */
export const MAX_PATHS = 16;
export const MAX_PATH_CHARS = 256;
