/**
 * What the image scripts print on stdout, read the one way their callers (the e2e globalSetup, the cold-build test)
 * read it: an archive path, or `name=<archive> <ref>` lines.
 */
export interface ImageArchive {
  archive: string;
  ref: string;
}

function lines(stdout: string): string[] {
  return stdout.trim().split('\n').filter((line) => line !== '');
}

/** tools/image/build.sh: the archive is the last line. */
export function productionImageArchive(stdout: string): string {
  const archive = lines(stdout).at(-1);
  if (!archive) throw new Error('tools/image/build.sh printed no archive path');
  return archive;
}

function named(stdout: string, script: string, names: string[]): Record<string, ImageArchive> {
  const found: Record<string, ImageArchive> = {};
  for (const line of lines(stdout)) {
    const m = /^([a-z]+)=(\S+) (\S+)$/.exec(line);
    if (m?.[1] && m[2] && m[3]) found[m[1]] = { archive: m[2], ref: m[3] };
  }
  const missing = names.filter((name) => !found[name]);
  if (missing.length > 0) throw new Error(`${script} printed no ${missing.join('/')}=<archive> <ref>: ${stdout}`);
  return found;
}

/** tools/e2e/build-test-images.sh: `hello=…` and `prometheus=…`. */
export function testImageArchives(stdout: string): { hello: ImageArchive; prometheus: ImageArchive } {
  const found = named(stdout, 'tools/e2e/build-test-images.sh', ['hello', 'prometheus']);
  return { hello: found.hello as ImageArchive, prometheus: found.prometheus as ImageArchive };
}

/** tools/e2e/build-holmes-image.sh: `holmesgpt=…`. */
export function holmesImageArchive(stdout: string): ImageArchive {
  return named(stdout, 'tools/e2e/build-holmes-image.sh', ['holmesgpt']).holmesgpt as ImageArchive;
}

/** tools/holmesgpt/setup.sh: the venv's python is the last line. */
export function holmesVenvPython(stdout: string): string {
  const python = lines(stdout).at(-1);
  if (!python) throw new Error('tools/holmesgpt/setup.sh printed no python path');
  return python;
}
