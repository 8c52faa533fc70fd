import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, PatchStrategy, setHeaderOptions, type CoreV1Api } from '@kubernetes/client-node';
import { firstValueFrom, filter, take, toArray, type Observable } from 'rxjs';
import { ClientNodeKube } from '../../src/kube/client-node.ts';
import type { CacheEvent, Reflector } from '../../src/kube/reflector.ts';
import type { Service } from '../../src/kube/objects.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';
import { testCluster } from '../support/cluster-info.ts';
import { fixtureApi, freshNamespace, serviceManifest } from '../support/kube.ts';

const FIELD_MANAGER = 'kubernaut-toolset';

function nextEvent<T>(events$: Observable<CacheEvent<T>>, match: (e: CacheEvent<T>) => boolean): Promise<CacheEvent<T>> {
  return firstValueFrom(events$.pipe(filter(match)));
}

describe('client-node adapter on the real API server', () => {
  let core: CoreV1Api;
  let kube: ClientNodeKube;
  let namespace: string;
  const reflectors: Pick<Reflector<Service>, 'stop'>[] = [];

  beforeAll(async () => {
    core = fixtureApi().core;
    kube = ClientNodeKube.fromFile(testCluster().kubeconfig);
    namespace = await freshNamespace(core, 'adapter');
  });

  afterAll(async () => {
    await Promise.all(reflectors.map((r) => r.stop()));
  });

  it('sees a Service created, updated and deleted, through the informer cache and its events', async () => {
    const services = kube.watchServices({ namespace });
    reflectors.push(services);
    await services.start();
    expect(services.synced).toBe(true);
    expect(services.list()).toEqual([]);

    const added = nextEvent(services.events$, (e) => e.type === 'added');
    await core.createNamespacedService({ namespace, body: serviceManifest(namespace, 'prom', { 'kubernaut.io/toolset': 'enabled' }, [{ name: 'web', port: 9090 }]) });
    const addedEvent = (await added) as { object: Service };
    expect(addedEvent.object.metadata).toMatchObject({ namespace, name: 'prom', annotations: { 'kubernaut.io/toolset': 'enabled' } });
    expect(addedEvent.object.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The API server defaults targetPort to the port: the pods' port behind it, which HolmesGPT's egress policy allows.
    expect(addedEvent.object.spec.ports).toEqual([{ name: 'web', port: 9090, protocol: 'TCP', targetPort: 9090 }]);

    const modified = nextEvent(services.events$, (e) => e.type === 'modified');
    await core.patchNamespacedService(
      { namespace, name: 'prom', body: [{ op: 'add', path: '/metadata/annotations/kubernaut.io~1toolset-type', value: 'prometheus' }] },
    );
    const modifiedEvent = (await modified) as { object: Service };
    expect(modifiedEvent.object.metadata.annotations['kubernaut.io/toolset-type']).toBe('prometheus');
    expect(services.get(namespace, 'prom')?.metadata.annotations['kubernaut.io/toolset-type']).toBe('prometheus');

    const deleted = nextEvent(services.events$, (e) => e.type === 'deleted');
    await core.deleteNamespacedService({ namespace, name: 'prom' });
    expect(((await deleted) as { object: Service }).object.metadata.name).toBe('prom');
    expect(services.get(namespace, 'prom')).toBeUndefined();
    expect(services.list()).toEqual([]);
  });

  it('applies a label selector to list and watch alike', async () => {
    await core.createNamespacedService({ namespace, body: { ...serviceManifest(namespace, 'labelled'), metadata: { name: 'labelled', namespace, labels: { team: 'obs' } } } });
    await core.createNamespacedService({ namespace, body: serviceManifest(namespace, 'unlabelled') });
    const services = kube.watchServices({ namespace, labelSelector: 'team=obs' });
    reflectors.push(services);
    await services.start();
    expect(services.list().map((s) => s.metadata.name)).toEqual(['labelled']);

    const seen = firstValueFrom(services.events$.pipe(filter((e) => e.type === 'added'), take(1), toArray()));
    await core.createNamespacedService({ namespace, body: serviceManifest(namespace, 'also-unlabelled') });
    await core.createNamespacedService({ namespace, body: { ...serviceManifest(namespace, 'labelled-2'), metadata: { name: 'labelled-2', namespace, labels: { team: 'obs' } } } });
    const [event] = (await seen) as { object: Service }[];
    expect(event?.object.metadata.name).toBe('labelled-2');
    expect(services.list().map((s) => s.metadata.name).sort()).toEqual(['labelled', 'labelled-2']);
  });

  it('server-side applies a ConfigMap, reads it back, and owns only the fields it applied', async () => {
    const name = 'kubernaut-toolset-config';
    const stored = await kube.applyConfigMap(
      { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'kubernaut-toolset' }, annotations: { 'kubernaut.io/toolset-hash': 'abc' }, data: { 'toolset.yaml': 'toolsets: {}\n' } },
      { fieldManager: FIELD_MANAGER },
    );
    expect(stored.data).toEqual({ 'toolset.yaml': 'toolsets: {}\n' });

    // Another manager adds its own key; our next apply must leave it alone.
    await core.patchNamespacedConfigMap({ namespace, name, body: [{ op: 'add', path: '/data/overrides.yaml', value: 'toolsets: {}\n' }] });
    await kube.applyConfigMap({ name, namespace, data: { 'toolset.yaml': 'toolsets:\n  a: {}\n' } }, { fieldManager: FIELD_MANAGER });

    const read = await kube.getConfigMap(namespace, name);
    expect(read?.data).toEqual({ 'toolset.yaml': 'toolsets:\n  a: {}\n', 'overrides.yaml': 'toolsets: {}\n' });
    const raw = await core.readNamespacedConfigMap({ namespace, name });
    expect(raw.metadata?.managedFields?.map((f) => f.manager)).toContain(FIELD_MANAGER);
    expect(await kube.getConfigMap(namespace, 'does-not-exist')).toBeUndefined();
  });

  it('dry-run apply changes nothing', async () => {
    const name = 'dry-run-only';
    const result = await kube.applyConfigMap({ name, namespace, data: { k: 'v' } }, { fieldManager: FIELD_MANAGER, dryRun: true });
    expect(result.data).toEqual({ k: 'v' });
    expect(await kube.getConfigMap(namespace, name)).toBeUndefined();
  });

  it('watches one named ConfigMap and sees it deleted', async () => {
    const name = 'watched-one';
    await kube.applyConfigMap({ name, namespace, data: { k: '1' } }, { fieldManager: FIELD_MANAGER });
    await kube.applyConfigMap({ name: 'other', namespace, data: { k: '1' } }, { fieldManager: FIELD_MANAGER });
    const configMaps = kube.watchConfigMaps(namespace, name);
    reflectors.push(configMaps);
    await configMaps.start();
    expect(configMaps.list().map((c) => c.metadata.name)).toEqual([name]);
    const deleted = nextEvent(configMaps.events$, (e) => e.type === 'deleted');
    await core.deleteNamespacedConfigMap({ namespace, name });
    await deleted;
    expect(configMaps.list()).toEqual([]);
  });

  it('records an Event on a Service that the API server stores', async () => {
    await core.createNamespacedService({ namespace, body: serviceManifest(namespace, 'evented') });
    await kube.recordEvent(
      { regarding: { kind: 'Service', apiVersion: 'v1', name: 'evented', namespace }, type: 'Warning', reason: 'ToolsetRejected', message: 'bad annotation' },
      'kubernaut-toolset',
    );
    const events = await waitFor(
      async () => {
        const list = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=evented' });
        return list.items.length > 0 ? list.items : undefined;
      },
      { timeoutMs: 10_000, describe: () => 'the Event to be listed' },
    );
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'ToolsetRejected', message: 'bad annotation', involvedObject: { kind: 'Service', name: 'evented' } });
  });

  it("lists a Deployment's pods by its selector, with readiness and IP, and annotates one pod", async () => {
    const apps = fixtureApi().kc.makeApiClient(AppsV1Api);
    const labels = { app: 'holmes', tier: 'agent' };
    await apps.createNamespacedDeployment({ namespace, body: {
      metadata: { name: 'holmesgpt' },
      spec: {
        selector: { matchLabels: { app: 'holmes' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['agent'] }] },
        template: { metadata: { labels }, spec: { containers: [{ name: 'holmes', image: 'holmes:test' }] } },
      },
    } });
    const pod = (name: string, podLabels: Record<string, string>) =>
      core.createNamespacedPod({ namespace, body: { metadata: { name, labels: podLabels }, spec: { containers: [{ name: 'holmes', image: 'holmes:test' }] } } });
    await Promise.all([pod('holmes-a', labels), pod('holmes-b', labels), pod('other', { app: 'holmes', tier: 'web' })]);
    // No kubelet here: the status a kubelet would report for a running, ready pod.
    await core.patchNamespacedPodStatus({ namespace, name: 'holmes-a', body: { status: {
      phase: 'Running', podIP: '10.244.0.7', conditions: [{ type: 'Ready', status: 'True' }],
    } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

    const pods = await kube.listDeploymentPods(namespace, 'holmesgpt');
    expect(pods?.map(({ name, ready, ip }) => ({ name, ready, ip })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'holmes-a', ready: true, ip: '10.244.0.7' },
      { name: 'holmes-b', ready: false, ip: undefined },
    ]);
    await kube.annotatePod(namespace, 'holmes-b', { 'kubernaut.io/toolset-hash': 'abc' });
    await kube.annotatePod(namespace, 'holmes-b', { 'kubernaut.io/toolset-reloaded': 'abc' });
    expect((await core.readNamespacedPod({ namespace, name: 'holmes-b' })).metadata?.annotations).toEqual({
      'kubernaut.io/toolset-hash': 'abc', 'kubernaut.io/toolset-reloaded': 'abc',
    });
    expect(await kube.listDeploymentPods(namespace, 'no-such-deployment')).toBeUndefined();
    await expect(kube.annotatePod(namespace, 'no-such-pod', { a: 'b' })).rejects.toThrow(`patch Pod ${namespace}/no-such-pod: HTTP 404`);
  });

  it('reports a failed call with the status and the API server message', async () => {
    await expect(
      kube.applyConfigMap({ name: 'bad-key', namespace, data: { 'no spaces allowed': 'v' } }, { fieldManager: FIELD_MANAGER }),
    ).rejects.toThrow(/apply ConfigMap adapter-[0-9a-f]+\/bad-key: HTTP 422 Invalid: .*no spaces allowed/);
  });
});
