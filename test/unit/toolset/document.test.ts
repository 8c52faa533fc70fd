import { describe, expect, it } from '@jest/globals';
import { toolsetDocument } from '../../../src/toolset/document.ts';
import { dumpForHolmesGPT } from '../../../src/toolset/holmes-yaml.ts';
import type { ToolsetsMap } from '../../../src/toolset/toolsets-map.ts';

/** What toolsetDocument must equal byte for byte: one dump of the whole map. */
const oneDump = (toolsets: ToolsetsMap) =>
  `${toolsetDocument({}).split('\n').slice(0, 2).join('\n')}\n${dumpForHolmesGPT({ toolsets }, { sortKeys: true, lineWidth: -1, noRefs: true })}`;

const tricky: ToolsetsMap = {
  'custom/ns/a': { enabled: true, description: 'multi\nline\n  indented\n', tools: [{ name: 't', command: "curl '{{ x }}'", parameters: { p: { type: 'string' } } }] },
  'prometheus/metrics': { enabled: true, config: { prometheus_url: 'http://p:9090', headers: { Authorization: 'Bearer {{ env.T }}' } } },
  'z/ns/b': { enabled: false, config: { n: 1, s: '1', empty: '', nothing: null, list: [], nested: { deep: [{ k: '  leading spaces' }] } } },
  'weird: key': { enabled: true, config: { 'quoted key': '#not a comment', yes: 'no' } },
  'dates/and/numbers': { enabled: true, config: { when: new Date('2024-01-02T03:04:05Z'), nan: Number.NaN, inf: Number.POSITIVE_INFINITY, big: 1e21 } },
};

describe('toolsetDocument', () => {
  it('writes the same bytes as one dump of the whole map, for tricky content', () => {
    expect(toolsetDocument(tricky)).toBe(oneDump(tricky));
  });

  it('stays exact when content changes between documents (pieces are reused only for identical content)', () => {
    const first = toolsetDocument(tricky);
    const changed: ToolsetsMap = {
      ...tricky,
      'custom/ns/a': { ...tricky['custom/ns/a'], description: 'changed' },
      'dates/and/numbers': { enabled: true, config: { when: '2024-01-02T03:04:05.000Z', nan: null, inf: null, big: 1e21 } },
    };
    expect(toolsetDocument(changed)).toBe(oneDump(changed));
    expect(toolsetDocument(changed)).not.toBe(first);
    expect(toolsetDocument(tricky)).toBe(first);
  });

  it('writes an empty map the way one dump does', () => {
    expect(toolsetDocument({})).toBe(oneDump({}));
  });
});
