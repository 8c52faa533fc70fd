import type { RejectionReason } from '../../src/discovery/candidate.ts';
import { templateToken } from '../../src/discovery/untrusted-text.ts';
import { seededRandom } from './seeded-random.ts';

export interface MalformedCase {
  /** What was broken, for failure messages. */
  label: string;
  annotations: Record<string, string>;
  expected: RejectionReason;
}

const INJECTIONS = ['$(reboot)', '`id`', '{{ env.SECRET }}', "'; rm -rf / #", '${HOME}', '\n- injected: yaml', '"quoted"', '%0d%0aX: y', '<script>'];
const UNICODE = ['ｅｎａｂｌｅｄ', 'enabled\u200b', 'прометей', '普罗米修斯', '🔥', '\u202emetsys', 'é', '\u0000'];

/** Each entry breaks exactly one annotation in a way detection must reject, with the reason it must give. */
const BREAKERS: { field: string; expected: RejectionReason; values: (pick: <T>(xs: T[]) => T) => string[]; dropEndpoint?: boolean }[] = [
  { field: 'kubernaut.io/toolset', expected: 'InvalidToolsetAnnotation', values: (pick) => ['1', 'yes', 'enable', 'ENABLED!', 'x'.repeat(100_000), pick(UNICODE), pick(INJECTIONS)] },
  { field: 'kubernaut.io/toolset-type', expected: 'UnknownType', values: (pick) => ['prometheus.metrics', 'grafana.loki', '__proto__', 'constructor', '42', 'y'.repeat(60_000), pick(UNICODE), pick(INJECTIONS)] },
  { field: 'kubernaut.io/toolset-type', expected: 'MissingType', values: () => ['', '   '] },
  { field: 'kubernaut.io/toolset-endpoint', expected: 'InvalidEndpoint', values: (pick) => [
    'not a url', 'ftp://127.0.0.1/x', 'http://user:pw@127.0.0.1', 'http://127.0.0.1/?q=1', 'http://127.0.0.1/#frag',
        // "$" survives URL parsing and is refused in a path (HolmesGPT would expand it from its environment).
    `http://127.0.0.1/${encodeURI(pick(INJECTIONS)).replace(/%/g, '$')}`, 'javascript:alert(1)', `http://127.0.0.1/${'p'.repeat(50_000)}$`,
  ] },
  { field: 'kubernaut.io/toolset-endpoint', expected: 'EndpointNotAllowed', values: () => ['http://evil.example.com', 'https://10.0.0.1:8443', 'http://metadata.google.internal', 'http://xn--nxasmq6b.example'] },
  { field: 'kubernaut.io/toolset-port', expected: 'InvalidPort', dropEndpoint: true, values: (pick) => ['0', '65536', '99999999999', 'http-nope', '-1', 'web.http', pick(UNICODE)] },
  { field: 'kubernaut.io/toolset-health-path', expected: 'InvalidHealthPath', values: () => ['no-slash', '//double', '/with space', '/frag#x', `/${'h'.repeat(2_000)}`, '\t/tab'] },
  { field: 'kubernaut.io/toolset-config', expected: 'InvalidConfig', values: (pick) => [
    '{bad json', '[1,2]', '"string"', 'null', `{"big": "${'z'.repeat(5_000)}"}`, `{"k": ${JSON.stringify(pick(INJECTIONS))}`, `${'['.repeat(9)}${']'.repeat(9)}`,
  ] },
  // Keys off the type's allow-list (a custom toolset takes none), dotted and empty ones included.
  { field: 'kubernaut.io/toolset-config', expected: 'ConfigKeyNotAllowed', values: () => ['{"a.b": 1}', '{"": 1}', '{"nested": {"x.y": true}}', '{"api_key": "x"}', '{"instances": []}'] },
  { field: 'kubernaut.io/toolset-priority', expected: 'InvalidPriority', values: (pick) => ['1.5', 'high', '9999999999', '1e3', '0x10', '١٢', '', pick(INJECTIONS)] },
  { field: 'kubernaut.io/toolset-description', expected: 'InvalidDescription', values: (pick) => ['😀'.repeat(501), `${pick(INJECTIONS)}${'d'.repeat(600)}`, 'ж'.repeat(1_000)] },
];

/**
 * `count` malformed annotation sets: a valid custom toolset on `endpoint`, with exactly one annotation broken
 * (wrong type, huge, unicode, injection, dotted), plus harmless decoration (foreign annotations with the same
 * hostile strings) that must not matter.
 */
export function malformedAnnotationSets(count: number, seed: number, endpoint: string): MalformedCase[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const breaker = BREAKERS[i % BREAKERS.length] ?? BREAKERS[0];
    if (!breaker) throw new Error('no breakers');
    const value = pick(breaker.values(pick));
    const annotations: Record<string, string> = {
      'kubernaut.io/toolset': 'enabled',
      'kubernaut.io/toolset-type': 'custom',
      ...(breaker.dropEndpoint ? {} : { 'kubernaut.io/toolset-endpoint': endpoint }),
      [`example.com/decoration-${i}`]: pick([...INJECTIONS, ...UNICODE]),
      [breaker.field]: value,
    };
    // Template syntax is refused before anything else looks at the value (SPEC §6).
    const expected = templateToken(value) ? 'TemplateNotAllowed' : breaker.expected;
    return { label: `${breaker.field}=${JSON.stringify(value.slice(0, 40))}`, annotations, expected };
  });
}
