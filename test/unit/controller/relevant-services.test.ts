import { describe, expect, it } from '@jest/globals';
import { RelevantServices } from '../../../src/controller/relevant-services.ts';
import { detectionOptions, optIn, service } from '../discovery/fixtures.ts';

describe('RelevantServices', () => {
  it('ignores Services that are not ours, however often they change', () => {
    const filter = new RelevantServices(detectionOptions());
    expect(filter.changed('added', service({ name: 'web' }))).toBe(false);
    expect(filter.changed('modified', service({ name: 'web', labels: { tick: '1' } }))).toBe(false);
    expect(filter.changed('deleted', service({ name: 'web' }))).toBe(false);
    expect(filter.size).toBe(0);
  });

  it('reports a Service entering, changing what detection sees, and leaving', () => {
    const filter = new RelevantServices(detectionOptions());
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
    const filter = new RelevantServices(detectionOptions());
    expect(filter.changed('added', service({ annotations: optIn('nonsense') }))).toBe(true);
    expect(filter.changed('modified', service({ annotations: optIn('nonsense') }))).toBe(false);
    expect(filter.changed('modified', service({ annotations: optIn('custom') }))).toBe(true);
    expect(filter.changed('modified', service({ annotations: { 'kubernaut.io/toolset': 'disabled' } }))).toBe(true);
    expect(filter.size).toBe(0);
  });

  it('follows auto-detection: a label that makes a Service recognisable is relevant', () => {
    const filter = new RelevantServices(detectionOptions({ autoDetect: true }));
    expect(filter.changed('added', service({ name: 'prom', ports: [{ name: 'web', port: 80, protocol: 'TCP' }] }))).toBe(false);
    expect(filter.changed('modified', service({ name: 'prom', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ name: 'web', port: 80, protocol: 'TCP' }] }))).toBe(true);
  });

  it('reports a route change (type, selector) of a Service an endpoint names, though it is not annotated; not of any other', () => {
    const filter = new RelevantServices(detectionOptions());
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
    // A Service nobody's endpoint names changes route without a reconcile.
    expect(filter.changed('modified', service({ name: 'other', type: 'ExternalName', externalName: 'x.example.com' }))).toBe(false);
    expect(filter.routes()('ns/other')).toBe('ExternalName:x.example.com');
    // Once the user is gone, the hop is nobody's target any more.
    expect(filter.changed('deleted', service({ name: 'user', annotations: optIn('custom', { 'kubernaut.io/toolset-endpoint': 'http://hop.ns.svc:8080' }) }))).toBe(true);
    expect(filter.changed('added', hop({}, { app: 'hop' }))).toBe(false);
  });
});
