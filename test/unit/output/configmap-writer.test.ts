import { describe, expect, it } from '@jest/globals';
import type { ApplyOptions } from '../../../src/kube/client.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { ConfigMap, ConfigMapApply } from '../../../src/kube/objects.ts';
import type { OutputTarget } from '../../../src/config/operator-config.ts';
import { ConfigMapWriter, FIELD_MANAGER, HASH_ANNOTATION, MANAGED_BY_LABEL, ownedBy, upToDate } from '../../../src/output/configmap-writer.ts';
import { contentHash } from '../../../src/toolset/document.ts';
import { UnusedKube } from '../../support/unused-kube.ts';

type ApplyAnswer = ConfigMap | KubeApiError | Error;

/** A scripted API server for the two calls the writer makes; everything else is out of scope and throws. */
class FakeKube extends UnusedKube {
  readonly applies: { configMap: ConfigMapApply; options: ApplyOptions }[] = [];
  readonly gets: { namespace: string; name: string }[] = [];
  /** Answers for applyConfigMap, in order; when empty, apply succeeds and stores the object. */
  applyAnswers: ApplyAnswer[] = [];
  /** What getConfigMap returns (the current object on the "server"). */
  stored: ConfigMap | undefined;
  #rv = 100;

  override getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    this.gets.push({ namespace, name });
    return Promise.resolve(this.stored && structuredClone(this.stored));
  }

  override applyConfigMap(configMap: ConfigMapApply, options: ApplyOptions): Promise<ConfigMap> {
    this.applies.push({ configMap: structuredClone(configMap), options: { ...options } });
    const answer = this.applyAnswers.shift();
    if (answer instanceof Error) return Promise.reject(answer);
    if (answer) return Promise.resolve(answer);
    this.#rv += 1;
    const previous = this.stored;
    const result: ConfigMap = {
      metadata: {
        name: configMap.name,
        namespace: configMap.namespace,
        uid: previous?.metadata.uid ?? 'cm-uid',
        resourceVersion: String(this.#rv),
        creationTimestamp: previous?.metadata.creationTimestamp ?? '2025-01-01T00:00:00Z',
        labels: { ...previous?.metadata.labels, ...configMap.labels },
        annotations: { ...previous?.metadata.annotations, ...configMap.annotations },
      },
      data: { ...previous?.data, ...configMap.data },
    };
    if (!options.dryRun) this.stored = result;
    return Promise.resolve(structuredClone(result));
  }
}

const target: OutputTarget = {
  namespace: 'kubernaut-system',
  name: 'kubernaut-toolset-config',
  key: 'toolset.yaml',
  adopt: false,
  sizeBudgetBytes: 1024,
  dryRun: false,
};

const CONTENT = 'toolsets:\n  kubernetes/logs:\n    enabled: false\n';
const HASH = contentHash(CONTENT);

function liveConfigMap(input: { rv?: string; labels?: Record<string, string>; annotations?: Record<string, string>; data?: Record<string, string> } = {}): ConfigMap {
  return {
    metadata: {
      name: target.name,
      namespace: target.namespace,
      uid: 'cm-uid',
      resourceVersion: input.rv ?? '42',
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: input.labels ?? { [MANAGED_BY_LABEL]: FIELD_MANAGER },
      annotations: input.annotations ?? {},
    },
    data: input.data ?? {},
  };
}

const conflict = () => new KubeApiError('apply ConfigMap kubernaut-system/kubernaut-toolset-config', 409, 'Conflict', 'the object has been modified');

