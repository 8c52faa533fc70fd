import { loadAsHolmesGPT } from '../toolset/holmes-yaml.ts';
import { readFileSync } from 'node:fs';
import { isBlankYaml } from '../toolset/overrides.ts';
import { toolsetFileErrors } from '../toolset/validate.ts';

/** `kubernaut-toolset validate FILE`: checks a HolmesGPT custom toolset file against the schema. Exit 0 or 1. */
export function validate(file: string, read: (file: string) => string, out: (t: string) => void, err: (t: string) => void): number {
  const name = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    err(`${name}: cannot read: ${(error as Error).message}\n`);
    return 1;
  }
  let doc: unknown;
  try {
    doc = isBlankYaml(text) ? null : loadAsHolmesGPT(text);
  } catch (error) {
    err(`${name}: not valid YAML: ${(error as Error).message.split('\n')[0]}\n`);
    return 1;
  }
  const errors = toolsetFileErrors(doc ?? {});
  if (errors.length > 0) {
    err(`${name}: invalid HolmesGPT toolset file:\n${errors.map((e) => `  ${e}\n`).join('')}`);
    return 1;
  }
  const count = Object.keys((doc as { toolsets?: object }).toolsets ?? {}).length;
  const servers = Object.keys((doc as { mcp_servers?: object }).mcp_servers ?? {}).length;
  const mcp = servers > 0 ? `, ${servers} MCP server${servers === 1 ? '' : 's'}` : '';
  out(`${name}: valid (${count} toolset${count === 1 ? '' : 's'}${mcp})\n`);
  return 0;
}

export function readFileOrStdin(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8');
}
