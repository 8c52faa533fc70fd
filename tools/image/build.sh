#!/usr/bin/env bash
# `npm run image`: builds the production image from the repo's Dockerfile with buildah (no Docker daemon, no
# registry) and exports it as an OCI archive. See --help.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

usage() {
  cat <<EOF
Usage: npm run image [-- OPTIONS]     (or: bash tools/image/build.sh [OPTIONS])

Builds the production image from ./Dockerfile with buildah (buildah bud --isolation chroot --network host, the
host CA bundle mounted read-only for npm ci) and exports it as an OCI archive.

No registry is reachable here, so the Dockerfile's bases are LOCAL STAND-INS built by this script under the same
names (they are not the upstream images):
  node:24-slim                                  debootstrap --variant=minbase $DEBIAN_SUITE + node $NODE_VERSION
                                                (node_modules/node/bin/node) + npm $NPM_VERSION; it carries the host CA
                                                bundle (NODE_EXTRA_CA_CERTS) for the build stages only.
  gcr.io/distroless/nodejs24-debian12:nonroot   glibc, libstdc++, libgcc_s, Debian's ca-certificates, tzdata,
                                                /etc/passwd with nonroot (65532), /nodejs/bin/node; no shell.
They are cached under \$KUBERNAUT_CACHE/image/<key> (key from tools/image/versions.env), so a second run is fast.

Options:
  -o, --output FILE   OCI archive to write (default: \$KUBERNAUT_IMAGE_ARCHIVE, else
                      \$KUBERNAUT_CACHE/image/kubernaut-toolset-<version>.oci.tar)
      --no-verify     skip the smoke test (node dist/src/main.js --version as uid 65532 in the built image)
      --rebuild-bases rebuild the stand-in bases even if cached
  -h, --help          this text

Environment: KUBERNAUT_CACHE (default \$HOME/.cache/kubernaut-toolset), KUBERNAUT_IMAGE_ARCHIVE.
Needs root and the Debian packages buildah and debootstrap: installed with apt-get when missing and running as root
(set KUBERNAUT_NO_APT=1 to fail instead).
Tags: <helm image.registry>/<image.repository>:<chart appVersion> and localhost/kubernaut-toolset:dev.
EOF
}

cache_root=${KUBERNAUT_CACHE:-$HOME/.cache/kubernaut-toolset}
archive=${KUBERNAUT_IMAGE_ARCHIVE:-}
verify=1
rebuild_bases=0
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    -o|--output) [ $# -ge 2 ] || { echo "image: $1 needs a FILE" >&2; exit 2; }; archive=$2; shift ;;
    --output=*) archive=${1#--output=} ;;
    --no-verify) verify=0 ;;
    --rebuild-bases) rebuild_bases=1 ;;
    *) echo "image: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

