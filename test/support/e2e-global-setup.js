// Plain JavaScript for the same reason as global-setup.js (Node's own loader runs the TypeScript tools).
// The end-to-end suite's setup: builds the production image (tools/image/build.sh) and the small test images
// (tools/e2e/build-test-images.sh) while a control plane with a real node starts, then imports the archives into
// the node's containerd. Nothing is pulled from a registry: every pod says imagePullPolicy: Never.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down, liveOwner, up } from '../../tools/control-plane/control-plane.ts';
import { ctr, importImages } from '../../tools/control-plane/node-containerd.ts';
import { holmesImageArchive, productionImageArchive, testImageArchives } from '../../tools/e2e/script-output.ts';
import { E2E_CLUSTER_NAME, e2eImagesFile } from './e2e-cluster.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line) => process.stderr.write(`\n[e2e setup] ${line}`);

/** Runs a script; resolves with its stdout, rejects with the tail of its stderr. */
function script(file, args = []) {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(repo, file), ...args], { cwd: repo, maxBuffer: 64 << 20, timeout: 30 * 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} failed (${error.message.split('\n')[0]}):\n${stderr.split('\n').slice(-25).join('\n')}`));
      else resolve(stdout);
    });
  });
}

export default async function globalSetup() {
  const other = liveOwner(E2E_CLUSTER_NAME);
  if (other !== undefined && other !== process.pid) {
    throw new Error(`control plane "${E2E_CLUSTER_NAME}" belongs to another e2e run (pid ${other}); one node per machine, wait for it`);
  }
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  const operatorImage = script('tools/image/build.sh').then((out) => {
    log(`production image built in ${seconds()}s`);
    return productionImageArchive(out);
  });
  const testImages = script('tools/e2e/build-test-images.sh').then(testImageArchives);
  const holmesImage = script('tools/e2e/build-holmes-image.sh').then(holmesImageArchive);
  // No rejection may go unhandled while the node starts.
  for (const pending of [operatorImage, testImages, holmesImage]) pending.catch(() => {});

  const cp = await up({ name: E2E_CLUSTER_NAME, node: true, ownerPid: process.pid, progress: log });
  log(`${cp.reused ? 'reused' : 'started'} ${cp.version} with node "${cp.node.nodeName}" in ${seconds()}s`);
  try {
    const [archive, test, holmes] = await Promise.all([operatorImage, testImages, holmesImage]);
    await importImages(cp.node.binaries, cp.node.containerd, [archive, test.hello.archive, test.prometheus.archive, holmes.archive]);
    const present = (await ctr(cp.node.binaries, cp.node.containerd, ['images', 'ls', '-q'])).split('\n');
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    const operator = `ghcr.io/kubernaut/kubernaut-toolset:${version}`;
    for (const ref of [operator, test.hello.ref, test.prometheus.ref, holmes.ref]) {
      const full = ref.includes('/') && ref.split('/')[0].includes('.') ? ref : `docker.io/${ref}`;
      if (!present.includes(ref) && !present.includes(full)) throw new Error(`image ${ref} is not in the node's containerd after import: ${present.join(' ')}`);
    }
    writeFileSync(e2eImagesFile(cp), JSON.stringify({ operator, hello: test.hello.ref, prometheus: test.prometheus.ref, holmesgpt: holmes.ref }));
    log(`images imported (${operator}, ${test.hello.ref}, ${test.prometheus.ref}, ${holmes.ref}); setup took ${seconds()}s\n`);
  } catch (error) {
    // The node holds iptables chains and a bridge: do not leave it to the next run's sweep.
    if (process.env.KUBERNAUT_KEEP_TEST_CLUSTER !== '1') await down(E2E_CLUSTER_NAME);
    throw error;
  }
}
