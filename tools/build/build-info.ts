// Stamps dist/build-info.json for `npm run build`: the commit and the build time that `version`, `--version`, the
// start-up log line and kubernaut_toolset_build_info report. GIT_COMMIT and BUILD_DATE (the image build passes
// them as build arguments: the build context has no .git) win over git and the clock; SOURCE_DATE_EPOCH is honoured
// for reproducible builds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const commit = process.env.GIT_COMMIT?.trim() || gitCommit();
const epoch = Number(process.env.SOURCE_DATE_EPOCH);
const date = process.env.BUILD_DATE?.trim() || (Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
const dist = join(import.meta.dirname, '../../dist');
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'build-info.json'), `${JSON.stringify({ commit, date })}\n`);
process.stdout.write(`build info: commit ${commit}, built ${date}\n`);
