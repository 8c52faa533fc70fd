import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

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
 * Running from a source checkout there is no build: the commit is asked of git, and the date says it was not built.
 */
const stamped = readJson<{ commit?: string; date?: string }>(['../build-info.json'], (b) => typeof b.commit === 'string' && typeof b.date === 'string');
const checkout = stamped ? undefined : sourceCommit();
export const BUILD = {
  version: VERSION,
  commit: stamped?.commit ?? checkout ?? 'unknown',
  date: stamped?.date ?? 'unknown',
} as const;

/** The commit of the git checkout these sources are in (with "-dirty" when files differ), or undefined. */
function sourceCommit(): string | undefined {
  const root = new URL('..', import.meta.url);
  if (!existsSync(new URL('.git', root))) return undefined;
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
    const commit = git(['rev-parse', '--short=12', 'HEAD']);
    return git(['status', '--porcelain', '--untracked-files=no']) === '' ? commit : `${commit}-dirty`;
  } catch {
    return undefined;
  }
}

/** One line for `version`, `--version` and the start-up log. */
export function versionLine(): string {
  const built = !stamped && checkout ? 'source checkout, not built' : `built ${BUILD.date}`;
  return `kubernaut-toolset ${BUILD.version} (commit ${BUILD.commit}, ${built})`;
}
