import { afterEach, describe, expect, it } from '@jest/globals';
import { type Observable } from 'rxjs';
import { OutputCache } from '../../../src/controller/output-cache.ts';
import { RelevantServices } from '../../../src/controller/relevant-services.ts';
import type { ReconcileRequest } from '../../../src/controller/reconcile-step.ts';
import { TrustLabels } from '../../../src/controller/trust-labels.ts';
import { configMapChanges, serviceChanges, trustChanges } from '../../../src/controller/watch-changes.ts';
import type { ConfigMap, Namespace, Service } from '../../../src/kube/objects.ts';
import type { ListWatchSource, WatchEventType } from '../../../src/kube/list-watch.ts';
import { Reflector } from '../../../src/kube/reflector.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { Metrics } from '../../../src/observe/metrics.ts';
import { detectionOptions, optIn, service } from '../discovery/fixtures.ts';

/** A source that lists `initial` and then delivers whatever the test pushes through `send`. */
function scripted<T>(initial: T[]): { source: ListWatchSource<T>; send: (type: WatchEventType, object: T) => void; watching: Promise<void> } {
  let onEvent: ((type: WatchEventType, object: unknown) => void) | undefined;
  const watching = Promise.withResolvers<void>();
  return {
    watching: watching.promise,
    source: {
      description: 'scripted',
      convert: (raw) => raw as T,
      list: () => Promise.resolve({ items: initial, resourceVersion: '1' }),
      watch: (_rv, deliver, onDone) => {
        onEvent = deliver;
        watching.resolve();
        return Promise.resolve({ abort: () => onDone() });
      },
    },
    send: (type, object) => {
      if (!onEvent) throw new Error('test bug: the watch is not open yet');
      onEvent(type, object);
    },
  };
}

const log = createLogger({ silent: true });
const reflectors: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of reflectors.splice(0)) await r.stop();
});

/** Starts the reflector, lets the test act, stops it, and returns what the stream emitted. */
async function collect<T extends Service | ConfigMap | Namespace>(
  reflector: Reflector<T>, watching: Promise<void>, stream: Observable<ReconcileRequest>, act: () => Promise<void> | void,
): Promise<ReconcileRequest[]> {
  reflectors.push(reflector);
  const seen: ReconcileRequest[] = [];
  const subscription = stream.subscribe((r) => seen.push(r));
  await reflector.start();
  await watching;
  await act();
  subscription.unsubscribe();
  return seen;
}

const withTime = (r: ReconcileRequest) => ({ fullRecheck: r.fullRecheck, timed: r.firstEventAt !== undefined });

describe('serviceChanges', () => {
  it('passes relists and the changes that alter a detection result, and drops the others', async () => {
    const prom = service({ name: 'prom', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://prom.ns.svc:9090' }) });
    const { source, send, watching } = scripted<Service>([prom, service({ name: 'web' })]);
    const reflector = new Reflector(source);
    const store = new RelevantServices(detectionOptions(), { serviceOf: (key) => reflector.get(...(key.split('/') as [string, string])), slicesOf: () => [] });
    const metrics = new Metrics({ processMetrics: false });
    const seen = await collect(reflector, watching, serviceChanges(reflector, store, metrics, log), () => {
      send('MODIFIED', { ...service({ name: 'web', labels: { tick: '1' } }), metadata: { ...service({ name: 'web' }).metadata, resourceVersion: '2' } });
      send('MODIFIED', { ...prom, metadata: { ...prom.metadata, resourceVersion: '3', labels: { tick: '1' } } });
      send('MODIFIED', service({ name: 'prom', annotations: optIn('prometheus', { 'kubernaut.io/toolset-endpoint': 'http://prom2.ns.svc:9090' }) }));
      send('DELETED', prom);
    });
    expect(seen.map(withTime)).toEqual([
      { fullRecheck: false, timed: true }, // the initial list found prom (web is not ours)
      { fullRecheck: false, timed: false }, // the list is complete
      { fullRecheck: false, timed: true }, // the endpoint changed
      { fullRecheck: false, timed: true }, // deleted
    ]);
    expect(await metrics.registry.getSingleMetricAsString('kubernaut_toolset_watch_events_total')).toContain('resource="services",type="modified"} 3');
  });
});

describe('configMapChanges', () => {
  it('hands every event to the read-your-writes cache and passes it on', async () => {
    const out: ConfigMap = { metadata: { name: 'out', namespace: 'ops', uid: 'u', resourceVersion: '1', creationTimestamp: '', labels: {}, annotations: {} }, data: {} };
    const { source, send, watching } = scripted<ConfigMap>([out]);
    const reflector = new Reflector(source);
    const cache = new OutputCache(() => reflector.get('ops', 'out'));
    const seen = await collect(reflector, watching, configMapChanges(reflector, cache, new Metrics({ processMetrics: false }), log), () => {
      cache.stored({ ...out, metadata: { ...out.metadata, resourceVersion: '2' }, data: { k: 'ours' } });
      send('MODIFIED', { ...out, metadata: { ...out.metadata, resourceVersion: '2' }, data: { k: 'ours' } });
      send('MODIFIED', { ...out, metadata: { ...out.metadata, resourceVersion: '3' }, data: { k: 'edit' } });
    });
    // The list (its object, then its end), our own write coming back, and the hand edit.
    expect(seen.map(withTime)).toEqual([{ fullRecheck: false, timed: true }, { fullRecheck: false, timed: false }, { fullRecheck: false, timed: true }, { fullRecheck: false, timed: true }]);
    expect(cache.live()?.data).toEqual({ k: 'edit' });
  });
});

describe('trustChanges', () => {
  it('passes only changes of the trusted set, and makes the Service store judge every Service again', async () => {
    const ns = (name: string, resourceVersion = '1'): Namespace => ({ metadata: { name, namespace: '', uid: name, resourceVersion, creationTimestamp: '', labels: { 'kubernaut.io/toolset-trusted': 'true' }, annotations: {} } });
    const { source, send, watching } = scripted<Namespace>([ns('team-a')]);
    const reflector = new Reflector(source);
    let reconsidered = 0;
    const trust = new TrustLabels(() => (reconsidered += 1));
    const seen = await collect(reflector, watching, trustChanges(reflector, trust, new Metrics({ processMetrics: false }), log), () => {
      send('MODIFIED', ns('team-a', '2')); // still trusted: nothing changes
      send('ADDED', ns('team-b'));
      send('DELETED', ns('team-a', '2'));
    });
    // team-a listed (the set changed from nothing), team-b added, team-a deleted; the list's end changed nothing.
    expect(seen.map(withTime)).toEqual([{ fullRecheck: false, timed: true }, { fullRecheck: false, timed: true }, { fullRecheck: false, timed: true }]);
    expect([...trust.labelled]).toEqual(['team-b']);
    expect(reconsidered).toBe(3);
  });
});
