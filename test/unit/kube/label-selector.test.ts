import { describe, expect, it } from '@jest/globals';
import { labelSelectorText, toConsumerPod } from '../../../src/kube/convert.ts';

describe("a Deployment's selector as a list selector", () => {
  it('writes matchLabels and every matchExpressions operator in the API server syntax', () => {
    expect(labelSelectorText({
      matchLabels: { app: 'holmes' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['agent', 'api'] }, { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'managed', operator: 'Exists' }, { key: 'canary', operator: 'DoesNotExist' },
      ],
    })).toBe('app=holmes,tier in (agent,api),env notin (dev),managed,!canary');
  });

  it('refuses an empty selector (it would select every pod of the namespace) and an unknown operator', () => {
    expect(() => labelSelectorText({})).toThrow('the Deployment has an empty selector');
    expect(() => labelSelectorText(undefined)).toThrow('the Deployment has an empty selector');
    expect(() => labelSelectorText({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toThrow('unsupported label selector operator "Gt"');
  });
});

describe('a consumer pod', () => {
  const running = { phase: 'Running', podIP: '10.0.0.9', conditions: [{ type: 'Ready', status: 'True' }] };
  it('is ready only when Running, Ready and not terminating', () => {
    expect(toConsumerPod({ metadata: { name: 'a', namespace: 'h', uid: 'u' }, status: running })).toEqual({ name: 'a', namespace: 'h', uid: 'u', ready: true, ip: '10.0.0.9', annotations: {} });
    expect(toConsumerPod({ metadata: { name: 'a', deletionTimestamp: new Date() }, status: running }).ready).toBe(false);
    expect(toConsumerPod({ metadata: { name: 'a' }, status: { ...running, conditions: [{ type: 'Ready', status: 'False' }] } }).ready).toBe(false);
    expect(toConsumerPod({ metadata: { name: 'a' }, status: { phase: 'Pending' } })).toEqual({ name: 'a', namespace: '', uid: '', ready: false, annotations: {} });
  });
});
