// `npm run cluster -- up|down|status|env [--name NAME] [--no-controller-manager] [--node]`: the local control plane for
// developers, tests and the demo.
import { parseArgs } from 'node:util';
import { resolveBinaries } from './binaries.ts';
import { resolveNodeBinaries } from './node-binaries.ts';
import { down, healthy, readState, sweepOrphans, up } from './control-plane.ts';

const usage = `Usage: npm run cluster -- <command> [options]

Commands:
  build    build (or find in the cache / KUBEBUILDER_ASSETS) etcd, kube-apiserver,
           kube-controller-manager and helm; print where they are
  up       build the binaries if needed (cached under ~/.cache/kubernaut-toolset), start etcd,
           kube-apiserver and kube-controller-manager on loopback, print the kubeconfig path.
           Reuses the control plane of that name when it is already healthy.
  down     stop it (whole process groups) and delete its files
  status   print its state as JSON; exit 1 when it is not running and healthy
  env      print "export KUBECONFIG=..." for eval in a shell
  sweep    remove control planes left behind by killed runs

Options:
  --name NAME                 which control plane (default: default)
  --no-controller-manager     start only etcd and kube-apiserver
  --node                      also run a real node (root only; one per machine): containerd, runc, bridge CNI,
                              kubelet, kube-proxy (iptables), kube-scheduler and CoreDNS, all built locally
                              (tools/node/build.sh); pods use locally imported images (imagePullPolicy: Never).
                              The API server then listens on the node address 10.244.0.1 instead of 127.0.0.1.
                              With build: build the node too.
  -h, --help                  this text

Environment:
  KUBEBUILDER_ASSETS          use etcd/kube-apiserver from this directory instead of building them
  KUBERNAUT_CACHE             build cache root (default ~/.cache/kubernaut-toolset)
  KUBERNAUT_RUN_DIR           where running control planes keep their files (default $TMPDIR/kubernaut-toolset-clusters)
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: 'default' },
      'no-controller-manager': { type: 'boolean', default: false },
      node: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(usage);
    return values.help ? 0 : 64;
  }
  const name = values.name;
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  switch (command) {
    case 'build': {
      const started = Date.now();
      const binaries = await resolveBinaries(progress);
      progress(`control-plane binaries ready in ${((Date.now() - started) / 1000).toFixed(1)}s (from ${binaries.source})`);
      const node = values.node ? await resolveNodeBinaries(progress) : undefined;
      if (node) progress(`node binaries and images ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      process.stdout.write(`${JSON.stringify(node ? { ...binaries, node } : binaries, null, 2)}\n`);
      return 0;
    }
    case 'up': {
      const started = Date.now();
      const cp = await up({ name, controllerManager: !values['no-controller-manager'], ...(values.node ? { node: true } : {}), progress });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      progress(
        cp.reused
          ? `control plane "${name}" already running (${cp.version}) at ${cp.apiServerUrl}`
          : `control plane "${name}"${cp.node ? ` with node "${cp.node.nodeName}"` : ''} ready in ${seconds}s: ${cp.version} at ${cp.apiServerUrl}, logs in ${cp.dir}`,
      );
      process.stdout.write(`${cp.kubeconfig}\n`);
      return 0;
    }
    case 'down':
      progress((await down(name)) ? `control plane "${name}" stopped` : `no control plane "${name}"`);
      return 0;
    case 'status': {
      const cp = readState(name);
      const ok = cp ? await healthy(cp) : false;
      process.stdout.write(`${JSON.stringify({ name, running: ok, ...(cp ?? {}) }, null, 2)}\n`);
      return ok ? 0 : 1;
    }
    case 'env': {
      const cp = readState(name);
      if (!cp) {
        progress(`no control plane "${name}"; run: npm run cluster -- up --name ${name}`);
        return 1;
      }
      process.stdout.write(`export KUBECONFIG=${cp.kubeconfig}\n`);
      return 0;
    }
    case 'sweep': {
      const removed = await sweepOrphans(progress);
      progress(`removed ${removed.length} orphaned control plane(s)`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${usage}`);
      return 64;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
