/**
 * What the model reads from an untrusted namespace (SPEC §6). HolmesGPT puts a toolset's description and
 * `llm_instructions` into the prompt as they are, next to the platform team's own toolsets, so a tenant's text could
 * pass for the platform's: a fake "## kubernetes/core" section, a closing tag of the prompt's own framing, text
 * hidden by zero-width or bidi characters. A tenant's text is therefore reduced to one plain line, capped, and always
 * follows the operator's statement of where it came from.
 */
export const MAX_TENANT_LINE_CHARS = 160;

/** Line and paragraph breaks of every kind: the line must stay one line. */
const BREAKS = /[\r\n\t\v\f\u0085\u2028\u2029]/gu;
/** Control, format (zero-width, bidi, tag characters), private-use, surrogate and unassigned code points. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/gu;
/** Markdown structure, HTML-like tags and template braces (NFKC can turn look-alikes into these). */
const MARKUP = /[#*`|<>[\]{}~\\]/g;

/** One plain line of a tenant's text, or undefined when nothing readable is left. */
export function tenantLine(raw: string): string | undefined {
  const line = raw.normalize('NFKC').replace(BREAKS, ' ').replace(INVISIBLE, '').replace(MARKUP, ' ').replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  const chars = [...line];
  return chars.length <= MAX_TENANT_LINE_CHARS ? line : `${chars.slice(0, MAX_TENANT_LINE_CHARS - 1).join('').trimEnd()}…`;
}

/** The operator's own words in front of anything an untrusted namespace registered. */
export function tenantOrigin(service: { namespace: string; name: string }): string {
  return `Registered by namespace ${service.namespace} (Service ${service.namespace}/${service.name}); not reviewed by the platform team.`;
}
