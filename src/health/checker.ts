import { readFileSync } from 'node:fs';
import type { HealthChecker } from './health-book.ts';
import { checkHealth } from './http-check.ts';
import { checkMcp } from './mcp-check.ts';

/**
 * The checker the configuration asks for: its timeout, and its extra CA bundle read once at start-up. An MCP
 * server gets the MCP handshake, every other target an HTTP GET of its health URL.
 */
export function configuredChecker(health: { timeoutMs: number; caFile?: string }): HealthChecker {
  const ca = health.caFile ? readFileSync(health.caFile) : undefined;
  return (target, signal) => {
    const options = { timeoutMs: health.timeoutMs, signal, ...(ca ? { ca } : {}) };
    return target.mcpMode ? checkMcp(target.healthUrl, target.mcpMode, target.toolset, options) : checkHealth(target.healthUrl, options);
  };
}
