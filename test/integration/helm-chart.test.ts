// The Helm chart: lint, rendered manifests, schema, install on the real API server, and the operator running with
// exactly the rights the chart grants (a TokenRequest token of the chart's ServiceAccount, the chart's config).
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  AdmissionregistrationV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type KubernetesObject,
  type V1PolicyRule, type V1ValidatingAdmissionPolicy, type V1ValidatingAdmissionPolicyBinding,
} from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { testCluster } from '../support/cluster-info.ts';
import { HttpTarget } from '../support/http-target.ts';
import { fixtureApi, freshNamespace } from '../support/kube.ts';
import { outputWhere } from '../support/operator-harness.ts';
import { OperatorProcess, processArgs } from '../support/operator-process.ts';
import { tokenKubeconfig } from '../support/service-account.ts';
import { createServices } from '../support/services.ts';

const chart = join(import.meta.dirname, '../../helm/kubernaut-toolset');
const helmHome = mkdtempSync(join(tmpdir(), 'kubernaut-helm-'));

function helm(...args: string[]) {
  const bin = testCluster().binaries.helm;
  if (!bin) throw new Error('helm was not built with the control plane');
  return spawnSync(bin, args, {
    encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') },
  });
}

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  rules?: V1PolicyRule[];
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function template(...set: string[]): Manifest[] {
  const out = helm('template', 'kt', chart, '--namespace', 'kubernaut-system', ...set.flatMap((s) => ['--set', s]));
  if (out.status !== 0) throw new Error(out.stderr);
  return (loadAll(out.stdout) as (Manifest | null)[]).filter((m): m is Manifest => m !== null);
}

const find = (manifests: Manifest[], kind: string, name: string, namespace?: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name && (namespace === undefined || m.metadata.namespace === namespace));

/** The operator's config file as the chart renders it, parsed: what the operator will read. */
const chartConfig = (manifests: Manifest[]): unknown => load(find(manifests, 'ConfigMap', 'kt-kubernaut-toolset-operator-config')?.data?.['config.yaml'] ?? '');

