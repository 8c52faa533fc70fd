// Every build script against an empty cache, with the stand-in toolchain (test/support/standin-toolchain) first on
// PATH: seconds instead of the many minutes of a real cold build, and the only place a cold-path bug shows before a
// new machine meets it (the machines that run the suite keep warm caches).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { binariesIn, executable } from '../../../tools/control-plane/binaries.ts';
import { nodeBinariesIn } from '../../../tools/control-plane/node-binaries.ts';
import { holmesImageArchive, holmesVenvPython, productionImageArchive, testImageArchives } from '../../../tools/e2e/script-output.ts';

const root = join(import.meta.dirname, '../../..');
const standins = join(root, 'test/support/standin-toolchain');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kubernaut-cold-build-'));
  // The interpreter prefix the stand-in python3 reports (the HolmesGPT image copies its binary and standard library).
  mkdirSync(join(work, 'python/bin'), { recursive: true });
  mkdirSync(join(work, 'python/lib/python3.11'), { recursive: true });
  writeFileSync(join(work, 'python/bin/python3.11'), 'stand-in interpreter\n');
  writeFileSync(join(work, 'python/lib/python3.11/os.py'), '# stand-in standard library\n');
  writeFileSync(join(work, 'prometheus'), '#!/bin/sh\necho "prometheus, version 0.0.0 (stand-in)"\n');
  chmodSync(join(work, 'prometheus'), 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the stand-in go was asked to do, one invocation a line. */
  goCalls: string[];
  /** Scratch files the script left in its TMPDIR. */
  leftovers: string[];
}

/** Runs a build script with an empty (or the given) cache, the stand-ins first on PATH and a private TMPDIR. */
function build(script: string, cache: string, args: string[] = []): Run {
  const state = mkdtempSync(join(work, 'state-'));
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const out = spawnSync('bash', [join(root, script), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      PATH: `${standins}:${process.env.PATH ?? ''}`,
      KUBERNAUT_CACHE: cache,
      TMPDIR: tmp,
      STANDIN_STATE: state,
      STANDIN_PYTHON_PREFIX: join(work, 'python'),
      HOLMESGPT_PYTHON: 'python3',
      KUBERNAUT_E2E_PROMETHEUS: join(work, 'prometheus'),
      KUBERNAUT_NO_APT: '1',
    },
  });
  const goLog = join(state, 'go.log');
  return {
    status: out.status,
    stdout: out.stdout,
    stderr: out.stderr,
    goCalls: existsSync(goLog) ? readFileSync(goLog, 'utf8').trim().split('\n') : [],
    leftovers: readdirSync(tmp),
  };
}

function emptyCache(): string {
  return mkdtempSync(join(work, 'cache-'));
}

/** Exit 0, nothing left in TMPDIR; on failure the script's own words are in the message. */
function expectClean(run: Run): void {
  expect({ status: run.status, stderrTail: run.status === 0 ? '' : run.stderr.split('\n').slice(-15).join('\n') }).toEqual({ status: 0, stderrTail: '' });
  expect(run.leftovers).toEqual([]);
}

function nonEmptyFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile() && statSync(path).size > 0;
}


const lastLine = (stdout: string) => stdout.trim().split('\n').at(-1) ?? '';

