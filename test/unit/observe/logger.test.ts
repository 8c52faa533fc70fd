import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, objectRef } from '../../../src/observe/logger.ts';

/** The lines a logger writes, through a stream transport in place of the console. */
function captured(format: 'json' | 'text'): { log: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ format });
  log.clear();
  log.add(new winston.transports.Stream({ stream: new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString().trimEnd()); done(); } }) }));
  return { log, lines };
}

describe('logs', () => {
  it('name every object the same way: kind, and namespace/name', () => {
    expect(objectRef('Service', 'shop', 'api')).toEqual({ kind: 'Service', object: 'shop/api' });
    expect(objectRef('Namespace', undefined, 'shop')).toEqual({ kind: 'Namespace', object: 'shop' });
  });

  it('json: one object per line with level, message, time and the context', () => {
    const { log, lines } = captured('json');
    log.warn('Service rejected', { ...objectRef('Service', 'shop', 'api'), reason: 'UnknownType' });
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', message: 'Service rejected', kind: 'Service', object: 'shop/api', reason: 'UnknownType' });
    expect(line.time).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  });

  it('text: one readable line, whatever stderr is', () => {
    const { log, lines } = captured('text');
    log.info('ConfigMap written', { ...objectRef('ConfigMap', 'kubernaut-system', 'kubernaut-toolset-config') });
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info {2}ConfigMap written \{"kind":"ConfigMap","object":"kubernaut-system\/kubernaut-toolset-config"\}$/);
  });
});