describe('helm chart', () => {
  it('passes helm lint, also with every optional part switched on', () => {
    expect(helm('lint', chart).status).toBe(0);
    const all = helm('lint', chart, '--set', 'prometheusRule.enabled=true,grafanaDashboard.enabled=true,serviceMonitor.enabled=true,networkPolicy.enabled=true,replicaCount=2,watchNamespaces={a,b}');
    expect(all.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(all.status).toBe(0);
  });

  it('passes helm lint --strict and a strict server-side dry run with every value of issues 23-25 set', async () => {
    const values = join(helmHome, 'every-value.json');
    writeFileSync(values, JSON.stringify({
      replicaCount: 2, global: { imageRegistry: 'mirror.example.com' }, deploymentAnnotations: { 'secret.reloader.stakater.com/reload': 'env' },
      initContainers: [{ name: 'wait', image: 'busybox', command: ['true'] }], extraContainers: [{ name: 'proxy', image: 'envoy' }],
      dnsPolicy: 'ClusterFirst', dnsConfig: { options: [{ name: 'ndots', value: '2' }] }, service: { annotations: { a: 'b' } },
      serviceMonitor: { enabled: true, additionalLabels: { release: 'prom' }, honorLabels: true, targetLabels: ['team'] },
      prometheusRule: { enabled: true, namespace: 'monitoring', additionalRules: [{ alert: 'Mine', expr: 'vector(1)' }] },
      grafanaDashboard: { enabled: true, namespace: 'grafana', annotations: { grafana_folder: 'Platform' } },
      podDisruptionBudget: { maxUnavailable: 1 }, serviceAccount: { automountServiceAccountToken: true },
      tenancy: { trustLabel: true, trustLabelPolicy: { enabled: true, groups: ['platform-admins'] }, untrustedMcp: true, tenantDescriptions: false },
      consumer: { base: { configMap: 'holmes/custom-toolsets-configmap' }, networkPolicy: { enabled: true, egress: [{ ports: [{ port: 443 }] }] } },
      reload: { deployment: 'holmes/holmes-holmes', inPlace: true, confirm: 'marker', minInterval: '1m', apiKeySecret: 'holmes-api-key' },
    }));
    const lint = helm('lint', '--strict', chart, '--values', values);
    expect({ status: lint.status, out: lint.stdout.match(/\d+ chart\(s\) linted, \d+ chart\(s\) failed/)?.[0] }).toEqual({ status: 0, out: '1 chart(s) linted, 0 chart(s) failed' });
    // Server side, without the monitoring CRDs this control plane does not have.
    const rendered = helm('template', 'kt', chart, '--namespace', 'kubernaut-system', '--values', values, '--set', 'serviceMonitor.enabled=false,prometheusRule.enabled=false');
    expect(rendered.status).toBe(0);
    const { kc, core } = fixtureApi();
    for (const name of ['kubernaut-system', 'holmes', 'grafana']) await core.createNamespace({ body: { metadata: { name } } }).catch(() => undefined);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const refused: string[] = [];
    // Server-side apply, dry run: the API server validates every field strictly (unknown fields are errors).
    for (const manifest of loadAll(rendered.stdout) as (KubernetesObject | null)[]) {
      if (!manifest) continue;
      await objects.patch(manifest, undefined, 'All', 'kubernaut-chart-test', true, PatchStrategy.ServerSideApply)
        .catch((error: unknown) => refused.push(`${manifest.kind}/${manifest.metadata?.name}: ${(error as Error).message.slice(0, 300)}`));
    }
    expect(refused).toEqual([]);
  });

  it('grants exactly the rights of SPEC 6 in cluster mode', () => {
    const m = template();
    expect(find(m, 'ClusterRole', 'kt-kubernaut-toolset-services')?.rules).toEqual([{ apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] }, { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }]);
    expect(find(m, 'ClusterRole', 'kt-kubernaut-toolset-events')?.rules).toEqual([{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] }]);
    expect(find(m, 'Role', 'kt-kubernaut-toolset-output', 'kubernaut-system')?.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubernaut-toolset-config'], verbs: ['update', 'patch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kubernaut-toolset'], verbs: ['get', 'update'] },
    ]);
    const kinds = m.map((x) => x.kind).sort();
    // The Pod is the helm test hook (helm template renders hooks too).
    expect(kinds).toEqual(['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Pod', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
  });

  it('namespaced mode: Roles per watched namespace and no ClusterRole', () => {
    const m = template('watchNamespaces={team-a,team-b}');
    expect(m.filter((x) => x.kind.startsWith('Cluster'))).toEqual([]);
    for (const ns of ['team-a', 'team-b']) {
      expect(find(m, 'Role', 'kt-kubernaut-toolset-services', ns)?.rules).toEqual([{ apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] }, { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }]);
      expect(find(m, 'Role', 'kt-kubernaut-toolset-events', ns)).toBeDefined();
    }
    expect(chartConfig(m)).toMatchObject({ namespaces: { include: ['team-a', 'team-b'] } });
  });

  it('reload.deployment grants get/patch on that one Deployment, in its namespace', () => {
    const m = template('reload.deployment=holmes/holmesgpt');
    expect(find(m, 'Role', 'kt-kubernaut-toolset-reload', 'holmes')?.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['holmesgpt'], verbs: ['get', 'patch'] },
    ]);
    expect(chartConfig(m)).toMatchObject({ reload: { deployment: 'holmes/holmesgpt' } });
    expect(find(template('reload.deployment=holmesgpt'), 'Role', 'kt-kubernaut-toolset-reload', 'kubernaut-system')).toBeDefined();
    expect(find(template(), 'Role', 'kt-kubernaut-toolset-reload')).toBeUndefined();
    // In place: the pods of that namespace too (listed by the Deployment's selector, annotated), and the egress to them.
    const inPlace = template('reload.deployment=holmes/holmesgpt', 'reload.inPlace=true', 'reload.adminPort=8000', 'networkPolicy.enabled=true');
    expect(find(inPlace, 'Role', 'kt-kubernaut-toolset-reload', 'holmes')?.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['holmesgpt'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'patch'] },
    ]);
    expect(chartConfig(inPlace)).toMatchObject({ reload: { deployment: 'holmes/holmesgpt', inPlace: true, adminPort: 8000, hashPort: 9812, confirmTimeout: '20s' } });
    expect(find(inPlace, 'NetworkPolicy', 'kt-kubernaut-toolset')?.spec).toMatchObject({ egress: expect.arrayContaining([{ ports: [{ port: 9812 }, { port: 8000 }] }]) });
    expect(JSON.stringify(find(template('reload.deployment=holmes/holmesgpt', 'networkPolicy.enabled=true'), 'NetworkPolicy', 'kt-kubernaut-toolset'))).not.toContain('9812');
    // Without the sidecar (reload.confirm=marker) only the admin port is opened, and NOTES asks for no sidecar.
    const marker = template('reload.deployment=holmes/holmesgpt', 'reload.inPlace=true', 'reload.confirm=marker', 'networkPolicy.enabled=true');
    expect(chartConfig(marker)).toMatchObject({ reload: { inPlace: true, confirm: 'marker' } });
    expect(find(marker, 'NetworkPolicy', 'kt-kubernaut-toolset')?.spec).toMatchObject({ egress: expect.arrayContaining([{ ports: [{ port: 5050 }] }]) });
    expect(JSON.stringify(find(marker, 'NetworkPolicy', 'kt-kubernaut-toolset'))).not.toContain('9812');
    // Namespaces are read only when the trust label is in use.
    expect(find(template(), 'ClusterRole', 'kt-kubernaut-toolset-namespaces')).toBeUndefined();
    expect(find(template('tenancy.trustLabel=true'), 'ClusterRole', 'kt-kubernaut-toolset-namespaces')?.rules).toEqual([{ apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] }]);
    expect(chartConfig(template('tenancy.trustedNamespaces={monitoring}'))).toMatchObject({ tenancy: { trustedNamespaces: ['monitoring'], trustLabel: false } });
  });

  it('runs the container non-root, read-only, without capabilities, seccomp RuntimeDefault, with probes and a config checksum', () => {
    const deployment = find(template(), 'Deployment', 'kt-kubernaut-toolset') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } } };
    const pod = deployment.spec.template.spec as {
      securityContext: Record<string, unknown>;
      containers: { securityContext: Record<string, unknown>; env: { name: string; valueFrom?: unknown }[]; livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } } }[];
    };
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = pod.containers;
    expect(container?.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container?.env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(container?.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container?.readinessProbe.httpGet.path).toBe('/readyz');
    const checksum = deployment.spec.template.metadata.annotations['checksum/config'];
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    const changed = find(template('health.timeout=2s'), 'Deployment', 'kt-kubernaut-toolset') as unknown as typeof deployment;
    expect(changed.spec.template.metadata.annotations['checksum/config']).not.toBe(checksum);
  });

  // The values admins of external-dns and Reloader charts carry over (issue 25): each one rendered where it belongs.
  const at = (value: unknown, ...path: (string | number)[]): unknown =>
    path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), value);
  const deploymentOf = (m: Manifest[]) => find(m, 'Deployment', 'kt-kubernaut-toolset') as Manifest;
  const podOf = (m: Manifest[]) => at(deploymentOf(m), 'spec', 'template', 'spec') as Record<string, unknown>;
  it.each([
    ['deploymentAnnotations', ['deploymentAnnotations.secret\\.reloader\\.stakater\\.com/reload=kubernaut-env'], (m: Manifest[]) => deploymentOf(m).metadata.annotations, { 'secret.reloader.stakater.com/reload': 'kubernaut-env' }],
    ['initContainers', ['initContainers[0].name=wait', 'initContainers[0].image=busybox'], (m: Manifest[]) => podOf(m).initContainers, [{ name: 'wait', image: 'busybox' }]],
    ['extraContainers', ['extraContainers[0].name=proxy', 'extraContainers[0].image=envoy'], (m: Manifest[]) => (podOf(m).containers as { name: string }[]).map((c) => c.name), ['operator', 'proxy']],
    ['dnsPolicy', ['dnsPolicy=ClusterFirstWithHostNet'], (m: Manifest[]) => podOf(m).dnsPolicy, 'ClusterFirstWithHostNet'],
    ['dnsConfig', ['dnsConfig.options[0].name=single-request-reopen'], (m: Manifest[]) => podOf(m).dnsConfig, { options: [{ name: 'single-request-reopen' }] }],
    ['service.annotations', ['service.annotations.a=b'], (m: Manifest[]) => find(m, 'Service', 'kt-kubernaut-toolset-metrics')?.metadata.annotations, { a: 'b' }],
    ['serviceMonitor.additionalLabels', ['serviceMonitor.enabled=true', 'serviceMonitor.additionalLabels.release=prom'], (m: Manifest[]) => find(m, 'ServiceMonitor', 'kt-kubernaut-toolset')?.metadata.labels?.release, 'prom'],
    ['serviceMonitor.honorLabels', ['serviceMonitor.enabled=true', 'serviceMonitor.honorLabels=true'], (m: Manifest[]) => at(find(m, 'ServiceMonitor', 'kt-kubernaut-toolset'), 'spec', 'endpoints', 0, 'honorLabels'), true],
    ['serviceMonitor.targetLabels', ['serviceMonitor.enabled=true', 'serviceMonitor.targetLabels={team}'], (m: Manifest[]) => at(find(m, 'ServiceMonitor', 'kt-kubernaut-toolset'), 'spec', 'targetLabels'), ['team']],
    ['prometheusRule.namespace', ['prometheusRule.enabled=true', 'prometheusRule.namespace=monitoring'], (m: Manifest[]) => find(m, 'PrometheusRule', 'kt-kubernaut-toolset')?.metadata.namespace, 'monitoring'],
    ['prometheusRule.additionalRules', ['prometheusRule.enabled=true', 'prometheusRule.additionalRules[0].alert=Mine', 'prometheusRule.additionalRules[0].expr=vector(1)'],
      (m: Manifest[]) => (at(find(m, 'PrometheusRule', 'kt-kubernaut-toolset'), 'spec', 'groups', 0, 'rules') as unknown[]).at(-1), { alert: 'Mine', expr: 'vector(1)' }],
    ['grafanaDashboard.namespace', ['grafanaDashboard.enabled=true', 'grafanaDashboard.namespace=grafana'], (m: Manifest[]) => find(m, 'ConfigMap', 'kt-kubernaut-toolset-dashboard')?.metadata.namespace, 'grafana'],
    ['grafanaDashboard.annotations', ['grafanaDashboard.enabled=true', 'grafanaDashboard.annotations.grafana_folder=Platform'], (m: Manifest[]) => find(m, 'ConfigMap', 'kt-kubernaut-toolset-dashboard')?.metadata.annotations, { grafana_folder: 'Platform' }],
    ['podDisruptionBudget.maxUnavailable', ['replicaCount=2', 'podDisruptionBudget.maxUnavailable=1'], (m: Manifest[]) => at(find(m, 'PodDisruptionBudget', 'kt-kubernaut-toolset'), 'spec'), { maxUnavailable: 1, selector: expect.anything() as unknown }],
    ['serviceAccount.automountServiceAccountToken', ['serviceAccount.automountServiceAccountToken=false'],
      (m: Manifest[]) => [podOf(m).automountServiceAccountToken, at(find(m, 'ServiceAccount', 'kt-kubernaut-toolset'), 'automountServiceAccountToken')], [false, false]],
    ['replicaCount', ['replicaCount=3'], (m: Manifest[]) => [at(deploymentOf(m), 'spec', 'replicas'), find(m, 'PodDisruptionBudget', 'kt-kubernaut-toolset') !== undefined], [3, true]],
    ['replicas (deprecated, still honoured)', ['replicas=2'], (m: Manifest[]) => at(deploymentOf(m), 'spec', 'replicas'), 2],
    ['global.imageRegistry', ['global.imageRegistry=mirror.example.com'], (m: Manifest[]) => (podOf(m).containers as { image: string }[])[0]?.image, 'mirror.example.com/kubernaut/kubernaut-toolset:0.2.0'],
  ] as [string, string[], (m: Manifest[]) => unknown, unknown][])('%s is rendered where it belongs', (_name, set, pick, want) => {
    expect(pick(template(...set))).toEqual(want);
  });

  it('networkPolicy.apiServer narrows the operator\'s egress to the API server to its addresses and ports', () => {
    const egressOf = (...set: string[]) => at(find(template('networkPolicy.enabled=true', ...set), 'NetworkPolicy', 'kt-kubernaut-toolset'), 'spec', 'egress') as unknown[];
    expect(egressOf()[1]).toEqual({ ports: [{ port: 443 }, { port: 6443 }] });
    expect(egressOf('networkPolicy.apiServer.cidrs={10.96.0.1/32,172.18.0.2/32}', 'networkPolicy.apiServer.ports={6443}')[1]).toEqual({
      ports: [{ port: 6443 }], to: [{ ipBlock: { cidr: '10.96.0.1/32' } }, { ipBlock: { cidr: '172.18.0.2/32' } }],
    });
    expect(helm('template', 'kt', chart, '--set', 'networkPolicy.apiServer.cidrs={https://10.0.0.1}').stderr).toMatch(/networkPolicy\/apiServer\/cidrs\/0/);
  });

  it('the deprecated `replicas` value gets a note in NOTES; replicaCount alone does not', () => {
    const notesOf = (...set: string[]) => {
      const out = helm('install', `dep-${randomBytes(3).toString('hex')}`, chart, '--dry-run=client', '--kubeconfig', testCluster().kubeconfig, ...set.flatMap((s) => ['--set', s]));
      if (out.status !== 0) throw new Error(out.stderr);
      return out.stdout;
    };
    expect(notesOf('replicas=2')).toContain('DEPRECATED: the value `replicas` is now `replicaCount`');
    expect(notesOf('replicaCount=2')).not.toContain('DEPRECATED');
  });

  it('alerts and dashboard query only metrics the operator exports', () => {
    const rule = find(template('prometheusRule.enabled=true'), 'PrometheusRule', 'kt-kubernaut-toolset') as unknown as { spec: { groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[] } };
    const exported = new Set(['kubernaut_toolset_watch_restarts_total', 'kubernaut_toolset_reconciles_total', 'kubernaut_toolset_last_successful_reconcile_timestamp_seconds',
      'kubernaut_toolset_configmap_writes_total', 'kubernaut_toolset_toolsets', 'kubernaut_toolset_leader', 'kubernaut_toolset_build_info',
      'kubernaut_toolset_in_place_reloads_total']);
    const alerts = rule.spec.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual([
      'KubernautToolsetAbsent', 'KubernautToolsetNoLeader', 'KubernautToolsetInPlaceReloadsFailing', 'KubernautToolsetWatchStalled',
      'KubernautToolsetReconcileFailing', 'KubernautToolsetWritesRefused', 'KubernautToolsetNoHealthyToolsets',
    ]);
    for (const a of alerts) for (const name of a.expr.match(/kubernaut_toolset_\w+/g) ?? []) expect(exported).toContain(name);
    // Each alert: a runbook section to read, and only this installation's series (not every release in the cluster).
    for (const a of alerts) {
      expect(a.annotations.runbook_url).toBe(`https://github.com/kubernaut/kubernaut-toolset/blob/main/docs/runbooks.md#${a.alert.toLowerCase()}`);
      const selectors = a.expr.match(/kubernaut_toolset_\w+\{[^}]*\}/g) ?? [];
      expect({ alert: a.alert, unscoped: (a.expr.match(/kubernaut_toolset_\w+/g) ?? []).length - selectors.filter((m) => m.includes('namespace="kubernaut-system"')).length }).toEqual({ alert: a.alert, unscoped: 0 });
    }
    const dashboard = find(template('grafanaDashboard.enabled=true'), 'ConfigMap', 'kt-kubernaut-toolset-dashboard') as Manifest;
    expect(dashboard.metadata).toMatchObject({ name: 'kt-kubernaut-toolset-dashboard' });
    type Panel = { title: string; fieldConfig: { defaults: { unit: string } }; targets: { expr: string }[] };
    const board = JSON.parse(dashboard.data?.['kubernaut-toolset.json'] ?? '{}') as { title: string; tags: string[]; templating: { list: { name: string }[] }; panels: Panel[] };
    expect(board).toMatchObject({ title: 'kubernaut-toolset', tags: expect.arrayContaining(['kubernaut-toolset']) as unknown });
    expect(board.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'job', 'instance']);
    // Every series is scoped by the variables, so one dashboard serves several installations.
    const series = board.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/(kubernaut_toolset|process)_\w+(\{[^}]*\})?/g) ?? []));
    expect(series.filter((m) => !m.includes('namespace=~"$namespace",job=~"$job",instance=~"$instance"'))).toEqual([]);
    for (const name of series.map((m) => m.replace(/\{.*$/, '')).filter((n) => n.startsWith('kubernaut_toolset_'))) {
      expect(exported.has(name) || ['kubernaut_toolset_annotation_rejections_total', 'kubernaut_toolset_rejected_services', 'kubernaut_toolset_event_to_applied_seconds_bucket', 'kubernaut_toolset_health_checks_total', 'kubernaut_toolset_reconcile_duration_seconds_bucket'].includes(name)).toBe(true);
    }
    const panel = (title: RegExp) => board.panels.find((p) => title.test(p.title));
    expect(panel(/^Resident memory/)?.fieldConfig.defaults.unit).toBe('bytes');
    expect(panel(/^Annotation rejections/)?.targets[0]?.expr).toMatch(/increase\(kubernaut_toolset_annotation_rejections_total\{/);
  });

  it.each([
    ['health.timeout=5', /health\/timeout.*got number, want string/],
    ['replicas=0', /replicas.*minimum/],
    ['replicaCount=0', /replicaCount.*minimum/],
    ['dnsPolicy=Sometimes', /dnsPolicy.*must be one of/],
    ['watchNamespaces={Team_A}', /watchNamespaces\/0.*does not match pattern/],
    ['logLevel=verbose', /logLevel/],
    ['output.sizeBudgetBytes=2000000', /sizeBudgetBytes.*maximum/],
    ['unknownValue=1', /additional properties 'unknownValue' not allowed/],
    ['image.digest=latest', /image\/digest.*does not match pattern/],
    ['serviceMonitor.scrapeTimeout=ten', /scrapeTimeout.*does not match pattern/],
    ['health.timeout=1m30', /health\/timeout.*does not match pattern/],
  ])('the values schema rejects %s', (value, message) => {
    const out = helm('template', 'kt', chart, '--set', value);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(message);
  });

  it.each([
    ['replicaCount=2,leaderElection.enabled=false', /replicaCount: 2 with leaderElection\.enabled=false would run 2 writers of the same ConfigMap; enable leader election or set replicaCount: 1/],
    ['replicas=2,leaderElection.enabled=false', /replicaCount: 2 with leaderElection\.enabled=false/],
    ['leaderElection.renewDeadline=15s', /leaderElection\.renewDeadline \(15s\) must be shorter than leaderElection\.leaseDuration \(15s\)/],
    ['leaderElection.renewDeadline=1m,leaderElection.leaseDuration=45s', /leaderElection\.renewDeadline \(1m\) must be shorter/],
    ['http.port=9090', /http\.port and http\.metricsPort are both 9090/],
    ['output.name=kt-kubernaut-toolset-operator-config', /output\.name kt-kubernaut-toolset-operator-config is the chart's own configuration ConfigMap/],
  ])('a combination that would break the installation fails the render: %s', (value, message) => {
    const out = helm('template', 'kt', chart, '--set', value);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(message);
  });

  it('installed as the README says (release kubernaut-toolset), its own configuration ConfigMap is not the output ConfigMap', () => {
    const out = helm('template', 'kubernaut-toolset', chart, '--namespace', 'kubernaut-system');
    expect(out.status).toBe(0);
    const configMaps = (loadAll(out.stdout) as (Manifest | null)[]).filter((m): m is Manifest => m?.kind === 'ConfigMap').map((m) => m.metadata.name);
    expect(configMaps).toEqual(['kubernaut-toolset-operator-config']);
    expect(configMaps).not.toContain('kubernaut-toolset-config');
  });

  it('has a helm test that reads the operator\'s metrics through the chart\'s Service, with the operator\'s own image and security settings', () => {
    const pod = find(template(), 'Pod', 'kt-kubernaut-toolset-test') as unknown as { metadata: { annotations: Record<string, string> }; spec: { containers: { image: string; command: string[]; args: string[]; securityContext: Record<string, unknown> }[] } };
    expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
    const container = pod.spec.containers[0];
    expect(container?.image).toBe('ghcr.io/kubernaut/kubernaut-toolset:0.2.0');
    expect(container?.command).toEqual(['/nodejs/bin/node', '-e']);
    expect(container?.args[0]).toContain("'http://kt-kubernaut-toolset-metrics.kubernaut-system.svc:9090/metrics'");
    expect(container?.args[0]).toContain('kubernaut_toolset_build_info');
    expect(container?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  it('renders every value users expect from charts of this kind', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const manifests = template(
      'nameOverride=kt2', 'commonLabels.team=platform', `image.digest=${digest}`, 'image.registry=registry.example.com', 'image.tag=1.2.3',
      'global.imagePullSecrets[0].name=global-pull', 'imagePullSecrets[0].name=own-pull', 'revisionHistoryLimit=3', 'strategy.type=Recreate',
      'terminationGracePeriodSeconds=60', 'podSecurityContext.runAsUser=1000', 'securityContext.readOnlyRootFilesystem=true',
      'env[0].name=KUBERNAUT_HEALTH_CONCURRENCY', 'env[0].value=8', 'envFrom[0].secretRef.name=holmes-env', 'extraArgs[0]=--dry-run',
      'extraVolumes[0].name=ca', 'extraVolumes[0].configMap.name=corp-ca', 'extraVolumeMounts[0].name=ca', 'extraVolumeMounts[0].mountPath=/etc/ca',
      'health.caFile=/etc/ca/ca.pem', 'livenessProbe.periodSeconds=20', 'topologySpreadConstraints[0].maxSkew=1',
      'topologySpreadConstraints[0].topologyKey=kubernetes.io/hostname', 'topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway',
      'serviceAccount.labels.owner=platform', 'serviceMonitor.enabled=true', 'serviceMonitor.namespace=monitoring', 'serviceMonitor.scrapeTimeout=10s',
      'serviceMonitor.relabelings[0].action=labeldrop', 'serviceMonitor.relabelings[0].regex=pod', 'serviceMonitor.metricRelabelings[0].action=drop',
      'serviceMonitor.metricRelabelings[0].regex=nodejs_.*', 'extraObjects[0].apiVersion=v1', 'extraObjects[0].kind=Secret',
      'extraObjects[0].metadata.name=kt-extra',
    );
    type Pod = { spec: { imagePullSecrets: { name: string }[]; securityContext: Record<string, unknown>; terminationGracePeriodSeconds: number; topologySpreadConstraints: unknown[]; volumes: { name: string }[];
      containers: { image: string; args: string[]; env: { name: string }[]; envFrom: unknown[]; volumeMounts: { name: string }[]; livenessProbe: Record<string, unknown> }[] } };
    const deployment = find(manifests, 'Deployment', 'kt-kt2') as unknown as { metadata: { labels: Record<string, string> }; spec: { revisionHistoryLimit: number; strategy: { type: string }; template: Pod } };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.metadata.labels).toMatchObject({ team: 'platform', 'app.kubernetes.io/name': 'kt2' });
    expect(deployment.spec).toMatchObject({ revisionHistoryLimit: 3, strategy: { type: 'Recreate' } });
    expect(container?.image).toBe(`registry.example.com/kubernaut/kubernaut-toolset:1.2.3@${digest}`);
    expect(pod.imagePullSecrets).toEqual([{ name: 'global-pull' }, { name: 'own-pull' }]);
    expect(pod).toMatchObject({ terminationGracePeriodSeconds: 60, securityContext: { runAsUser: 1000 }, topologySpreadConstraints: [{ maxSkew: 1 }] });
    expect(container?.args.slice(-1)).toEqual(['--dry-run']);
    expect(container?.env.map((e) => e.name)).toContain('KUBERNAUT_HEALTH_CONCURRENCY');
    expect(container?.envFrom).toEqual([{ secretRef: { name: 'holmes-env' } }]);
    expect(container?.volumeMounts.map((m) => m.name)).toEqual(['config', 'tmp', 'ca']);
    expect(pod.volumes.map((v) => v.name)).toEqual(['config', 'tmp', 'ca']);
    expect(container?.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 20, failureThreshold: 3 });
    expect((find(manifests, 'ConfigMap', 'kt-kt2-operator-config') as Manifest).data?.['config.yaml']).toMatch(/caFile: \/etc\/ca\/ca\.pem/);
    expect((find(manifests, 'ServiceAccount', 'kt-kt2') as Manifest).metadata.labels).toMatchObject({ owner: 'platform', team: 'platform' });
    const monitor = find(manifests, 'ServiceMonitor', 'kt-kt2', 'monitoring') as unknown as { spec: { endpoints: Record<string, unknown>[] } };
    expect(monitor.spec.endpoints[0]).toMatchObject({ scrapeTimeout: '10s', relabelings: [{ action: 'labeldrop' }], metricRelabelings: [{ action: 'drop' }] });
    expect(find(manifests, 'Secret', 'kt-extra')).toBeDefined();
    // extraObjects are templated: a string item can use the release's values.
    const values = join(mkdtempSync(join(tmpdir(), 'kt-values-')), 'extra.yaml');
    writeFileSync(values, 'extraObjects:\n  - |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: {{ .Release.Name }}-templated\n');
    const templated = helm('template', 'kt', chart, '--namespace', 'kubernaut-system', '-f', values);
    expect(templated.status).toBe(0);
    expect(find(loadAll(templated.stdout) as Manifest[], 'ConfigMap', 'kt-templated')).toBeDefined();
    // rbac.create=false leaves every Role and binding to the admin.
    expect(template('rbac.create=false').filter((m) => /Role/.test(m.kind))).toEqual([]);
  });
});

