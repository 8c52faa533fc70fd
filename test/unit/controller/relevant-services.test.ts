import { describe, expect, it } from '@jest/globals';
import { RelevantServices } from '../../../src/controller/relevant-services.ts';
import { objectKey, type EndpointSlice, type Service } from '../../../src/kube/objects.ts';
import { detectionOptions, optIn, service } from '../discovery/fixtures.ts';

const slice = (name: string, targetRef: { kind?: string; namespace?: string; name?: string } | undefined, address = '10.244.0.7'): EndpointSlice => ({
  metadata: { name, namespace: 'ns', uid: name, resourceVersion: '1', creationTimestamp: '', labels: { 'kubernetes.io/service-name': 'hand' }, annotations: {} },
  service: 'hand',
  ports: [{ name: 'http', port: 9000, protocol: 'TCP' }],
  endpoints: [{ addresses: [address], ...(targetRef ? { targetRef } : {}) }],
});

/**
 * A RelevantServices fed as the controller feeds it: each event first lands in a watch cache (which the store reads
 * Services and slices from), then reaches the store.
 */
function watched(options: ReturnType<typeof detectionOptions>) {
  const cache = new Map<string, Service>();
  const slices = new Map<string, EndpointSlice>();
  const store = new RelevantServices(options, {
    serviceOf: (key) => cache.get(key),
    slicesOf: (key) => [...slices.values()].filter((s) => `${s.metadata.namespace}/${s.service}` === key),
  });
  const record = store.changed.bind(store);
  const recordSlice = store.sliceChanged.bind(store);
  const changed = (type: 'added' | 'modified' | 'deleted', s: Service) => {
    if (type === 'deleted') cache.delete(objectKey(s.metadata));
    else cache.set(objectKey(s.metadata), s);
    return record(type, s);
  };
  const sliceChanged = (type: 'added' | 'modified' | 'deleted', s: EndpointSlice) => {
    if (type === 'deleted') slices.delete(objectKey(s.metadata));
    else slices.set(objectKey(s.metadata), s);
    return recordSlice(s);
  };
  return Object.assign(store, { changed, sliceChanged });
}

