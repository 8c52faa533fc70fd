import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { MARKER_PREFIX, outputDocument } from '../../../src/reconcile/output-document.ts';
import { contentHash, toolsetDocument } from '../../../src/toolset/document.ts';

const generated = { 'grafana/loki': { enabled: true, config: { api_url: 'http://loki.team-a.svc:3100' } } };

describe('outputDocument content marker (reload.confirm=marker)', () => {
  it('adds one disabled, tool-less toolset named after the hash of the rest of the file, and only when asked', () => {
    const plain = outputDocument(generated, undefined);
    const marked = outputDocument(generated, undefined, undefined, true);
    if (!plain.ok || !marked.ok) throw new Error('documents not ok');
    expect(plain.marker).toBeUndefined();
    expect(plain.content).not.toContain(MARKER_PREFIX);
    expect(marked.marker).toBe(`${MARKER_PREFIX}${contentHash(toolsetDocument(generated)).slice(0, 16)}`);
    const toolsets = (load(marked.content) as { toolsets: Record<string, Record<string, unknown>> }).toolsets;
    expect(Object.keys(toolsets).sort()).toEqual(['grafana/loki', marked.marker]);
    expect(toolsets[marked.marker as string]).toEqual({ enabled: false, description: expect.stringContaining('provides no tools') as unknown });
    expect(marked.hash).toBe(contentHash(marked.content));
    // The toolsets reported (status, Events) are the real ones only.
    expect(Object.keys(marked.toolsets)).toEqual(['grafana/loki']);
  });

  it('changes with every content change and only then', () => {
    const marker = (g: typeof generated) => {
      const d = outputDocument(g, undefined, undefined, true);
      return d.ok ? d.marker : d.error;
    };
    expect(marker(generated)).toBe(marker({ ...generated }));
    expect(marker(generated)).toMatch(new RegExp(`^${MARKER_PREFIX}[0-9a-f]{16}$`));
    expect(marker({ 'grafana/loki': { enabled: true, config: { api_url: 'http://loki.team-b.svc:3100' } } })).not.toBe(marker(generated));
  });
});
