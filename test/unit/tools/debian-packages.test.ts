// tools/setup/debian-packages.sh: the one list of Debian packages, checked before Jest so that a missing program is
// one clear message with the exact apt-get line, never a bare ENOENT in the middle of a test.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(import.meta.dirname, '../../../tools/setup/debian-packages.sh');
const standins = join(import.meta.dirname, '../../support/standin-toolchain');
let bare: string;

beforeAll(() => {
  // A PATH with no program of the list (only what the script itself runs: id, as root).
  bare = mkdtempSync(join(tmpdir(), 'kubernaut-bare-path-'));
  symlinkSync(join(standins, 'id'), join(bare, 'id'));
});
afterAll(() => rmSync(bare, { recursive: true, force: true }));

function check(groups: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('/bin/bash', [script, ...groups], {
    encoding: 'utf8',
    env: { PATH: bare, HOLMESGPT_PYTHON: join(bare, 'no-python'), KUBERNAUT_NO_APT: '1', ...env },
  });
}

describe('debian-packages.sh', () => {
  it('names every missing package of the test group in one exact apt-get line and exits 1 without installing', () => {
    const out = check(['test']);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('missing Debian packages: openssl util-linux mount prometheus victoria-metrics python3-venv\n');
    expect(out.stderr).toContain('  apt-get update && apt-get install -y --no-install-recommends openssl util-linux mount prometheus victoria-metrics python3-venv\n');
  });

  it('e2e is the test group plus the image and node packages, each named once', () => {
    const out = check(['e2e']);
    expect(out.status).toBe(1);
    const line = /apt-get install -y --no-install-recommends (.*)\n/.exec(out.stderr)?.[1]?.split(' ');
    // Programs are looked up on PATH (bare here); headers and the keyring are files, which this host may have.
    const unlessPresent = (file: string, pkg: string) => (existsSync(file) ? [] : [pkg]);
    expect(line).toEqual(['openssl', 'util-linux', 'mount', 'prometheus', 'victoria-metrics', 'python3-venv', 'buildah', 'debootstrap',
      ...unlessPresent('/usr/share/keyrings/debian-archive-keyring.gpg', 'debian-archive-keyring'), 'iptables', 'conntrack', 'gcc',
      ...unlessPresent('/usr/include/stdio.h', 'libc6-dev'), ...unlessPresent('/usr/include/seccomp.h', 'libseccomp-dev'), 'ipset']);
  });

  it('exits 0 and prints nothing when every program is there', () => {
    const out = check(['test'], { PATH: process.env.PATH, HOLMESGPT_PYTHON: 'python3' });
    // The machines that run this suite have the test group (the pretest step installed it).
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('refuses an unknown group with exit 2', () => {
    const out = check(['tests']);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("unknown group 'tests' (test, image, node, e2e)");
  });
});