t0=$(date +%s)
step() { printf '[image %3ss] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }
die() { echo "image: error: $*" >&2; exit 1; }

# --- prerequisites -----------------------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "must run as root (buildah storage in /var/lib/containers, debootstrap, chroot isolation)"
bash "$repo/tools/setup/debian-packages.sh" image || die "the Debian packages above are needed"
host_ca=/etc/ssl/certs/ca-certificates.crt
[ -s "$host_ca" ] || die "no host CA bundle at $host_ca (npm ci in the build goes through the TLS-intercepting proxy)"

# Node binary: the `node` devDependency's, checked against versions.env.
node_bin=$repo/node_modules/node/bin/node
[ -x "$node_bin" ] || node_bin=$(find "$repo/node_modules" -path '*/node/bin/node' -type f -perm -u+x 2>/dev/null | head -n1)
[ -n "$node_bin" ] && [ -x "$node_bin" ] || die "no node binary in node_modules: run npm ci first (devDependency node@$NODE_VERSION)"
v=$("$node_bin" --version)
[ "$v" = "v$NODE_VERSION" ] || die "$node_bin is $v, tools/image/versions.env wants v$NODE_VERSION"

# Image name: the chart's default (values.yaml image.registry/image.repository, tag = Chart appVersion).
chart=$repo/helm/kubernaut-toolset
registry=$(sed -n '/^image:/,/^[^ ]/{s/^  registry: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p}' "$chart/values.yaml")
repository=$(sed -n '/^image:/,/^[^ ]/{s/^  repository: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p}' "$chart/values.yaml")
app_version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$chart/Chart.yaml")
[ -n "$repository" ] && [ -n "$app_version" ] || die "cannot read image.repository / appVersion from $chart"
image=${registry:+$registry/}$repository:$app_version
dev_image=localhost/kubernaut-toolset:dev
archive=${archive:-$cache_root/image/kubernaut-toolset-$app_version.oci.tar}

# The stand-ins are keyed by the pins and by this script and versions.env, so any change to how they are made
# rebuilds them (no revision to remember to bump).
recipe=$(cat "$here/build.sh" "$here/versions.env" | sha256sum | cut -c1-12)
key="${DEBIAN_SUITE}-minbase_node-${NODE_VERSION}_npm-${NPM_VERSION}_recipe-${recipe}"
keydir=$cache_root/image/$key
mkdir -p "$keydir" "$(dirname "$archive")"
# Two runs at once would race on the cache and the tags: the second waits for the first.
exec 9>"$cache_root/image/.lock"
flock 9

node_base=docker.io/library/node:24-slim
runtime_base=gcr.io/distroless/nodejs24-debian12:nonroot
ca_hash=$(sha256sum "$host_ca" | cut -c1-12)
node_key="$key;ca-$ca_hash"
runtime_key=$key
label=io.kubernaut.standin.key

# --- Debian rootfs (debootstrap), shared by both stand-ins ------------------------------------------------------------
rootfs_tar=$keydir/rootfs.tar
rootfs=$keydir/rootfs
if [ ! -s "$rootfs_tar" ] || [ "$rebuild_bases" = 1 ]; then
  step "debootstrap --variant=minbase $DEBIAN_SUITE (ca-certificates, tzdata) from $DEBIAN_MIRROR"
  rm -rf "$rootfs" "$rootfs.tmp"
  debootstrap --variant=minbase --include=ca-certificates,tzdata "$DEBIAN_SUITE" "$rootfs.tmp" "$DEBIAN_MIRROR" \
    >"$keydir/debootstrap.log" 2>&1 || { tail -n 20 "$keydir/debootstrap.log" >&2; die "debootstrap failed (log: $keydir/debootstrap.log)"; }
  # What a slim base does not carry: downloaded .debs, apt lists, docs, man pages.
  rm -rf "$rootfs.tmp"/var/cache/apt/archives/*.deb "$rootfs.tmp"/var/cache/apt/*.bin "$rootfs.tmp"/var/lib/apt/lists/* \
    "$rootfs.tmp"/usr/share/doc/* "$rootfs.tmp"/usr/share/man/* "$rootfs.tmp"/usr/share/info/* "$rootfs.tmp"/var/log/*.log
  mv "$rootfs.tmp" "$rootfs"
  tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
elif [ ! -d "$rootfs" ]; then
  mkdir -p "$rootfs.tmp" && tar -C "$rootfs.tmp" --numeric-owner -xf "$rootfs_tar" && mv "$rootfs.tmp" "$rootfs"
fi

# standin_ready NAME KEY ARCHIVE: true when NAME is in buildah's storage with KEY, or could be loaded from ARCHIVE.
standin_ready() {
  local name=$1 want=$2 file=$3 have id
  [ "$rebuild_bases" = 1 ] && return 1
  have=$(buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$label\"}}" "$name" 2>/dev/null || true)
  [ "$have" = "$want" ] && return 0
  [ -s "$file" ] || return 1
  id=$(buildah pull --quiet "oci-archive:$file") || return 1
  buildah tag "$id" "$name"
  have=$(buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$label\"}}" "$name" 2>/dev/null || true)
  [ "$have" = "$want" ]
}

# commit_standin CTR NAME KEY ARCHIVE DESCRIPTION
commit_standin() {
  local ctr=$1 name=$2 want=$3 file=$4 desc=$5
  buildah config --label "$label=$want" \
    --label "org.opencontainers.image.description=LOCAL STAND-IN for $name, built by tools/image/build.sh: $desc" "$ctr"
  buildah commit --quiet --rm "$ctr" "$name" >/dev/null
  rm -f "$file"
  buildah push --quiet "$name" "oci-archive:$file.tmp:$name" && mv "$file.tmp" "$file"
}

# --- stand-in for node:24-slim (the build stages) -----------------------------------------------------------------
node_archive=$keydir/node-24-slim_ca-$ca_hash.oci.tar
if standin_ready "$node_base" "$node_key" "$node_archive"; then
  step "stand-in $node_base: cached ($key, CA $ca_hash)"
else
  step "stand-in $node_base: building (LOCAL STAND-IN, not the Docker Hub image)"
  npm_tgz=$keydir/npm-$NPM_VERSION.tgz
  if [ ! -s "$npm_tgz" ]; then
    (cd "$keydir" && npm pack --silent --prefer-offline "npm@$NPM_VERSION" >/dev/null) || die "npm pack npm@$NPM_VERSION failed"
  fi
  stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
  install -D -m 0755 "$node_bin" "$stage/usr/local/bin/node"
  mkdir -p "$stage/usr/local/lib/node_modules/npm"
  tar -C "$stage/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "$npm_tgz"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/local/bin/npx"
  # The host bundle includes the egress proxy's CA: only the build stages see it (the runtime base is separate).
  install -D -m 0644 "$host_ca" "$stage/usr/local/share/kubernaut-build-ca/ca-certificates.crt"
  tar -C "$stage" --numeric-owner --owner=0 --group=0 -cf "$keydir/node-overlay.tar" .
  rm -rf "$stage"; trap - EXIT
  ctr=$(buildah from --quiet scratch)
  buildah add --quiet "$ctr" "$rootfs_tar" / >/dev/null
  buildah add --quiet "$ctr" "$keydir/node-overlay.tar" / >/dev/null
  rm -f "$keydir/node-overlay.tar"
  buildah config --os linux --arch amd64 \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" \
    --env NODE_EXTRA_CA_CERTS=/usr/local/share/kubernaut-build-ca/ca-certificates.crt \
    --env npm_config_update_notifier=false \
    --cmd node "$ctr"
  commit_standin "$ctr" "$node_base" "$node_key" "$node_archive" \
    "debootstrap --variant=minbase $DEBIAN_SUITE + node $NODE_VERSION + npm $NPM_VERSION + the build host's CA bundle"
  # Short-name lookups of node:24-slim also try localhost/.
  buildah tag "$node_base" localhost/node:24-slim
fi

# --- stand-in for gcr.io/distroless/nodejs24-debian12:nonroot (the runtime) ----------------------------------------
runtime_archive=$keydir/distroless-nodejs24-debian12-nonroot.oci.tar
if standin_ready "$runtime_base" "$runtime_key" "$runtime_archive"; then
  step "stand-in $runtime_base: cached ($key)"
else
  step "stand-in $runtime_base: building (LOCAL STAND-IN, not Google's distroless image)"
  stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
  lib=usr/lib/x86_64-linux-gnu
  mkdir -p "$stage/$lib" "$stage/usr/lib64" "$stage/etc/ssl/certs" "$stage/usr/share" "$stage/tmp" \
    "$stage/home/nonroot" "$stage/root" "$stage/nodejs/bin"
  ln -s usr/lib "$stage/lib"; ln -s usr/lib64 "$stage/lib64"
  # Exactly the shared libraries node links against (from the Debian rootfs, dereferenced), and the loader.
  for so in $(ldd "$node_bin" | awk '$1 ~ /^lib/ {print $1}') ld-linux-x86-64.so.2; do
    cp -L "$rootfs/$lib/$so" "$stage/$lib/$so" || die "missing $so in the $DEBIAN_SUITE rootfs"
  done
  ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$stage/usr/lib64/ld-linux-x86-64.so.2"
  install -m 0755 "$node_bin" "$stage/nodejs/bin/node"
  # Debian's ca-certificates bundle (Mozilla roots), NOT the host's bundle with the proxy CA.
  cp -L "$rootfs/etc/ssl/certs/ca-certificates.crt" "$stage/etc/ssl/certs/ca-certificates.crt"
  cp -a "$rootfs/usr/share/zoneinfo" "$stage/usr/share/zoneinfo"
  cp "$rootfs/etc/os-release" "$stage/etc/os-release"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$stage/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >"$stage/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$stage/etc/nsswitch.conf"
  chmod 1777 "$stage/tmp"; chmod 0700 "$stage/root" "$stage/home/nonroot"
  tar -C "$stage" --numeric-owner --owner=0 --group=0 --exclude=./home/nonroot -cf "$keydir/runtime.tar" .
  tar -C "$stage" --numeric-owner --owner=65532 --group=65532 -rf "$keydir/runtime.tar" ./home/nonroot
  rm -rf "$stage"; trap - EXIT
  ctr=$(buildah from --quiet scratch)
  buildah add --quiet "$ctr" "$keydir/runtime.tar" / >/dev/null
  rm -f "$keydir/runtime.tar"
  buildah config --os linux --arch amd64 \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --user 65532 --workingdir /home/nonroot --entrypoint '["/nodejs/bin/node"]' "$ctr"
  commit_standin "$ctr" "$runtime_base" "$runtime_key" "$runtime_archive" \
    "glibc/libstdc++ from debootstrap $DEBIAN_SUITE + node $NODE_VERSION at /nodejs/bin/node, user 65532, no shell"
fi

# --- the image ---------------------------------------------------------------------------------------------------
git_commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  step "note: the working tree has uncommitted changes; they are built, the image says commit $git_commit"
fi
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
step "buildah bud $image (isolation chroot, network host, bases: the local stand-ins above)"
buildah bud --isolation chroot --network host --pull=never --layers \
  --volume "$host_ca:/etc/ssl/certs/ca-certificates.crt:ro" \
  --build-arg GIT_COMMIT="$git_commit" --build-arg BUILD_DATE="$build_date" --build-arg VERSION="$app_version" \
  --tag "$image" --tag "$dev_image" \
  -f "$repo/Dockerfile" "$repo" || die "buildah bud failed"

step "exporting oci-archive:$archive:$image"
rm -f "$archive.tmp"
buildah push --quiet "$image" "oci-archive:$archive.tmp:$image" >/dev/null
mv "$archive.tmp" "$archive"

# The image's npm dependencies (what `npm ci --omit=dev` in the Dockerfile installs, from the same lockfile) as a
# CycloneDX SBOM beside the archive.
sbom=${archive%.oci.tar}.cdx.json
step "SBOM: $sbom (npm sbom, CycloneDX, production dependencies)"
(cd "$repo" && npm sbom --sbom-format cyclonedx --sbom-type application --omit dev) >"$sbom.tmp" || die "npm sbom failed"
mv "$sbom.tmp" "$sbom"

if [ "$verify" = 1 ]; then
  step "smoke test: node dist/src/main.js --version as 65532:65532 (buildah run --isolation chroot)"
  ctr=$(buildah from --quiet --pull=never "$image")
  out=$(buildah run --isolation chroot --user 65532:65532 "$ctr" -- /nodejs/bin/node dist/src/main.js --version 2>&1) \
    || { buildah rm "$ctr" >/dev/null; die "smoke test failed: $out"; }
  echo "  $out" >&2
  # Distroless promises: no shell, and the build host's CA bundle (egress proxy CA) stays in the build stages.
  mnt=$(buildah mount "$ctr")
  problems=
  for sh in bin/sh usr/bin/sh bin/bash usr/bin/bash bin/busybox; do [ -e "$mnt/$sh" ] && problems+=" /$sh exists;"; done
  [ -e "$mnt/usr/local/share/kubernaut-build-ca" ] && problems+=" the build CA directory is in the image;"
  cmp -s "$mnt/etc/ssl/certs/ca-certificates.crt" "$host_ca" && problems+=" the host CA bundle is in the image;"
  buildah inspect --type image --format '{{.OCIv1.Config.Env}}' "$image" | grep NODE_EXTRA_CA_CERTS >/dev/null \
    && problems+=" NODE_EXTRA_CA_CERTS is set;"
  buildah umount "$ctr" >/dev/null; buildah rm "$ctr" >/dev/null
  [ -z "$problems" ] || die "runtime image check failed:$problems"
  echo "  runtime image: no shell, no build CA" >&2
fi

size=$(buildah images --format '{{.Size}}' "$image" | awk 'NR==1')
asize=$(du -h "$archive" | cut -f1)
step "done in $(($(date +%s) - t0)) s"
cat >&2 <<EOF
  image:    $image (also $dev_image), $size uncompressed
  archive:  $archive ($asize, gzip layers)
  SBOM:     $sbom (CycloneDX)
  bases:    LOCAL STAND-INS for node:24-slim and $runtime_base (cached in $keydir)
  load it:  ctr -n k8s.io images import $archive   (pods: imagePullPolicy: Never)
EOF
echo "$archive"