describe('installed on the real API server, the operator runs with exactly the chart\'s rights', () => {
  let target: HttpTarget | undefined;
  let op: OperatorProcess | undefined;
  afterAll(async () => {
    op?.kill('SIGKILL');
    await op?.exited();
    await target?.close();
  });

  function install(release: string, namespace: string, ...set: string[]): void {
    const out = helm('install', release, chart, '--kubeconfig', testCluster().kubeconfig, '--namespace', namespace, '--no-hooks', ...set.flatMap((s) => ['--set', s]));
    if (out.status !== 0) throw new Error(`helm install failed: ${out.stderr}`);
  }

  async function asServiceAccount(core: CoreV1Api, kc: KubeConfig, namespace: string, name: string): Promise<{ kubeconfig: string; core: CoreV1Api }> {
    const kubeconfig = await tokenKubeconfig(kc, core, namespace, name);
    const saKc = new KubeConfig();
    saKc.loadFromFile(kubeconfig);
    return { kubeconfig, core: saKc.makeApiClient(CoreV1Api) };
  }

  const status = async (call: Promise<unknown>) => call.then(() => 200, (e: { code?: number }) => e.code ?? 0);

  it('cluster mode: discovers, writes its ConfigMap, and is denied Secrets, other ConfigMaps and Service patches', async () => {
    const { core, kc } = fixtureApi();
    target = await HttpTarget.start('healthy');
    const release = await freshNamespace(core, 'chart');
    const apps = await freshNamespace(core, 'apps');
    // Cluster mode sees every namespace, other test files' Services included: a label keeps this one apart.
    const tenant = await freshNamespace(core, 'tenant');
    install('kt', release, 'allowedHosts={127.0.0.1}', `labelSelector=chart-test=${release}`, 'tenancy.trustLabel=true');
    // The platform namespace is trusted by its label, read with the chart's Namespace rights.
    await core.patchNamespace({ name: apps, body: { metadata: { labels: { 'kubernaut.io/toolset-trusted': 'true' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const chartConfig = (await core.readNamespacedConfigMap({ namespace: release, name: 'kt-kubernaut-toolset-operator-config' })).data?.['config.yaml'] ?? '';
    const config = join(helmHome, `${release}-config.yaml`);
    writeFileSync(config, chartConfig);
    const sa = await asServiceAccount(core, kc, release, 'kt-kubernaut-toolset');

    await createServices(core, apps, [{ name: 'prometheus', type: 'prometheus', endpoint: target.url, labels: { 'chart-test': release } }]);
    // A tenant's takeover attempt: top priority, an unlabelled namespace.
    await createServices(core, tenant, [{ name: 'evil-prom', type: 'prometheus', labels: { 'chart-test': release }, annotations: { 'kubernaut.io/toolset-priority': '999999999' } }]);
    op = new OperatorProcess(processArgs(sa.kubeconfig, '--config', config), { POD_NAMESPACE: release, POD_NAME: 'kt-0' });
    await op.waitForLog('ready');
    const out = await outputWhere(core, release, (o) => 'prometheus/metrics' in o.toolsets, 'prometheus/metrics written as the chart identity');
    expect(out.toolsets['prometheus/metrics']).toEqual({ enabled: true, config: { prometheus_url: target.url } });
    const refused = await waitFor(async () => {
      const events = (await core.listNamespacedEvent({ namespace: tenant })).items.filter((e) => e.reason === 'ToolsetRejected');
      return events.length > 0 ? events : undefined;
    }, { timeoutMs: 10_000, describe: () => 'the ToolsetRejected Event on the tenant\'s Service' });
    expect(refused.map((e) => e.message)).toEqual([expect.stringMatching(/^NamespaceNotTrusted: namespace tenant-[0-9a-f]+ is not trusted to provide the built-in toolset prometheus\/metrics; .*kubectl label namespace tenant-[0-9a-f]+ kubernaut\.io\/toolset-trusted=true$/)]);
    // The tenant's refused claim is the one expected warning.
    expect(op.entries().filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.message)).toEqual(['Service rejected']);

    await core.createNamespacedSecret({ namespace: release, body: { metadata: { name: 'holmes-api-key' }, stringData: { key: 'secret' } } });
    await core.createNamespacedConfigMap({ namespace: release, body: { metadata: { name: 'someone-elses' }, data: { a: 'b' } } });
    expect(await status(sa.core.readNamespacedSecret({ namespace: release, name: 'holmes-api-key' }))).toBe(403);
    expect(await status(sa.core.listSecretForAllNamespaces())).toBe(403);
    expect(await status(sa.core.patchNamespacedConfigMap({ namespace: release, name: 'someone-elses', body: { data: { a: 'c' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)))).toBe(403);
    expect(await status(sa.core.deleteNamespacedConfigMap({ namespace: release, name: 'kubernaut-toolset-config' }))).toBe(403);
    expect(await status(sa.core.patchNamespacedService({ namespace: apps, name: 'prometheus', body: { metadata: { labels: { x: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)))).toBe(403);
    expect(await status(sa.core.listServiceForAllNamespaces())).toBe(200);
    op.kill('SIGTERM');
    expect((await op.exited()).code).toBe(0);
  });

  it('namespaced mode: Services outside the watched namespaces cannot even be listed', async () => {
    const { core, kc } = fixtureApi();
    const release = await freshNamespace(core, 'chart-ns');
    const watched = await freshNamespace(core, 'watched');
    const other = await freshNamespace(core, 'unwatched');
    install('ktns', release, `watchNamespaces={${watched}}`);
    const sa = await asServiceAccount(core, kc, release, 'ktns-kubernaut-toolset');
    expect(await status(sa.core.listNamespacedService({ namespace: watched }))).toBe(200);
    expect(await status(sa.core.listNamespacedService({ namespace: other }))).toBe(403);
    expect(await status(sa.core.listServiceForAllNamespaces())).toBe(403);
  });
});

describe('the HolmesGPT values snippet: one source (kt.holmesgptValues), printed by NOTES, shown by both READMEs', () => {
  const docs = { 'README.md': join(chart, '../../README.md'), 'helm/kubernaut-toolset/README.md': join(chart, 'README.md') };

  /** The NOTES `helm install` prints (a client dry run against the test cluster). */
  function notes(...set: string[]): string {
    const out = helm('install', `notes-${randomBytes(3).toString('hex')}`, chart, '--dry-run=client', '--kubeconfig', testCluster().kubeconfig, '--namespace', 'holmes', ...set.flatMap((s) => ['--set', s]));
    if (out.status !== 0) throw new Error(out.stderr);
    return out.stdout.slice(out.stdout.indexOf('NOTES:'));
  }

  /** The snippet in NOTES: the indented block after "give HolmesGPT's Helm chart these values". */
  function snippetIn(text: string): string {
    const after = text.slice(text.indexOf("give HolmesGPT's Helm chart these values"));
    const block = /\n\n((?: {2}.*\n)+)/.exec(after)?.[1] ?? '';
    return block.replace(/^ {2}/gm, '');
  }

  /** The yaml block after `<!-- holmesgpt-values MARK -->` in a README. */
  function blockIn(file: string, mark: string): string | undefined {
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf(`<!-- holmesgpt-values ${mark} -->`);
    return at < 0 ? undefined : /```yaml\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
  }

  it.each([false, true])('reload.inPlace=%s: NOTES and the READMEs give the same values, a directory mount that is the file HolmesGPT reads', (inPlace) => {
    const snippet = snippetIn(notes(`reload.inPlace=${inPlace}`));
    const values = load(snippet) as {
      additionalEnvVars: { name: string; value: string }[];
      additionalVolumes: { name: string; configMap: { name: string } }[];
      additionalVolumeMounts: { name: string; mountPath: string; subPath?: string }[];
    };
    const env = Object.fromEntries(values.additionalEnvVars.map((e) => [e.name, e.value]));
    const mount = values.additionalVolumeMounts[0];
    expect({
      file: env.CUSTOM_TOOLSET_LOCATION, admin: env.ENABLE_ADMIN_API, configMap: values.additionalVolumes[0]?.configMap.name, subPath: mount?.subPath,
    }).toEqual({
      file: `${mount?.mountPath}/toolset.yaml`, admin: inPlace ? 'true' : undefined, configMap: 'kubernaut-toolset-config', subPath: undefined,
    });
    const shown = Object.entries(docs).flatMap(([name, file]) => {
      const block = blockIn(file, `reload.inPlace=${inPlace}`);
      return block === undefined ? [] : [[name, block]];
    });
    expect(shown.length).toBeGreaterThan(0);
    for (const [name, block] of shown) expect({ name, block }).toEqual({ name, block: snippet });
  });

  it('NOTES asks for the file-hash sidecar only with reload.confirm=sidecar', () => {
    const inPlace = ['reload.deployment=holmes/holmesgpt', 'reload.inPlace=true'];
    expect(notes(...inPlace)).toContain('they need the file-hash\nsidecar');
    const marker = notes(...inPlace, 'reload.confirm=marker');
    expect(marker).toMatch(/confirmed by the content\nmarker HolmesGPT lists \(no sidecar\)/);
    expect(marker).not.toContain('file-hash');
  });

  it('NOTES warns when HolmesGPT\'s own toolsets would be lost, and says where they come from when they are kept', () => {
    expect(notes()).toMatch(/WARNING: consumer\.base\.configMap is not set/);
    const kept = notes('consumer.base.configMap=custom-toolsets-configmap');
    expect(kept).not.toMatch(/WARNING/);
    expect(kept).toMatch(/carries the toolsets and MCP servers of ConfigMap\s+custom-toolsets-configmap \(key custom_toolset\.yaml\)/);
  });

  it('reload.apiKeySecret grants get on that one Secret in HolmesGPT\'s namespace, and only with reload.inPlace', () => {
    const secretRules = (...set: string[]) => (find(template(...set), 'Role', 'kt-kubernaut-toolset-reload', 'holmes')?.rules ?? []).filter((r) => r.resources?.includes('secrets'));
    expect(secretRules('reload.deployment=holmes/holmes-holmes', 'reload.inPlace=true', 'reload.apiKeySecret=holmes-api-key'))
      .toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['holmes-api-key'], verbs: ['get'] }]);
    expect(secretRules('reload.deployment=holmes/holmes-holmes', 'reload.apiKeySecret=holmes-api-key')).toEqual([]);
  });

  it('consumer.base in another namespace grants get/list/watch on that one ConfigMap there, and nothing else', () => {
    const m = template('consumer.base.configMap=holmes/custom-toolsets-configmap');
    expect(find(m, 'Role', 'kt-kubernaut-toolset-base', 'holmes')?.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['custom-toolsets-configmap'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(chartConfig(m)).toMatchObject({ consumer: { base: { configMap: 'holmes/custom-toolsets-configmap', key: 'custom_toolset.yaml' } } });
    expect(find(template('consumer.base.configMap=custom-toolsets-configmap'), 'Role', 'kt-kubernaut-toolset-base')).toBeUndefined();
  });
});

describe('tenancy.trustLabelPolicy: the chart\'s ValidatingAdmissionPolicy on the real API server', () => {
  const cp = testCluster();
  const suffix = randomBytes(3).toString('hex');
  const release = `vap-${suffix}`;
  const admission = new KubeConfig();
  admission.loadFromFile(cp.kubeconfig);
  const policies = admission.makeApiClient(AdmissionregistrationV1Api);
  const rbac = admission.makeApiClient(RbacAuthorizationV1Api);
  const role = `vap-namespaces-${suffix}`;

  /** A request as `user` in `groups` (impersonated by the admin), as a namespace self-service tool would make it. */
  function as(user: string, groups: readonly string[], method: 'POST' | 'PATCH', path: string, body: unknown): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(path, cp.apiServerUrl), {
        method, ca: readFileSync(cp.caCert), cert: readFileSync(cp.adminCert), key: readFileSync(cp.adminKey), timeout: 10_000,
        headers: {
          'Impersonate-User': user, 'Impersonate-Group': [...groups],
          'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }
  const createNs = (user: string, groups: readonly string[], name: string, labels: Record<string, string> = {}) =>
    as(user, groups, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const labelNs = (user: string, groups: readonly string[], name: string, value: string | null) =>
    as(user, groups, 'PATCH', `/api/v1/namespaces/${name}`, { metadata: { labels: { 'kubernaut.io/toolset-trusted': value } } });
  const created: string[] = [];

  afterAll(async () => {
    const core = fixtureApi().core;
    await Promise.all(created.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
    await policies.deleteValidatingAdmissionPolicyBinding({ name: `${release}-kubernaut-toolset-trust-label` }).catch(() => undefined);
    await policies.deleteValidatingAdmissionPolicy({ name: `${release}-kubernaut-toolset-trust-label` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: role }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: role }).catch(() => undefined);
  });

  it('is off by default, and refuses to render without a group', () => {
    expect(find(template(), 'ValidatingAdmissionPolicy', 'kt-kubernaut-toolset-trust-label')).toBeUndefined();
    const out = helm('template', 'kt', chart, '--set', 'tenancy.trustLabelPolicy.enabled=true', '--set', 'tenancy.trustLabelPolicy.groups=null');
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('tenancy.trustLabelPolicy.groups: name at least one group');
    // The operator's own configuration does not carry the chart-only setting.
    expect(chartConfig(template('tenancy.trustLabelPolicy.enabled=true'))).toMatchObject({ tenancy: { trustedNamespaces: [], trustLabel: false, tenantDescriptions: true } });
    expect(JSON.stringify(chartConfig(template('tenancy.trustLabelPolicy.enabled=true')))).not.toContain('trustLabelPolicy');
  });

  it('only the named groups may set, change or remove kubernaut.io/toolset-trusted; anyone may create a Namespace without it', async () => {
    const rendered = helm('template', release, chart, '--set', 'tenancy.trustLabelPolicy.enabled=true', '--set', 'tenancy.trustLabelPolicy.groups={platform-admins}', '--show-only', 'templates/trust-label-policy.yaml');
    expect(rendered.stderr).toBe('');
    const [policy, binding] = loadAll(rendered.stdout) as [V1ValidatingAdmissionPolicy, V1ValidatingAdmissionPolicyBinding];
    await policies.createValidatingAdmissionPolicy({ body: policy });
    await policies.createValidatingAdmissionPolicyBinding({ body: binding });
    // Both groups may create and label Namespaces as far as RBAC goes: what is refused is the admission policy's.
    await rbac.createClusterRole({ body: { metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'patch', 'get'] }] } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: ['tenants', 'platform-admins'].map((name) => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' })),
      },
    });
    const tenant = ['tenant-tool', ['tenants']] as const;
    const admin = ['alice', ['platform-admins']] as const;
    const name = (what: string) => {
      created.push(`vap-${what}-${suffix}`);
      return `vap-${what}-${suffix}`;
    };
    // The policy takes effect once the API server has compiled it: poll until a tenant's labelled Namespace is refused.
    let refused = { status: 0, body: '' };
    await waitFor(async () => {
      refused = await createNs(...tenant, name(`t${created.length}`), { 'kubernaut.io/toolset-trusted': 'true' });
      return refused.status === 403 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250, describe: () => `the tenant's labelled Namespace refused; last answer ${refused.status} ${refused.body.slice(0, 300)}` });
    expect((JSON.parse(refused.body) as { message: string }).message).toContain('only members of platform-admins may set, change or remove the label kubernaut.io/toolset-trusted (<unset> -> true)');

    const plain = name('plain');
    expect((await createNs(...tenant, plain)).status).toBe(201);
    const relabel = await labelNs(...tenant, plain, 'true');
    expect({ status: relabel.status, message: (JSON.parse(relabel.body) as { message: string }).message }).toEqual({
      status: 403, message: expect.stringContaining('(<unset> -> true)') as unknown,
    });
    expect((await createNs(...tenant, name('other'), { team: 'a' })).status).toBe(201);

    const trusted = name('trusted');
    expect((await createNs(...admin, trusted, { 'kubernaut.io/toolset-trusted': 'true' })).status).toBe(201);
    // A tenant can neither remove nor change the label an admin set; the admin can.
    expect((await labelNs(...tenant, trusted, null)).status).toBe(403);
    expect((await labelNs(...tenant, trusted, 'false')).status).toBe(403);
    expect((await labelNs(...admin, trusted, null)).status).toBe(200);
  }, 120_000);
});