describe('RelevantServices', () => {
  it('ignores Services that are not ours, however often they change', () => {
    const filter = watched(detectionOptions());
    expect(filter.changed('added', service({ name: 'web' }))).toBe(false);
    expect(filter.changed('modified', service({ name: 'web', labels: { tick: '1' } }))).toBe(false);
    expect(filter.changed('deleted', service({ name: 'web' }))).toBe(false);
    expect(filter.size).toBe(0);
  });

  it('reports a Service entering, changing what detection sees, and leaving', () => {
    const filter = watched(detectionOptions());
    expect(filter.changed('added', service({ annotations: optIn('custom') }))).toBe(true);
    expect(filter.changed('modified', service({ annotations: optIn('custom', { 'kubernaut.io/toolset-description': 'new' }) }))).toBe(true);
    expect(filter.changed('modified', service({ annotations: optIn('custom', { 'kubernaut.io/toolset-description': 'new' }), labels: { tick: '2' } }))).toBe(false);
    expect(filter.changed('modified', service({ annotations: optIn('custom', { 'kubernaut.io/toolset-description': 'new', 'other.io/x': 'y' }) }))).toBe(false);
    expect(filter.changed('modified', service({ annotations: optIn('custom'), ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] }))).toBe(true);
    expect(filter.size).toBe(1);
    expect(filter.services()).toEqual([service({ annotations: optIn('custom'), ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] })]);
    expect(filter.changed('deleted', service({ annotations: optIn('custom') }))).toBe(true);
    expect(filter.size).toBe(0);
    expect(filter.services()).toEqual([]);
  });

  it('treats opting out, and a rejection turning valid, as changes', () => {
    const filter = watched(detectionOptions());
    expect(filter.changed('added', service({ annotations: optIn('nonsense') }))).toBe(true);
    expect(filter.changed('modified', service({ annotations: optIn('nonsense') }))).toBe(false);
    expect(filter.changed('modified', service({ annotations: optIn('custom') }))).toBe(true);
    expect(filter.changed('modified', service({ annotations: { 'kubernaut.io/toolset': 'disabled' } }))).toBe(true);
    expect(filter.size).toBe(0);
  });

  it('follows auto-detection: a label that makes a Service recognisable is relevant', () => {
    const filter = watched(detectionOptions({ autoDetect: true }));
    expect(filter.changed('added', service({ name: 'prom', ports: [{ name: 'web', port: 80, protocol: 'TCP' }] }))).toBe(false);
    expect(filter.changed('modified', service({ name: 'prom', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ name: 'web', port: 80, protocol: 'TCP' }] }))).toBe(true);
  });

  it('reports a route change (type, selector) of a Service an endpoint names, though it is not annotated; not of any other', () => {
    const filter = watched(detectionOptions());
    const hop = (spec: Partial<Parameters<typeof service>[0]>, selector?: Record<string, string>) => {
      const s = service({ name: 'hop', ...spec });
      return selector ? { ...s, spec: { ...s.spec, selector } } : s;
    };
    expect(filter.changed('added', hop({}, { app: 'hop' }))).toBe(false);
    expect(filter.changed('added', service({ name: 'other' }))).toBe(false);
    expect(filter.changed('added', service({ name: 'user', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://hop.ns.svc:8080' }) }))).toBe(true);
    expect(filter.routes()('ns/hop')).toBe('selector');
    // The named Service turns into an alias of the API server: a change, though detection ignores it.
    expect(filter.changed('modified', hop({ type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' }))).toBe(true);
    expect(filter.routes()('ns/hop')).toBe('ExternalName:kubernetes.default.svc.cluster.local');
    expect(filter.changed('modified', hop({ labels: { tick: '1' }, type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' }))).toBe(false);
    expect(filter.changed('modified', hop({}))).toBe(true);
    expect(filter.changed('deleted', hop({}))).toBe(true);
    expect(filter.routes()('ns/hop')).toBeUndefined();
    // A Service nobody's endpoint names changes route without a reconcile, and no route is kept for it.
    expect(filter.changed('modified', service({ name: 'other', type: 'ExternalName', externalName: 'x.example.com' }))).toBe(false);
    expect(filter.routes()('ns/other')).toBeUndefined();
    // Once the user is gone, the hop is nobody's target any more.
    expect(filter.changed('deleted', service({ name: 'user', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://hop.ns.svc:8080' }) }))).toBe(true);
    expect(filter.changed('added', hop({}, { app: 'hop' }))).toBe(false);
  });

  it('follows the hand-written EndpointSlices of a selector-less Service an endpoint names, and their pods and ports', () => {
    const filter = watched(detectionOptions());
    const selectorless = service({ name: 'hand', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    const hand = { ...selectorless, spec: { ...selectorless.spec, selector: { app: 'hand' } } };
    expect(filter.changed('added', selectorless)).toBe(false);
    // Nobody names it yet: its slices are kept, but no route, and nothing is reconciled.
    expect(filter.sliceChanged('added', slice('hand-1', { kind: 'Pod', namespace: 'ns', name: 'api-0' }))).toBe(false);
    expect(filter.routes()('ns/hand')).toBeUndefined();
    // Named by an endpoint: its route, from the watch cache and the slices kept.
    expect(filter.changed('added', service({ name: 'user', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://hand.ns.svc:8080' }) }))).toBe(true);
    expect(filter.routes()('ns/hand')).toBe('slices');
    expect(filter.pods()('ns/hand')).toEqual({ selector: {}, ports: [{ port: 8080, targetPort: 9000, protocol: 'TCP' }] });
    // A second slice pointing at another namespace's pod turns the route, and is a change.
    expect(filter.sliceChanged('added', slice('hand-2', { kind: 'Pod', namespace: 'monitoring', name: 'prometheus-0' }, '10.244.0.9'))).toBe(true);
    expect(filter.routes()('ns/hand')).toBe('no-selector:its EndpointSlice ns/hand-2 points at 10.244.0.9 as Pod monitoring/prometheus-0, outside namespace ns');
    expect(filter.pods()('ns/hand')).toBeUndefined();
    expect(filter.sliceChanged('modified', slice('hand-2', { kind: 'Pod', namespace: 'monitoring', name: 'prometheus-0' }, '10.244.0.9'))).toBe(false);
    expect(filter.sliceChanged('deleted', slice('hand-2', undefined))).toBe(true);
    expect(filter.routes()('ns/hand')).toBe('slices');
    // Given a selector, the Service's slices no longer matter.
    expect(filter.changed('modified', hand)).toBe(true);
    expect(filter.sliceChanged('deleted', slice('hand-1', undefined))).toBe(false);
    expect(filter.routes()('ns/hand')).toBe('selector');
    // Slices of a Service the operator never saw are kept for when it appears and is named.
    expect(filter.sliceChanged('added', { ...slice('late-1', { kind: 'Pod', name: 'late-0' }), service: 'late' })).toBe(false);
    expect(filter.changed('added', service({ name: 'late-user', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://late.ns.svc:8080' }) }))).toBe(true);
    expect(filter.routes()('ns/late')).toBeUndefined();
    expect(filter.changed('added', service({ name: 'late', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }))).toBe(true);
    expect(filter.routes()('ns/late')).toBe('slices');
  });
});
