// The architecture as a test: each folder of src/ is one stage, imports go only downward (to an earlier stage in
// LAYERS), no file takes part in an import cycle, and the generic operators know nothing of Kubernetes.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '../../..');

/** From the bottom up (a folder, or one file); each may import from its own stage and the ones before it. */
const LAYERS = [
  'src/version.ts', // the package's version, which logs, metrics and --version print
  'operators', // generic RxJS operators
  'src/retry', // backoff
  'src/kube', // the API adapter and the objects it returns
  'src/observe', // logs, metrics, Events
  'src/discovery', // Service -> candidate
  'src/health', // candidate -> verdict
  'src/toolset', // candidate -> HolmesGPT entry
  'src/config', // the operator's settings
  'src/reconcile', // the plan: candidates, verdicts and entries -> the document
  'src/output', // writers: ConfigMap, NetworkPolicy, HolmesGPT reloads
  'src/leader', // leader election
  'src/controller', // the pipeline that wires it together
  'src/cli', // commands
  'src', // main.ts
] as const;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const FILES = [...sources('src'), ...sources('operators')].sort();

function layerOf(file: string): number {
  const folder = dirname(file);
  const index = LAYERS.findIndex((layer) => file === layer || folder === layer || (layer !== 'src' && folder.startsWith(`${layer}/`)));
  if (index === -1) throw new Error(`${file} is in no layer of LAYERS`);
  return index;
}

/** Every import and re-export of a file: relative ones resolved to repository paths, packages as named. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return importedFiles.map(({ fileName }) => (fileName.startsWith('.') ? normalize(join(dirname(file), fileName)) : fileName));
}

const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

describe('the layers of src/', () => {
  it('every file imports only from its own stage or an earlier one', () => {
    const upward = FILES.flatMap((f) => (GRAPH.get(f) ?? [])
      .filter((to) => GRAPH.has(to) && layerOf(to) > layerOf(f))
      .map((to) => `${f} -> ${to} (${LAYERS[layerOf(f)]} may not use ${LAYERS[layerOf(to)]})`));
    expect(upward).toEqual([]);
  });

  it('no file takes part in an import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const to of GRAPH.get(file) ?? []) {
        if (!GRAPH.has(to)) continue;
        if (state.get(to) === 'open') cycles.push([...path.slice(path.indexOf(to)), to].join(' -> '));
        else if (!state.has(to)) visit(to);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const f of FILES) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('the generic operators import neither the Kubernetes client nor anything of src/', () => {
    const offending = FILES.filter((f) => f.startsWith('operators/'))
      .flatMap((f) => (GRAPH.get(f) ?? []).filter((to) => to.startsWith('@kubernetes/') || to.startsWith('src/')).map((to) => `${f} -> ${to}`));
    expect(offending).toEqual([]);
  });

  it('the check itself sees the imports (a known downward edge is found)', () => {
    expect(GRAPH.get('src/controller/watches.ts')).toContain('src/kube/reflector.ts');
  });
});
