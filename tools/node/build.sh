#!/usr/bin/env bash
# Builds a node for the local cluster into $KUBERNAUT_CACHE/node/<key>/bin, where <key> is derived from
# versions.env, the Kubernetes version of tools/control-plane/versions.env, the Go version and the hash of the
# scripts, version files and image sources that make it:
#   kubelet, kube-proxy, kube-scheduler (k8s.io/kubernetes, same replaces and ldflags as the control plane),
#   containerd, ctr, containerd-shim-runc-v2, runc (CGO + libseccomp), the CNI plugins bridge, host-local,
#   loopback and portmap, coredns, a static pause binary, and OCI archives of the pause and CoreDNS images
#   (buildah, no registry) in <key>/images.
# Idempotent: anything already present is kept. Progress goes to stderr; the bin directory to stdout.
# Needs: Go and the Go module proxy, gcc + libseccomp-dev (runc), buildah (images).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../control-plane/versions.env
source "$here/../control-plane/versions.env"
# shellcheck source=versions.env
source "$here/versions.env"

build_label=node
# shellcheck source=../control-plane/build-lib.sh
source "$here/../control-plane/build-lib.sh"

key="k8s-${K8S_VERSION}_containerd-${CONTAINERD_VERSION}_runc-${RUNC_VERSION}_cni-${CNI_PLUGINS_VERSION}"
key+="_coredns-${COREDNS_VERSION}_img-${NODE_IMAGES_REVISION}_$(go env GOVERSION)"
key+="_recipe-$(recipe_hash "$here/build.sh" "$here/versions.env" "$here/../control-plane/build-lib.sh" \
  "$here/../control-plane/versions.env" "$here"/images/*/main.go)"
open_cache node "$key" "${1:-}"
images=$(dirname "$out")/images
mkdir -p "$images"

# go_install LABEL PKG@VERSION... : `go install` into $out unless every named binary is already there.
go_install() {
  local label=$1; shift
  local bins=() p
  for p in "$@"; do p=${p%@*}; bins+=("${p##*/}"); done
  local b all=1
  for b in "${bins[@]}"; do [ -x "$out/$b" ] || all=0; done
  [ "$all" = 1 ] && return 0
  step "$label: compiling"
  with_heartbeat "$label" env GOBIN="$out" go install -trimpath "${go_flags[@]}" "$@"
}

build_containerd() {
  local v=$CONTAINERD_VERSION m=github.com/containerd/containerd/v2
  go_flags=(-tags "no_btrfs no_devmapper no_zfs"
    -ldflags "-s -w -X $m/version.Version=$v -X $m/version.Revision=0000000000000000000000000000000000000000")
  go_install "containerd $v" "$m/cmd/containerd@$v" "$m/cmd/ctr@$v" "$m/cmd/containerd-shim-runc-v2@$v"
}

build_runc() {
  [ -x "$out/runc" ] && return 0
  # Asked of the C compiler cgo will use, so a missing gcc or header is named before Go's long build starts.
  if ! printf '#include <seccomp.h>\n' | "${CC:-gcc}" -E -x c - >/dev/null 2>&1; then
    echo "runc needs gcc and libseccomp-dev: bash tools/setup/debian-packages.sh node (as root)" >&2; exit 1
  fi
  go_flags=(-tags seccomp -ldflags "-s -w -X main.version=${RUNC_VERSION#v}")
  CGO_ENABLED=1 go_install "runc $RUNC_VERSION" "github.com/opencontainers/runc@$RUNC_VERSION"
}

build_cni() {
  local v=$CNI_PLUGINS_VERSION m=github.com/containernetworking/plugins/plugins
  go_flags=(-ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$v")
  go_install "CNI plugins $v" "$m/main/bridge@$v" "$m/ipam/host-local@$v" "$m/main/loopback@$v" "$m/meta/portmap@$v"
}

build_coredns() {
  go_flags=(-ldflags "-s -w")
  go_install "coredns $COREDNS_VERSION" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_pause() {
  [ -x "$out/pause" ] && return 0
  step "pause: compiling"
  (cd "$here/images/pause" && go build -trimpath -ldflags "-s -w" -o "$out/pause.tmp" main.go)
  mv "$out/pause.tmp" "$out/pause"
}

# oci_image NAME:TAG ARCHIVE BINARY: a one-file image (FROM scratch + the static binary as its entrypoint),
# written as an OCI archive for `ctr -n k8s.io images import`. buildah runs on a private vfs store that is
# removed afterwards, so it never touches the host's container storage.
oci_image() {
  local ref=$1 archive=$2 binary=$3
  [ -s "$archive" ] && return 0
  if ! command -v buildah >/dev/null; then
    echo "the node images need buildah: bash tools/setup/debian-packages.sh node (as root)" >&2; exit 1
  fi
  step "image $ref"
  local s; s=$(scratch_dir)
  local b=(buildah --root "$s/root" --runroot "$s/run" --storage-driver vfs)
  local c; c=$("${b[@]}" from scratch)
  "${b[@]}" copy --chmod 0755 "$c" "$binary" "/${binary##*/}" >/dev/null
  "${b[@]}" config --entrypoint "[\"/${binary##*/}\"]" --cmd '' "$c"
  "${b[@]}" commit --quiet "$c" "$ref" >/dev/null
  "${b[@]}" push --quiet "$ref" "oci-archive:$archive.tmp:$ref"
  "${b[@]}" rm "$c" >/dev/null
  mv "$archive.tmp" "$archive"
}

started=$SECONDS
build_kubernetes_commands "$K8S_VERSION" kubelet kube-proxy kube-scheduler
build_containerd
build_runc
build_cni
build_coredns
build_pause
oci_image "localhost/kubernaut/pause:r$NODE_IMAGES_REVISION" "$images/pause.tar" "$out/pause"
oci_image "localhost/kubernaut/coredns:$COREDNS_VERSION" "$images/coredns.tar" "$out/coredns"
step "done in $((SECONDS - started))s: $out"
echo "$out"
