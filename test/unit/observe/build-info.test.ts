import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../../src/observe/metrics.ts';
import { BUILD, versionLine } from '../../../src/version.ts';

describe('build identity', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };

  it('from the sources, the version is the package\'s and the commit and build date say they are unknown', () => {
    expect(BUILD).toEqual({ version: pkg.version, commit: 'unknown', date: 'unknown' });
    expect(versionLine()).toBe(`kubernaut-toolset ${pkg.version} (commit unknown, built unknown)`);
  });

  it('kubernaut_toolset_build_info is 1 with the version and commit as labels', async () => {
    const text = await new Metrics({ processMetrics: false }).registry.metrics();
    expect(text).toContain(`kubernaut_toolset_build_info{version="${pkg.version}",commit="unknown"} 1`);
  });
});
