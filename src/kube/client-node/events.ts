import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { toKubeApiError } from '../errors.ts';
import type { EventRecord } from '../objects.ts';

/** Creates one core/v1 Event about `event.regarding`, reported by `reportingController`. */
export async function createEvent(core: CoreV1Api, event: EventRecord, reportingController: string): Promise<void> {
  const now = new Date();
  const { regarding } = event;
  const body: CoreV1Event = {
    metadata: {
      // Unique like kubectl's events: object name plus a random suffix.
      name: `${regarding.name}.${randomBytes(8).toString('hex')}`,
      namespace: regarding.namespace,
    },
    involvedObject: { ...regarding },
    type: event.type,
    reason: event.reason,
    message: event.message.slice(0, 1024),
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    source: { component: reportingController },
    reportingComponent: reportingController,
    reportingInstance: reportingController,
  };
  try {
    await core.createNamespacedEvent({ namespace: regarding.namespace, body });
  } catch (error) {
    throw toKubeApiError(`record Event ${event.reason} on ${regarding.kind} ${regarding.namespace}/${regarding.name}`, error);
  }
}
