// The docs must keep up with what the operator reports: every rejection and
// health-check reason has a troubleshooting row, every alert a runbook section, every metric a mention in the README.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
/** The members of a string-literal union type, read from its source. */
const unionMembers = (path: string, type: string): string[] => {
  const source = read(path);
  const start = source.indexOf(`export type ${type} =`);
  const body = source.slice(start, source.indexOf(';', start));
  return [...body.matchAll(/\|\s*'([A-Za-z]+)'/g)].map((m) => m[1] as string);
};

describe('docs/troubleshooting.md', () => {
  const guide = read('docs/troubleshooting.md');
  it.each([
    ['src/discovery/candidate.ts', 'RejectionReason'],
    ['src/health/verdict.ts', 'HealthFailureReason'],
  ])('has a row for every member of %s %s', (path, type) => {
    const reasons = unionMembers(path, type);
    expect(reasons.length).toBeGreaterThan(5);
    expect(reasons.filter((r) => !guide.includes(`| \`${r}\` |`))).toEqual([]);
  });
});

describe('docs/runbooks.md', () => {
  it('has a section for every alert, and each alert links to it', () => {
    const rules = read('helm/kubernaut-toolset/templates/prometheusrule.yaml');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1] as string);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    const runbooks = read('docs/runbooks.md');
    for (const alert of alerts) {
      expect({ alert, section: runbooks.includes(`## ${alert}\n`) }).toEqual({ alert, section: true });
      expect({ alert, link: rules.includes(`#${alert.toLowerCase()}`) }).toEqual({ alert, link: true });
    }
  });
});

describe('README.md', () => {
  it('lists every metric the operator exports', () => {
    const names = [...read('src/observe/metrics.ts').matchAll(/name: `\$\{PREFIX\}(\w+)`/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(15);
    const readme = read('README.md');
    expect(names.filter((n) => !new RegExp(`\`${n}[{\`]`).test(readme))).toEqual([]);
  });
});
