import { describe, expect, it } from '@jest/globals';
import { OutputCache } from '../../../src/controller/output-cache.ts';
import type { ConfigMap } from '../../../src/kube/objects.ts';

const cm = (resourceVersion: string, content = `v${resourceVersion}`): ConfigMap => ({
  metadata: { name: 'out', namespace: 'ops', uid: 'u', resourceVersion, creationTimestamp: '', labels: {}, annotations: {} },
  data: { 'toolset.yaml': content },
});

describe('OutputCache (read-your-writes)', () => {
  it('trusts what a write returned until the informer delivers that version', () => {
    let informer: ConfigMap | undefined = cm('1');
    const cache = new OutputCache(() => informer);
    cache.stored(cm('2'));
    expect(cache.live()?.metadata.resourceVersion).toBe('2');
    informer = cm('2');
    cache.observed('modified', cm('2'));
    informer = cm('3', 'hand edit');
    expect(cache.live()?.data['toolset.yaml']).toBe('hand edit');
  });

  it('ignores a write response that arrives after the informer already delivered that version (or a later one)', () => {
    const informer = cm('3', 'newer edit');
    const cache = new OutputCache(() => informer);
    cache.observed('modified', cm('2'));
    cache.observed('modified', cm('3', 'newer edit'));
    cache.stored(cm('2'));
    expect(cache.live()?.data['toolset.yaml']).toBe('newer edit');
  });

  it('a deletion or a relist makes the informer the truth again', () => {
    let informer: ConfigMap | undefined = cm('1');
    const cache = new OutputCache(() => informer);
    cache.stored(cm('2'));
    informer = undefined;
    cache.observed('deleted', cm('1'));
    expect(cache.live()).toBeUndefined();
    cache.stored(cm('4'));
    informer = cm('5');
    cache.resynced();
    expect(cache.live()?.metadata.resourceVersion).toBe('5');
  });
});
