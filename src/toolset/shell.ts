/** Single-quotes a value for bash: nothing inside single quotes is expanded, and ' itself is closed and escaped. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A model-supplied tool parameter inside a double-quoted shell word. Jinja's urlencode leaves only
 * [A-Za-z0-9_.~/-] and %XX, none of which the shell treats specially inside double quotes, so whatever the model
 * sends stays one literal argument; it is also exactly what an HTTP query or path segment needs.
 */
export function paramRef(name: string): string {
  return `{{ ${name} | urlencode }}`;
}