describe('ConfigMapWriter.write', () => {
  it('creates the ConfigMap when absent: no resourceVersion, only its key, label and hash annotation', async () => {
    const kube = new FakeKube();
    const outcome = await new ConfigMapWriter(kube, target).write(CONTENT, HASH, undefined);
    expect(outcome).toMatchObject({ ok: true, result: 'created', dryRun: false });
    expect(kube.applies).toEqual([
      {
        configMap: {
          namespace: 'kubernaut-system',
          name: 'kubernaut-toolset-config',
          labels: { 'app.kubernetes.io/managed-by': 'kubernaut-toolset' },
          annotations: { 'kubernaut.io/toolset-hash': HASH },
          data: { 'toolset.yaml': CONTENT },
        },
        options: { fieldManager: 'kubernaut-toolset', force: true },
      },
    ]);
    expect(kube.applies[0]?.configMap).not.toHaveProperty('resourceVersion');
    expect(kube.gets).toEqual([]);
  });

  it('updates with the live resourceVersion and never sends the user-owned overrides key', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ rv: '77', annotations: { [HASH_ANNOTATION]: 'old' }, data: { 'toolset.yaml': 'old', 'overrides.yaml': 'toolsets: {}\n' } });
    kube.stored = live;
    const outcome = await new ConfigMapWriter(kube, target).write(CONTENT, HASH, live);
    expect(outcome).toMatchObject({ ok: true, result: 'updated' });
    expect(kube.applies).toHaveLength(1);
    expect(kube.applies[0]?.configMap.resourceVersion).toBe('77');
    expect(kube.applies[0]?.configMap.data).toEqual({ 'toolset.yaml': CONTENT });
    if (outcome.ok) expect(outcome.stored?.data).toEqual({ 'toolset.yaml': CONTENT, 'overrides.yaml': 'toolsets: {}\n' });
  });

  it('is unchanged, with no API call, when the hash annotation and the key both match', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ annotations: { [HASH_ANNOTATION]: HASH }, data: { 'toolset.yaml': CONTENT } });
    const outcome = await new ConfigMapWriter(kube, target).write(CONTENT, HASH, live);
    expect(outcome).toEqual({ ok: true, result: 'unchanged', dryRun: false, stored: live });
    expect(kube.applies).toEqual([]);
    expect(kube.gets).toEqual([]);
  });

  it('rewrites a hand-edited key even though the hash annotation still matches', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ rv: '50', annotations: { [HASH_ANNOTATION]: HASH }, data: { 'toolset.yaml': `${CONTENT}# edited by hand\n` } });
    const outcome = await new ConfigMapWriter(kube, target).write(CONTENT, HASH, live);
    expect(outcome).toMatchObject({ ok: true, result: 'updated' });
    expect(kube.applies).toHaveLength(1);
    expect(kube.applies[0]?.configMap).toMatchObject({ resourceVersion: '50', data: { 'toolset.yaml': CONTENT } });
  });

  it('rewrites when the key matches but the hash annotation is missing', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ data: { 'toolset.yaml': CONTENT } });
    expect(await new ConfigMapWriter(kube, target).write(CONTENT, HASH, live)).toMatchObject({ ok: true, result: 'updated' });
    expect(kube.applies[0]?.configMap.annotations).toEqual({ [HASH_ANNOTATION]: HASH });
  });

  it('restores a deleted key', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ annotations: { [HASH_ANNOTATION]: HASH }, data: { 'overrides.yaml': '' } });
    expect(await new ConfigMapWriter(kube, target).write(CONTENT, HASH, live)).toMatchObject({ ok: true, result: 'updated' });
  });

  it('refuses content over the size budget without calling the API', async () => {
    const kube = new FakeKube();
    const big = 'x'.repeat(1025);
    const outcome = await new ConfigMapWriter(kube, target).write(big, contentHash(big), undefined);
    expect(outcome).toEqual({
      ok: false,
      result: 'refused',
      reason: 'TooLarge',
      message: 'toolset.yaml would be 1025 bytes, over the 1024-byte budget; keeping the last written content',
    });
    expect(kube.applies).toEqual([]);
    expect(kube.gets).toEqual([]);
  });

  it('measures the budget in UTF-8 bytes', async () => {
    const kube = new FakeKube();
    const text = 'é'.repeat(600); // 600 characters, 1200 bytes
    const outcome = await new ConfigMapWriter(kube, target).write(text, contentHash(text), undefined);
    expect(outcome).toMatchObject({ ok: false, result: 'refused', reason: 'TooLarge' });
    expect(kube.applies).toEqual([]);
  });

  it('writes content of exactly the budget', async () => {
    const kube = new FakeKube();
    const text = 'y'.repeat(1024);
    expect(await new ConfigMapWriter(kube, target).write(text, contentHash(text), undefined)).toMatchObject({ ok: true, result: 'created' });
  });

  it.each([
    ['another manager', { [MANAGED_BY_LABEL]: 'helm' }, 'helm'],
    ['no managed-by label', {}, 'unset'],
  ])('refuses a live ConfigMap labelled by %s', async (_title, labels, shown) => {
    const kube = new FakeKube();
    const live = liveConfigMap({ labels, data: { 'toolset.yaml': 'theirs' } });
    const outcome = await new ConfigMapWriter(kube, target).write(CONTENT, HASH, live);
    expect(outcome).toEqual({
      ok: false,
      result: 'refused',
      reason: 'NotOwned',
      message: `ConfigMap kubernaut-system/kubernaut-toolset-config exists and is not managed by kubernaut-toolset (app.kubernetes.io/managed-by=${shown}); set output.adopt: true to take it over`,
    });
    expect(kube.applies).toEqual([]);
  });

  it('adopts a ConfigMap it does not manage when adopt is set, and labels it', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ rv: '9', labels: { [MANAGED_BY_LABEL]: 'helm' }, data: { 'toolset.yaml': 'theirs' } });
    const outcome = await new ConfigMapWriter(kube, { ...target, adopt: true }).write(CONTENT, HASH, live);
    expect(outcome).toMatchObject({ ok: true, result: 'updated' });
    expect(kube.applies[0]?.configMap).toMatchObject({ resourceVersion: '9', labels: { [MANAGED_BY_LABEL]: FIELD_MANAGER } });
  });

  // One attempt per write: a 409 is a conflict another attempt can fix, and the pipeline's next attempt plans from
  // the watch cache, which then holds what the other writer stored. These follow that second write.
  const conflicted = { ok: false, result: 'conflict', retryable: true, message: 'apply ConfigMap kubernaut-system/kubernaut-toolset-config: HTTP 409 Conflict: the object has been modified' };

  it('on a 409 says a retry can help, and the next write carries the newer resourceVersion', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ rv: '10', annotations: { [HASH_ANNOTATION]: 'old' }, data: { 'toolset.yaml': 'old' } });
    const newer = liveConfigMap({ rv: '11', annotations: { [HASH_ANNOTATION]: 'old' }, data: { 'toolset.yaml': 'old', 'overrides.yaml': 'x: 1\n' } });
    kube.stored = newer;
    kube.applyAnswers = [conflict()];
    const writer = new ConfigMapWriter(kube, target);
    expect(await writer.write(CONTENT, HASH, live)).toEqual(conflicted);
    expect(await writer.write(CONTENT, HASH, newer)).toMatchObject({ ok: true, result: 'updated' });
    expect(kube.applies.map((a) => a.configMap.resourceVersion)).toEqual(['10', '11']);
    // The writer itself never re-reads: the pipeline's next plan brings the newer object.
    expect(kube.gets).toEqual([]);
  });

  it('after a 409, the next write finds the content already written by another writer and reports unchanged', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ rv: '10', data: { 'toolset.yaml': 'old' } });
    const newer = liveConfigMap({ rv: '12', annotations: { [HASH_ANNOTATION]: HASH }, data: { 'toolset.yaml': CONTENT } });
    kube.applyAnswers = [conflict()];
    const writer = new ConfigMapWriter(kube, target);
    expect(await writer.write(CONTENT, HASH, live)).toEqual(conflicted);
    expect(await writer.write(CONTENT, HASH, newer)).toMatchObject({ ok: true, result: 'unchanged' });
    expect(kube.applies).toHaveLength(1);
  });

  it('after a 409, the next write finds the ConfigMap deleted and creates it', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ rv: '10', data: { 'toolset.yaml': 'old' } });
    kube.applyAnswers = [conflict()];
    const writer = new ConfigMapWriter(kube, target);
    expect(await writer.write(CONTENT, HASH, live)).toEqual(conflicted);
    expect(await writer.write(CONTENT, HASH, undefined)).toMatchObject({ ok: true, result: 'created' });
    expect(kube.applies[1]?.configMap).not.toHaveProperty('resourceVersion');
  });

  it('after a 409, the next write finds that someone else took the ConfigMap over and refuses', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ rv: '10', data: { 'toolset.yaml': 'old' } });
    const takenOver = liveConfigMap({ rv: '13', labels: { [MANAGED_BY_LABEL]: 'argocd' } });
    kube.applyAnswers = [conflict()];
    const writer = new ConfigMapWriter(kube, target);
    expect(await writer.write(CONTENT, HASH, live)).toEqual(conflicted);
    expect(await writer.write(CONTENT, HASH, takenOver)).toMatchObject({ ok: false, result: 'refused', reason: 'NotOwned' });
    expect(kube.applies).toHaveLength(1);
  });

  it('makes one attempt, however many conflicts would follow', async () => {
    const kube = new FakeKube();
    kube.stored = liveConfigMap({ rv: '20', data: { 'toolset.yaml': 'old' } });
    kube.applyAnswers = [conflict(), conflict(), conflict(), conflict()];
    expect(await new ConfigMapWriter(kube, target).write(CONTENT, HASH, kube.stored)).toEqual(conflicted);
    expect(kube.applies).toHaveLength(1);
    expect(kube.gets).toEqual([]);
  });

  it.each([
    ['a 500', 500],
    ['a 503', 503],
    ['a 429', 429],
    ['no response', 0],
    ['403 Forbidden (RBAC may be granted)', 403],
    ['400 from an admission webhook (its policy may change)', 400],
  ])('after %s says a retry can help, and the next write succeeds', async (_title, status) => {
    const kube = new FakeKube();
    kube.applyAnswers = [new KubeApiError('apply', status, 'Oops', 'try later')];
    const writer = new ConfigMapWriter(kube, target);
    expect(await writer.write(CONTENT, HASH, undefined)).toMatchObject({ ok: false, result: 'error', retryable: true });
    expect(await writer.write(CONTENT, HASH, undefined)).toMatchObject({ ok: true, result: 'created' });
    expect(kube.applies).toHaveLength(2);
  });

  it.each([
    ['422 Invalid', 422, 'Invalid', false],
    ['413 RequestEntityTooLarge', 413, 'RequestEntityTooLarge', false],
    ['404 NotFound', 404, 'NotFound', true],
  ])('after a %s makes no second attempt and says whether one could help', async (_title, status, reason, retryable) => {
    const kube = new FakeKube();
    kube.applyAnswers = [new KubeApiError('apply ConfigMap kubernaut-system/kubernaut-toolset-config', status, reason, 'no')];
    const outcome = await new ConfigMapWriter(kube, target).write(CONTENT, HASH, undefined);
    expect(outcome).toEqual({
      ok: false,
      result: 'error',
      retryable,
      message: `apply ConfigMap kubernaut-system/kubernaut-toolset-config: HTTP ${status} ${reason}: no`,
      // A 404 on apply means the namespace is missing (apply creates the object itself): the caller says so.
      ...(status === 404 ? { notFound: true } : {}),
    });
    expect(kube.applies).toHaveLength(1);
    expect(kube.gets).toEqual([]);
  });

  it('an unexpected exception becomes an error result', async () => {
    const kube = new FakeKube();
    kube.applyAnswers = [new TypeError('socket hang up')];
    expect(await new ConfigMapWriter(kube, target).write(CONTENT, HASH, undefined)).toEqual({ ok: false, result: 'error', retryable: true, message: 'socket hang up' });
  });

  it('in a dry run decides as usual but calls no API at all', async () => {
    const kube = new FakeKube();
    const live = liveConfigMap({ data: { 'toolset.yaml': 'old\n' } });
    const outcome = await new ConfigMapWriter(kube, { ...target, dryRun: true }).write(CONTENT, HASH, live);
    expect(outcome).toEqual({ ok: true, result: 'updated', dryRun: true });
    expect(kube.applies).toHaveLength(0);
    expect(kube.gets).toHaveLength(0);
    expect(await new ConfigMapWriter(kube, { ...target, dryRun: true }).write(CONTENT, HASH, undefined)).toEqual({ ok: true, result: 'created', dryRun: true });
    expect(kube.applies).toHaveLength(0);
  });

  it('a real write applies with the field manager and force, never as a server-side dry run', async () => {
    const kube = new FakeKube();
    await new ConfigMapWriter(kube, target).write(CONTENT, HASH, undefined);
    expect(kube.applies[0]?.options).toEqual({ fieldManager: FIELD_MANAGER, force: true });
  });

  it('uses the configured key', async () => {
    const kube = new FakeKube();
    await new ConfigMapWriter(kube, { ...target, key: 'custom_toolset.yaml' }).write(CONTENT, HASH, undefined);
    expect(kube.applies[0]?.configMap.data).toEqual({ 'custom_toolset.yaml': CONTENT });
  });

  it('exposes its target', () => {
    expect(new ConfigMapWriter(new FakeKube(), target).target).toBe(target);
  });
});

