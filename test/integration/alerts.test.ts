// Every alert of the chart's PrometheusRule, unit-tested by promtool (test/prometheus/alerts.test.yaml) against the
// rules exactly as the chart renders them; and every alert has its runbook section.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { testCluster } from '../support/cluster-info.ts';

const root = join(import.meta.dirname, '../..');

function renderedRules(): { groups: { rules: { alert?: string; for?: string; annotations?: Record<string, string> }[] }[] } {
  const helm = testCluster().binaries.helm;
  if (!helm) throw new Error('helm was not built with the control plane');
  const home = mkdtempSync(join(tmpdir(), 'kubernaut-alerts-helm-'));
  const out = spawnSync(helm, ['template', 'kt', join(root, 'helm/kubernaut-toolset'), '--namespace', 'kubernaut-system', '--set', 'prometheusRule.enabled=true', '--show-only', 'templates/prometheusrule.yaml'], {
    encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') },
  });
  if (out.status !== 0) throw new Error(out.stderr);
  const [rule] = loadAll(out.stdout) as { spec: ReturnType<typeof renderedRules> }[];
  if (!rule) throw new Error('no PrometheusRule rendered');
  return rule.spec;
}

describe('the chart\'s alerts', () => {
  const spec = renderedRules();
  const alerts = spec.groups.flatMap((g) => g.rules).filter((r) => r.alert);

  it('pass their promtool unit tests, one or more per alert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubernaut-alerts-'));
    writeFileSync(join(dir, 'rules.yaml'), dump(spec));
    copyFileSync(join(root, 'test/prometheus/alerts.test.yaml'), join(dir, 'alerts.test.yaml'));
    const tested = new Set([...readFileSync(join(dir, 'alerts.test.yaml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect([...tested].sort()).toEqual(alerts.map((a) => a.alert).sort());
    const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: dir, encoding: 'utf8' });
    expect({ status: run.status, output: `${run.stdout}${run.stderr}`.includes('SUCCESS') ? 'SUCCESS' : `${run.stdout}${run.stderr}` }).toEqual({ status: 0, output: 'SUCCESS' });
  });

  it('each has a `for` unless it fires on a single event, a runbook_url and a section in docs/runbooks.md', () => {
    const runbooks = readFileSync(join(root, 'docs/runbooks.md'), 'utf8');
    for (const a of alerts) {
      expect({ alert: a.alert, runbook: a.annotations?.runbook_url }).toEqual({ alert: a.alert, runbook: expect.stringMatching(new RegExp(`#${(a.alert ?? '').toLowerCase()}$`)) as unknown });
      expect({ alert: a.alert, section: runbooks.includes(`## ${a.alert}\n`) }).toEqual({ alert: a.alert, section: true });
      // Only a refused write (a single event that needs a human now) alerts without a `for`.
      if (a.alert !== 'KubernautToolsetWritesRefused') expect({ alert: a.alert, for: a.for }).toEqual({ alert: a.alert, for: expect.stringMatching(/^\d+m$/) as unknown });
    }
  });
});
