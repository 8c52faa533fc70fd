import { describe, expect, it } from '@jest/globals';
import type { EventRecord } from '../../../src/kube/objects.ts';
import { EventRecorder, outputEventKey, serviceEventKey } from '../../../src/observe/events.ts';
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

    expect(events.report('service:team-a/evil', rejected)).toBe(true);
    expect(events.report('service:team-a/evil', rejected)).toBe(false);
    expect(kube.recorded).toHaveLength(0);

    leading = true;
    expect(events.report('service:team-a/evil', rejected)).toBe(false);
    await events.flush();
    expect(kube.recorded).toEqual([rejected]);

    expect(events.report('service:team-a/evil', rejected)).toBe(false);
    await events.flush();
    expect(kube.recorded).toHaveLength(1);
  });

  it('a leader records each state change once', async () => {
    const kube = new RecordingKube();
    const events = new EventRecorder(kube, createLogger({ silent: true }), () => true);
    expect(events.report('service:k', rejected)).toBe(true);
    expect(events.report('service:k', rejected)).toBe(false);
    expect(events.report('service:k', { ...rejected, message: 'other' })).toBe(true);
    events.forget('service:k');
    expect(events.report('service:k', rejected)).toBe(true);
    await events.flush();
    expect(kube.recorded.map((e) => e.message)).toEqual(['NamespaceNotTrusted: …', 'other', 'NamespaceNotTrusted: …']);
  });
});

describe('EventRecorder keys', () => {
  it('content A→B→A→B→A: one ToolsetConfigUpdated per change, and one key whatever the history', async () => {
    const kube = new RecordingKube();
    const events = new EventRecorder(kube, createLogger({ silent: true }), () => true);
    const updated = (hash: string): EventRecord => ({
      regarding: { kind: 'ConfigMap', apiVersion: 'v1', namespace: 'ops', name: 'holmes-toolsets' },
      type: 'Normal', reason: 'ToolsetConfigUpdated', message: `toolset.yaml updated: 1 toolsets, sha256 ${hash}`,
    });
    const isNew = ['A', 'B', 'A', 'B', 'A'].map((hash) => events.report(outputEventKey('Updated'), updated(hash)));
    await events.flush();
    expect(isNew).toEqual([true, true, true, true, true]);
    expect(kube.recorded.map((e) => e.message.slice(-1))).toEqual(['A', 'B', 'A', 'B', 'A']);
    expect(events.size).toBe(1);
  });

  it('retainServices forgets the Services that vanished and keeps the output topics', () => {
    const events = new EventRecorder(new RecordingKube(), createLogger({ silent: true }), () => false);
    events.report(serviceEventKey('a/x'), rejected);
    events.report(serviceEventKey('a/y'), rejected);
    events.report(outputEventKey('WriteProblem'), { ...rejected, reason: 'ToolsetConfigWriteFailed' });
    events.retainServices(new Set([serviceEventKey('a/y')]));
    expect(events.size).toBe(2);
    expect(events.report(serviceEventKey('a/x'), rejected)).toBe(true);
    expect(events.report(serviceEventKey('a/y'), rejected)).toBe(false);
  });
});
