#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and helm from the Go module proxy into
# $KUBERNAUT_CACHE/control-plane/<key>/bin, where <key> is derived from versions.env and the Go version.
# Idempotent: a binary already present is kept. Progress goes to stderr; the bin directory to stdout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

cache_root=${KUBERNAUT_CACHE:-$HOME/.cache/kubernaut-toolset}
go_version=$(go env GOVERSION)
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}_${go_version}"
out="$cache_root/control-plane/$key/bin"
if [ "${1:-}" = "--print-dir" ]; then echo "$out"; exit 0; fi
mkdir -p "$out"
# Two runs at once (a test run and a demo) would race on the same files: the second waits for the first.
exec 9>"$out.lock"
flock 9

export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
step() { printf '[control-plane build] %s (%ss elapsed)\n' "$*" "$SECONDS" >&2; }

# Go's own output is quiet for minutes at a time; a heartbeat shows the build is alive.
with_heartbeat() {
  local label=$1; shift
  ( while sleep 30; do step "$label: still building"; done ) &
  local beat=$!
  local rc=0
  "$@" || rc=$?
  kill "$beat" 2>/dev/null; wait "$beat" 2>/dev/null || true
  return "$rc"
}

build_etcd() {
  [ -x "$out/etcd" ] && return 0
  step "etcd $ETCD_VERSION: resolving modules"
  local w; w=$(mktemp -d); trap 'rm -rf "$w"' RETURN
  (cd "$w" && go mod init local/etcdbuild >/dev/null 2>&1 && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2)
  step "etcd $ETCD_VERSION: compiling"
  (cd "$w" && with_heartbeat etcd go build -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$out/etcd.tmp" "$out/etcd"
}

build_kubernetes() {
  [ -x "$out/kube-apiserver" ] && [ -x "$out/kube-controller-manager" ] && return 0
  local staging="v0.${K8S_VERSION#v1.}" minor
  minor=$(cut -d. -f2 <<<"$K8S_VERSION")
  step "kubernetes $K8S_VERSION: resolving modules (staging $staging)"
  local w; w=$(mktemp -d); trap 'rm -rf "$w"' RETURN
  (
    cd "$w"
    go mod init local/kubebuild >/dev/null 2>&1
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
    # k8s.io/kubernetes maps its staging modules to ./staging; a consumer must point them at published tags.
    for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$gomod"); do
      go mod edit -replace="$m=$m@$staging"
    done
    grep -E '^godebug ' "$gomod" >> go.mod || true
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" >&2
    local ld="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
      ld+=" -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.buildDate=1970-01-01T00:00:00Z"
    done
    for c in kube-apiserver kube-controller-manager; do
      [ -x "$out/$c" ] && continue
      step "kubernetes $K8S_VERSION: compiling $c (the first one takes many minutes)"
      with_heartbeat "$c" go build -trimpath -tags=notest -ldflags "$ld" -o "$out/$c.tmp" "k8s.io/kubernetes/cmd/$c"
      mv "$out/$c.tmp" "$out/$c"
    done
  )
}

build_helm() {
  [ -x "$out/helm" ] && return 0
  step "helm $HELM_VERSION: compiling"
  with_heartbeat helm env GOBIN="$out" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

started=$SECONDS
build_etcd
build_kubernetes
build_helm
step "done in $((SECONDS - started))s: $out"
echo "$out"
