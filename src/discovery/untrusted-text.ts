/**
 * HolmesGPT expands text it loads: `{{ env.NAME }}` in every string of a toolset entry (at load time, so a secret
 * can leave before any model call, holmes/utils/env.py get_env_replacement) and Jinja2 in `llm_instructions`, where a
 * description lands. `os.path.expandvars` ($NAME, ${NAME}) runs only on YAML tools' `command` and `script`
 * (holmes/core/tools.py, YAMLTool), which the operator never writes, so `$` is plain text where tenant text lands;
 * URL fields keep refusing it through PLAIN_PATH. Text a tenant controls must carry no Jinja into the output (SPEC §6).
 */
const TEMPLATE_SYNTAX = /\{\{|\{%|\{#/;

/**
 * URL path characters that carry no expansion syntax anywhere HolmesGPT reads a URL ($VAR, {{ }}): what endpoint
 * and MCP paths from annotations may contain, and how messages name them.
 */
export const PLAIN_PATH = /^[A-Za-z0-9._~/%:@!*+,;=()-]*$/;
export const PLAIN_PATH_CHARACTERS = 'letters, digits and . _ ~ / % : @ ! * + , ; = ( ) -';
/** A health URL's query: the same characters, and & ? between parameters. */
export const PLAIN_QUERY = /^[A-Za-z0-9._~/%:@!*+,;=()?&-]*$/;

/** The first template or expansion token in `text`, or undefined when it has none. */
export function templateToken(text: string): string | undefined {
  const match = TEMPLATE_SYNTAX.exec(text);
  return match ? match[0] : undefined;
}

/** Finds template syntax in any key or string of a parsed JSON value; returns the JSON-pointer-like path and token. */
export function templateInValue(value: unknown, path = ''): { path: string; token: string } | undefined {
  if (typeof value === 'string') {
    const token = templateToken(value);
    return token ? { path: path || '/', token } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = templateInValue(item, `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const inKey = templateToken(k);
      if (inKey) return { path: `${path}/${k}`, token: inKey };
      const found = templateInValue(v, `${path}/${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Nesting depth of JSON text, counted without parsing (and so without recursion): `{}` is 1, `{"a":[1]}` is 2.
 * Brackets inside strings are skipped.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}
