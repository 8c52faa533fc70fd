#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and helm from the Go module proxy into
# $KUBERNAUT_CACHE/control-plane/<key>/bin, where <key> is derived from versions.env, the Go version and the hash of
# this script, build-lib.sh and versions.env.
# Idempotent: a binary already present is kept. Progress goes to stderr; the bin directory to stdout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

build_label=control-plane
# shellcheck source=build-lib.sh
source "$here/build-lib.sh"

key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}_$(go env GOVERSION)"
key+="_recipe-$(recipe_hash "$here/build.sh" "$here/build-lib.sh" "$here/versions.env")"
open_cache control-plane "$key" "${1:-}"

build_etcd() {
  [ -x "$out/etcd" ] && return 0
  step "etcd $ETCD_VERSION: resolving modules"
  local w; w=$(scratch_dir)
  (cd "$w" && go mod init local/etcdbuild >/dev/null 2>&1 && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2)
  step "etcd $ETCD_VERSION: compiling"
  (cd "$w" && with_heartbeat etcd go build -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$out/etcd.tmp" "$out/etcd"
}

build_kubernetes() {
  build_kubernetes_commands "$K8S_VERSION" kube-apiserver kube-controller-manager
}

# Helm's own build stamps the Kubernetes version of its client-go into the binary (its Makefile's LDFLAGS); without
# it `helm template` assumes Kubernetes 1.20 and refuses the chart's kubeVersion. helm.kube-version records the
# stamp, so a helm built without it (an older cache) is rebuilt alone.
build_helm() {
  local gomod client_go major minor
  gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  client_go=$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod" | head -n1)
  [ -n "$client_go" ] || { echo "cannot find k8s.io/client-go in $gomod" >&2; return 1; }
  major=1 minor=$client_go
  [ -x "$out/helm" ] && [ "$(cat "$out/helm.kube-version" 2>/dev/null)" = "$major.$minor" ] && return 0
  step "helm $HELM_VERSION: compiling (Kubernetes $major.$minor)"
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ld+=" -X $p.k8sVersionMajor=$major -X $p.k8sVersionMinor=$minor"
  done
  local w; w=$(scratch_dir)
  with_heartbeat helm env GOBIN="$w" go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$w/helm" "$out/helm"
  echo "$major.$minor" > "$out/helm.kube-version"
}

started=$SECONDS
build_etcd
build_kubernetes
build_helm
step "done in $((SECONDS - started))s: $out"
echo "$out"
