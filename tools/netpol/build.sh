#!/usr/bin/env bash
# Builds the NetworkPolicy engine of the end-to-end suite from the Go module proxy into
# $KUBERNAUT_CACHE/netpol/<key>/bin (key: versions.env, the Go version, a hash of this script and versions.env):
#   kube-router   github.com/cloudnativelabs/kube-router/v2/cmd/kube-router, run on the node as a firewall only
#                 (iptables + ipset), beside the bridge CNI and kube-proxy: ../shared/reference/network-policy.md
# Test-only: security flaws are reported against this release, so it runs on the throwaway node and nowhere else.
# Idempotent: a binary already present is kept. Progress goes to stderr; the bin directory to stdout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
build_label=netpol
# shellcheck source=../control-plane/build-lib.sh
source "$here/../control-plane/build-lib.sh"

key="kube-router-${KUBE_ROUTER_VERSION}_$(go env GOVERSION)_recipe-$(recipe_hash "$here/build.sh" "$here/versions.env" "$here/../control-plane/build-lib.sh")"
open_cache netpol "$key" "${1:-}"

started=$SECONDS
if [ ! -x "$out/kube-router" ]; then
  step "kube-router $KUBE_ROUTER_VERSION: compiling"
  with_heartbeat kube-router env GOBIN="$out" go install -trimpath -ldflags "-s -w" "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
fi
step "done in $((SECONDS - started))s: $out"
echo "$out"
