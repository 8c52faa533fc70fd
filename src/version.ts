import { readFileSync } from 'node:fs';

/** The package version, found from the sources (src/) and from the build (dist/src/) alike. */
function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kubernaut-toolset' && pkg.version) return pkg.version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return '0.0.0-unknown';
}

export const VERSION = readVersion();
