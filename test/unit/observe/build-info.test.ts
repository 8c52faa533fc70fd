import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../../src/observe/metrics.ts';
import { BUILD, versionLine } from '../../../src/version.ts';

describe('build identity', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };

  // The sources run from a git checkout here (no npm run build): the commit is git's, with -dirty for local changes.
  const repo = join(import.meta.dirname, '../../..');
  const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' }).stdout.trim();
  const commit = `${git('rev-parse', '--short=12', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') === '' ? '' : '-dirty'}`;

  it('from a source checkout, the version is the package\'s, the commit is the checkout\'s, and it says it was not built', () => {
    expect(commit).toMatch(/^[0-9a-f]{12}(-dirty)?$/);
    expect(BUILD).toEqual({ version: pkg.version, commit, date: 'unknown' });
    expect(versionLine()).toBe(`kubernaut-toolset ${pkg.version} (commit ${commit}, source checkout, not built)`);
  });

  it('kubernaut_toolset_build_info is 1 with the version and commit as labels', async () => {
    const text = await new Metrics({ processMetrics: false }).registry.metrics();
    expect(text).toContain(`kubernaut_toolset_build_info{version="${pkg.version}",commit="${commit}"} 1`);
  });
});
