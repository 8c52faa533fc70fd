import { readFileSync } from 'node:fs';
import type { ToolsetDefaults } from '../discovery/toolset-types.ts';
import type { HealthChecker } from './health-book.ts';
import { checkHealth } from './http-check.ts';
import { checkMcp } from './mcp-check.ts';

/** The config keys of HolmesGPT's built-ins that carry credentials (docs/holmesgpt-compatibility.md, "credential"). */
const CREDENTIAL_KEYS = ['additional_headers', 'headers', 'api_key', 'username', 'password', 'bearer_token'];

/** The types for which the admin gave HolmesGPT credentials that the operator cannot use (env references). */
function typesWithCredentials(defaults: ToolsetDefaults): Set<string> {
  return new Set(Object.entries(defaults).filter(([, d]) => Object.keys(d?.config ?? {}).some((k) => CREDENTIAL_KEYS.includes(k))).map(([type]) => type));
}

/**
 * The checker the configuration asks for: its timeout, and its extra CA bundle read once at start-up. An MCP
 * server gets the MCP handshake, every other target a GET of its health URL (HolmesGPT's own check request).
 * Where the admin configured credentials for a type, 401 and 403 mean "up, and HolmesGPT will authenticate".
 */
export function configuredChecker(health: { timeoutMs: number; caFile?: string }, defaults: ToolsetDefaults = {}): HealthChecker {
  const ca = health.caFile ? readFileSync(health.caFile) : undefined;
  const credentialed = typesWithCredentials(defaults);
  return (target, signal) => {
    const options = { timeoutMs: health.timeoutMs, signal, ...(ca ? { ca } : {}) };
    if (target.mcpMode) return checkMcp(target.healthUrl, target.mcpMode, target.toolset, options);
    return checkHealth(target.healthUrl, { ...options, expectJson: target.healthJson === true, authDelegated: credentialed.has(target.type) });
  };
}
