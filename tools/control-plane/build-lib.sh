# Shared by tools/control-plane/build.sh and tools/node/build.sh (sourced, not run).
# The caller sets $out (the bin directory) and $build_label (the progress prefix).

# Scratch directories live under one root that is removed when the script exits. A `trap … RETURN` set inside a
# function stays set after it returns and fires again when its caller returns, where the directory variable is out
# of scope (under `set -u` that aborts the build): so no function here owns a trap.
scratch_root=$(mktemp -d)
trap 'rm -rf "$scratch_root"' EXIT
scratch_dir() { mktemp -d -p "$scratch_root"; }

# recipe_hash FILE...: the first 12 hex digits of the files' SHA-256. Every cache key includes the hash of the
# scripts and version files that fill it, so changing a build script makes the next run (and CI) build from an empty
# directory, where cold-path bugs show.
recipe_hash() { cat "$@" | sha256sum | cut -c1-12; }

# open_cache AREA KEY [--print-dir]: sets $out to the bin directory $KUBERNAUT_CACHE/AREA/KEY/bin. With --print-dir it
# prints that and exits; otherwise it creates it and holds its lock on fd 9 while the script runs, so that two runs
# at once (a test run and a demo) do not race on the same files: the second waits for the first.
open_cache() {
  out="${KUBERNAUT_CACHE:-$HOME/.cache/kubernaut-toolset}/$1/$2/bin"
  if [ "${3:-}" = --print-dir ]; then echo "$out"; exit 0; fi
  mkdir -p "$out"
  exec 9>"$out.lock"
  flock 9
  export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
}

step() { printf '[%s build] %s (%ss elapsed)\n' "$build_label" "$*" "$SECONDS" >&2; }

# Go's own output is quiet for minutes at a time; a heartbeat shows the build is alive. Killing the loop leaves its
# sleep running out its 30 s, so the sleep holds neither our output pipes (a caller reading dir=$(build.sh) would
# wait for it) nor the cache lock on fd 9 (the next build would).
with_heartbeat() {
  local label=$1; shift
  ( while sleep 30 </dev/null >/dev/null 2>&1 9>&-; do step "$label: still building"; done ) 9>&- &
  local beat=$!
  local rc=0
  "$@" || rc=$?
  kill "$beat" 2>/dev/null; wait "$beat" 2>/dev/null || true
  return "$rc"
}

# build_kubernetes_commands VERSION CMD...: builds k8s.io/kubernetes/cmd/CMD at VERSION into $out, skipping
# commands already there. k8s.io/kubernetes maps its staging modules to ./staging, which `go install pkg@ver`
# refuses, so a throwaway main module points them at their published tags (v0.N.M for v1.N.M).
build_kubernetes_commands() {
  local version=$1; shift
  local missing=() c
  for c in "$@"; do [ -x "$out/$c" ] || missing+=("$c"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local staging="v0.${version#v1.}" minor
  minor=$(cut -d. -f2 <<<"$version")
  step "kubernetes $version: resolving modules (staging $staging)"
  local w; w=$(scratch_dir)
  (
    cd "$w"
    go mod init local/kubebuild >/dev/null 2>&1
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
    for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$gomod"); do
      go mod edit -replace="$m=$m@$staging"
    done
    grep -E '^godebug ' "$gomod" >> go.mod || true
    local pkgs=()
    for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c@$version"); done
    go get "${pkgs[@]}" >&2
    local ld="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
      ld+=" -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.buildDate=1970-01-01T00:00:00Z"
    done
    for c in "${missing[@]}"; do
      step "kubernetes $version: compiling $c (the first one takes many minutes)"
      with_heartbeat "$c" go build -trimpath -tags=notest -ldflags "$ld" -o "$out/$c.tmp" "k8s.io/kubernetes/cmd/$c"
      mv "$out/$c.tmp" "$out/$c"
    done
  )
}
