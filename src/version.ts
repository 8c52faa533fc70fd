import { readFileSync } from 'node:fs';

/** The first of these files (relative to this module, in src/ or in dist/src/) that parses, or undefined. */
function readJson<T>(relatives: readonly string[], accept: (value: T) => boolean): T | undefined {
  for (const relative of relatives) {
    try {
      const value = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as T;
      if (accept(value)) return value;
    } catch {
      // Not at this level; try the next.
    }
  }
  return undefined;
}

/** The package version, found from the sources (src/) and from the build (dist/src/) alike. */
export const VERSION = readJson<{ name?: string; version?: string }>(['../package.json', '../../package.json'], (p) => p.name === 'kubernaut-toolset' && !!p.version)?.version
  ?? '0.0.0-unknown';

/**
 * What `npm run build` stamped into dist/build-info.json (tools/build-info.ts): the git commit and the build time.
 * Running from the sources there is no build, and both say so.
 */
const stamped = readJson<{ commit?: string; date?: string }>(['../build-info.json'], (b) => typeof b.commit === 'string' && typeof b.date === 'string');
export const BUILD = { version: VERSION, commit: stamped?.commit ?? 'unknown', date: stamped?.date ?? 'unknown' } as const;

/** One line for `version`, `--version` and the start-up log. */
export function versionLine(): string {
  return `kubernaut-toolset ${BUILD.version} (commit ${BUILD.commit}, built ${BUILD.date})`;
}
