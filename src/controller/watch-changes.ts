import { filter, map, tap, type Observable } from 'rxjs';
import type { CacheEvent, Reflector } from '../kube/reflector.ts';
import type { ConfigMap, EndpointSlice, Namespace, Service } from '../kube/objects.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { OutputCache } from './output-cache.ts';
import type { RelevantServices } from './relevant-services.ts';
import type { ReconcileRequest } from './reconcile-step.ts';
import type { TrustLabels } from './trust-labels.ts';

type ObjectEvent<T> = Extract<CacheEvent<T>, { type: 'added' | 'modified' | 'deleted' }>;
type Change<T> = ObjectEvent<T> | Extract<CacheEvent<T>, { type: 'synced' }>;

/** A watch's object events and relists; its restarts and errors go to the metrics and the log only. */
function watchEvents<T extends { metadata: { namespace: string; name: string; resourceVersion: string } }>(
  reflector: Reflector<T>, resource: string, metrics: Metrics, log: Logger,
): Observable<Change<T>> {
  return reflector.events$.pipe(
    tap((event) => {
      if (event.type === 'restarted') {
        metrics.watchRestarts.inc({ resource, reason: event.reason });
        log.info('watch restarted', { watch: reflector.description, reason: event.reason });
      } else if (event.type === 'error') {
        metrics.watchErrors.inc({ resource, status: String(event.error.status) });
        log.warn('list/watch failed; retrying', { watch: reflector.description, error: event.error.message, retryInMs: event.retryInMs });
      } else if (event.type !== 'synced') {
        metrics.watchEvents.inc({ resource, type: event.type });
      }
    }),
    filter((event: CacheEvent<T>): event is Change<T> => event.type !== 'restarted' && event.type !== 'error'),
  );
}

const changed = (at: number): ReconcileRequest => ({ fullRecheck: false, firstEventAt: at });
const relisted: ReconcileRequest = { fullRecheck: false };

/** A watch's events that `update` says matter (it records each one and answers), and every relist. */
function recordedChanges<T extends { metadata: { namespace: string; name: string; resourceVersion: string } }>(
  reflector: Reflector<T>, resource: string, update: (type: ObjectEvent<T>['type'], object: T) => boolean, metrics: Metrics, log: Logger,
): Observable<ReconcileRequest> {
  // The store's update is mapped to its result, then filtered: the side effect lives in the map, not in a filter.
  return watchEvents(reflector, resource, metrics, log).pipe(
    map((e) => ({ e, relevant: e.type === 'synced' || update(e.type, e.object) })),
    filter(({ relevant }) => relevant),
    map(({ e }) => (e.type === 'synced' ? relisted : changed(Date.now()))),
  );
}

/** Service events that change a detection result (most Service changes in a cluster do not). */
export function serviceChanges(reflector: Reflector<Service>, store: RelevantServices, metrics: Metrics, log: Logger): Observable<ReconcileRequest> {
  return recordedChanges(reflector, 'services', (type, service) => store.changed(type, service), metrics, log);
}

/** Hand-written EndpointSlice events that change the route of a Service some endpoint names. */
export function sliceChanges(reflector: Reflector<EndpointSlice>, store: RelevantServices, metrics: Metrics, log: Logger): Observable<ReconcileRequest> {
  return recordedChanges(reflector, 'endpointslices', (_type, slice) => store.sliceChanged(slice), metrics, log);
}

/** Every event of the output ConfigMap: an edit, a deletion, or our own write coming back. */
export function configMapChanges(reflector: Reflector<ConfigMap>, cache: OutputCache, metrics: Metrics, log: Logger): Observable<ReconcileRequest> {
  return watchEvents(reflector, 'configmaps', metrics, log).pipe(
    tap((e) => (e.type === 'synced' ? cache.resynced() : cache.observed(e.type, e.object))),
    map((e) => (e.type === 'synced' ? relisted : changed(Date.now()))),
  );
}

/** Every event of the admin's base-layer ConfigMap (consumer.base): its toolsets are part of the output. */
export function baseLayerChanges(reflector: Reflector<ConfigMap>, metrics: Metrics, log: Logger): Observable<ReconcileRequest> {
  return watchEvents(reflector, 'configmaps', metrics, log).pipe(map((e) => (e.type === 'synced' ? relisted : changed(Date.now()))));
}

/** Changes of the set of Namespaces labelled trusted (tenancy.trustLabel). */
export function trustChanges(reflector: Reflector<Namespace>, trust: TrustLabels, metrics: Metrics, log: Logger): Observable<ReconcileRequest> {
  return watchEvents(reflector, 'namespaces', metrics, log).pipe(
    map((e) => ({ e, moved: trust.update(reflector.list()) })),
    filter(({ moved }) => moved),
    map(({ e }) => (e.type === 'synced' ? relisted : changed(Date.now()))),
  );
}
