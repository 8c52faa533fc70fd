#!/usr/bin/env bash
# Builds the real backends the consumer tests run that no Debian package provides, from the Go module proxy, into
# $KUBERNAUT_CACHE/backends/<key>/bin (key: versions.env, the Go version, a hash of this script and versions.env):
#   jaeger-all-in-one   github.com/jaegertracing/jaeger/cmd/all-in-one (query API on --query.http-server.host-port)
# Idempotent: a binary already present is kept. Progress goes to stderr; the bin directory to stdout.
# (Prometheus and VictoriaMetrics are Debian packages: tools/setup/debian-packages.sh.)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
build_label=backends
# shellcheck source=../control-plane/build-lib.sh
source "$here/../control-plane/build-lib.sh"

key="jaeger-${JAEGER_VERSION}_$(go env GOVERSION)_recipe-$(recipe_hash "$here/build.sh" "$here/versions.env" "$here/../control-plane/build-lib.sh")"
open_cache backends "$key" "${1:-}"

# Jaeger's go.mod replaces one module, which `go install pkg@version` refuses: a throwaway main module repeats the
# replace and builds the command.
build_jaeger() {
  [ -x "$out/jaeger-all-in-one" ] && return 0
  step "jaeger $JAEGER_VERSION: resolving modules"
  local w gomod; w=$(scratch_dir)
  (
    cd "$w"
    go mod init local/jaegerbuild >/dev/null 2>&1
    gomod=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
    sed -n 's#^replace \([^ ]*\) => \([^ ]*\) \(v[^ ]*\)$#\1=\2@\3#p' "$gomod" | while read -r r; do go mod edit -replace="$r"; done
    go get "github.com/jaegertracing/jaeger/cmd/all-in-one@$JAEGER_VERSION" >&2
    step "jaeger $JAEGER_VERSION: compiling all-in-one"
    with_heartbeat jaeger go build -trimpath -ldflags "-s -w" -o "$out/jaeger-all-in-one.tmp" github.com/jaegertracing/jaeger/cmd/all-in-one
  )
  mv "$out/jaeger-all-in-one.tmp" "$out/jaeger-all-in-one"
}

started=$SECONDS
build_jaeger
step "done in $((SECONDS - started))s: $out"
echo "$out"