describe('every build script completes against an empty cache', () => {
  it('tools/control-plane/build.sh leaves every program the control plane needs, and a second run builds nothing', () => {
    const cache = emptyCache();
    const first = build('tools/control-plane/build.sh', cache);
    expectClean(first);
    const dir = lastLine(first.stdout);
    expect(dir.startsWith(join(cache, 'control-plane'))).toBe(true);
    const found = binariesIn(dir, 'cache');
    expect(found && { controllerManager: found.kubeControllerManager !== undefined, helm: found.helm !== undefined })
      .toEqual({ controllerManager: true, helm: true });
    expect(first.goCalls.filter((c) => c.startsWith('build ') || c.startsWith('install ')).length).toBeGreaterThanOrEqual(4);

    const second = build('tools/control-plane/build.sh', cache);
    expectClean(second);
    expect(lastLine(second.stdout)).toBe(dir);
    expect(second.goCalls.filter((c) => c.startsWith('build ') || c.startsWith('install '))).toEqual([]);
  });

  it('tools/node/build.sh leaves every node program and both image archives, and a second run builds nothing', () => {
    const cache = emptyCache();
    const first = build('tools/node/build.sh', cache);
    expectClean(first);
    const bin = lastLine(first.stdout);
    expect(bin.startsWith(join(cache, 'node'))).toBe(true);
    const found = nodeBinariesIn(bin);
    expect(found).toBeDefined();
    expect([found?.images.pause.archive, found?.images.coredns.archive].every((a) => a !== undefined && nonEmptyFile(a))).toBe(true);

    const second = build('tools/node/build.sh', cache);
    expectClean(second);
    expect(second.goCalls.filter((c) => c.startsWith('build ') || c.startsWith('install '))).toEqual([]);
  });

  it('tools/backends/build.sh leaves the Jaeger binary the consumer tests start, with Jaeger\'s replace repeated', () => {
    const run = build('tools/backends/build.sh', emptyCache());
    expectClean(run);
    expect(executable(join(lastLine(run.stdout), 'jaeger-all-in-one'))).toBe(true);
    expect(run.goCalls).toContain('mod edit -replace=github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0');
  });

  it('tools/netpol/build.sh leaves the kube-router binary the network-policy e2e test starts', () => {
    const run = build('tools/netpol/build.sh', emptyCache());
    expectClean(run);
    expect(executable(join(lastLine(run.stdout), 'kube-router'))).toBe(true);
    expect(run.goCalls).toContain('install -trimpath -ldflags -s -w github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@v2.1.0');
  });

  it('tools/holmesgpt/setup.sh leaves a venv python and its install marker', () => {
    const run = build('tools/holmesgpt/setup.sh', emptyCache());
    expectClean(run);
    const python = holmesVenvPython(run.stdout);
    expect(executable(python)).toBe(true);
    expect(nonEmptyFile(join(dirname(dirname(dirname(python))), '.installed'))).toBe(true);
  });

  it('tools/e2e/build-test-images.sh leaves the hello and prometheus archives it names', () => {
    const run = build('tools/e2e/build-test-images.sh', emptyCache());
    expectClean(run);
    const { hello, prometheus } = testImageArchives(run.stdout);
    expect([hello.archive, prometheus.archive].map(nonEmptyFile)).toEqual([true, true]);
  });

  it('tools/e2e/build-holmes-image.sh (HolmesGPT set up first) leaves the archive it names', () => {
    const run = build('tools/e2e/build-holmes-image.sh', emptyCache());
    expectClean(run);
    expect(nonEmptyFile(holmesImageArchive(run.stdout).archive)).toBe(true);
  });

  it('tools/image/build.sh builds both stand-in bases and leaves the production archive it names', () => {
    const cache = emptyCache();
    const run = build('tools/image/build.sh', cache);
    expectClean(run);
    const archive = productionImageArchive(run.stdout);
    expect(archive.startsWith(join(cache, 'image'))).toBe(true);
    expect(nonEmptyFile(archive)).toBe(true);
    // The CycloneDX SBOM of the image's npm dependencies, beside the archive.
    const sbom = JSON.parse(readFileSync(archive.replace(/\.oci\.tar$/, '.cdx.json'), 'utf8')) as { bomFormat: string };
    expect(sbom.bomFormat).toBe('CycloneDX');
  });
});

describe('cache keys follow the build recipe', () => {
  it.each([
    ['tools/control-plane/build.sh', '--print-dir'],
    ['tools/node/build.sh', '--print-dir'],
    ['tools/backends/build.sh', '--print-dir'],
    ['tools/netpol/build.sh', '--print-dir'],
    ['tools/holmesgpt/setup.sh', '--print-python'],
  ])('%s names a cache directory that carries the hash of its scripts', (script, flag) => {
    const run = build(script, emptyCache(), [flag]);
    expectClean(run);
    expect(lastLine(run.stdout)).toMatch(/[-_](recipe-)?[0-9a-f]{12}\//);
  });
});