describe('ownedBy and upToDate', () => {
  it('ownedBy: absent, ours, or adopt', () => {
    expect(ownedBy(undefined, false)).toBe(true);
    expect(ownedBy(liveConfigMap(), false)).toBe(true);
    expect(ownedBy(liveConfigMap({ labels: {} }), false)).toBe(false);
    expect(ownedBy(liveConfigMap({ labels: { [MANAGED_BY_LABEL]: 'Kubernaut-Toolset' } }), false)).toBe(false);
    expect(ownedBy(liveConfigMap({ labels: {} }), true)).toBe(true);
  });

  it('upToDate needs the object, the hash and the exact key content', () => {
    const live = liveConfigMap({ annotations: { [HASH_ANNOTATION]: HASH }, data: { 'toolset.yaml': CONTENT } });
    expect(upToDate(live, 'toolset.yaml', CONTENT, HASH)).toBe(true);
    expect(upToDate(undefined, 'toolset.yaml', CONTENT, HASH)).toBe(false);
    expect(upToDate(live, 'toolset.yaml', CONTENT, 'other')).toBe(false);
    expect(upToDate(live, 'toolset.yaml', `${CONTENT} `, HASH)).toBe(false);
    expect(upToDate(live, 'other.yaml', CONTENT, HASH)).toBe(false);
  });
});
