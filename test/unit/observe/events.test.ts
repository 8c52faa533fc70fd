import { describe, expect, it } from '@jest/globals';
import type { EventRecord } from '../../../src/kube/objects.ts';
import { EventRecorder } from '../../../src/observe/events.ts';
import { createLogger } from '../../../src/observe/logger.ts';
import { UnusedKube } from '../../support/unused-kube.ts';

class RecordingKube extends UnusedKube {
  readonly recorded: EventRecord[] = [];
  override recordEvent(event: EventRecord): Promise<void> {
    this.recorded.push(event);
    return Promise.resolve();
  }
}

const rejected: EventRecord = {
  regarding: { kind: 'Service', apiVersion: 'v1', namespace: 'team-a', name: 'evil' },
  type: 'Warning', reason: 'ToolsetRejected', message: 'NamespaceNotTrusted: …',
};

describe('EventRecorder', () => {
  it('a state first seen before leadership is recorded once leadership comes, and counted as new only once', async () => {
    const kube = new RecordingKube();
    let leading = false;
    const events = new EventRecorder(kube, createLogger({ silent: true }), () => leading);

    expect(events.report('team-a/evil', rejected)).toBe(true);
    expect(events.report('team-a/evil', rejected)).toBe(false);
    expect(kube.recorded).toHaveLength(0);

    leading = true;
    expect(events.report('team-a/evil', rejected)).toBe(false);
    await events.flush();
    expect(kube.recorded).toEqual([rejected]);

    expect(events.report('team-a/evil', rejected)).toBe(false);
    await events.flush();
    expect(kube.recorded).toHaveLength(1);
  });

  it('a leader records each state change once', async () => {
    const kube = new RecordingKube();
    const events = new EventRecorder(kube, createLogger({ silent: true }), () => true);
    expect(events.report('k', rejected)).toBe(true);
    expect(events.report('k', rejected)).toBe(false);
    expect(events.report('k', { ...rejected, message: 'other' })).toBe(true);
    events.forget('k');
    expect(events.report('k', rejected)).toBe(true);
    await events.flush();
    expect(kube.recorded.map((e) => e.message)).toEqual(['NamespaceNotTrusted: …', 'other', 'NamespaceNotTrusted: …']);
  });
});
