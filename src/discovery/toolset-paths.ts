import { ANNOTATIONS, MAX_PATH_CHARS, MAX_PATHS } from './annotations.ts';
import { quote, Rejected } from './rejected.ts';
import type { ShortType } from './toolset-types.ts';

/**
 * HolmesGPT prints every path glob to the model (plugins/toolsets/http/instructions.jinja2), so a glob must look like a
 * path and nothing else: URL path characters and the wildcard *, no brackets (fnmatch classes), no comma (the
 * separator), none of : ; = ? ( ) that turn a path into prose, short segments and a small total.
 */
const PATH_GLOB = /^\/[A-Za-z0-9._~/%@!+*-]*$/;
const MAX_SEGMENT_CHARS = 32;
const MAX_TOTAL_CHARS = 256;

/** The Jaeger query API's read paths (what its UI uses): services, operations, trace search, one trace. */
export const JAEGER_PATHS = ['/api/services', '/api/services/*/operations', '/api/traces', '/api/traces/*'] as const;

/**
 * The paths HolmesGPT's HTTP toolset may request, under the endpoint's own path. HolmesGPT matches them with
 * fnmatch on the raw path (dot segments are not resolved), so they narrow what the model is told and tries, and
 * the boundary that holds is the host, port, scheme and method: the Service's own, GET only.
 */
export function toolsetPaths(raw: string | undefined, type: ShortType, basePath: string): string[] | undefined {
  if (type === 'jaeger') {
    if (raw !== undefined) throw new Rejected('InvalidPaths', `${ANNOTATIONS.paths} applies to type custom only; jaeger toolsets are limited to the query API's read paths`);
    return JAEGER_PATHS.map((p) => `${basePath}${p}`);
  }
  if (type !== 'custom') {
    if (raw !== undefined) throw new Rejected('InvalidPaths', `${ANNOTATIONS.paths} applies to type custom only, not ${type}`);
    return undefined;
  }
  const globs = (raw ?? '/*').split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (globs.length === 0) throw new Rejected('InvalidPaths', `${ANNOTATIONS.paths}=${quote(raw ?? '')} lists no path; give comma-separated globs such as /api/*`);
  if (globs.length > MAX_PATHS) throw new Rejected('InvalidPaths', `${ANNOTATIONS.paths} lists ${globs.length} paths; at most ${MAX_PATHS} are allowed`);
  for (const glob of globs) {
    const segments = glob.split('/');
    if (glob.length > MAX_PATH_CHARS || !PATH_GLOB.test(glob) || segments.some((s) => s === '.' || s === '..' || s.length > MAX_SEGMENT_CHARS) || glob.startsWith('//')) {
      throw new Rejected(
        'InvalidPaths',
        `${ANNOTATIONS.paths}: ${quote(glob)} must be a path beginning with a single "/" (letters, digits, . _ ~ % @ ! + - and the wildcard *), without . or .. segments, each segment at most ${MAX_SEGMENT_CHARS} characters`,
      );
    }
  }
  const total = globs.reduce((n, g) => n + g.length, 0);
  if (total > MAX_TOTAL_CHARS) throw new Rejected('InvalidPaths', `${ANNOTATIONS.paths} lists ${total} characters of paths; at most ${MAX_TOTAL_CHARS} are allowed`);
  return [...new Set(globs)].map((g) => `${basePath}${g}`);
}
