#!/usr/bin/env bash
# Installs the pinned HolmesGPT (versions.env) from PyPI into a private venv:
#   ${KUBERNAUT_CACHE:-$HOME/.cache/kubernaut-toolset}/holmesgpt/<version>-py<X.Y.Z>-<hash of this script>/venv
# Idempotent: a marker file written after a successful install makes later runs instant.
# Concurrent runs serialise on a flock. Progress goes to stderr; the venv's python path is the last line on stdout.
#
# Needs python3 >= 3.10 with the venv module. On Debian/Ubuntu `python3 -m venv` needs the package
# python3-venv (python3.X-venv): without it venv creation fails with "ensurepip is not available".
#   apt-get install -y python3-venv
# Override the interpreter with HOLMESGPT_PYTHON=/path/to/python3.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

python=${HOLMESGPT_PYTHON:-python3}
step() { printf '[holmesgpt setup] %s (%ss elapsed)\n' "$*" "$SECONDS" >&2; }

py_version=$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
cache_root=${KUBERNAUT_CACHE:-$HOME/.cache/kubernaut-toolset}
dir="$cache_root/holmesgpt/${HOLMESGPT_VERSION}-py${py_version}-$(cat "${BASH_SOURCE[0]}" "$here/versions.env" | sha256sum | cut -c1-12)"
venv="$dir/venv"
marker="$dir/.installed"
if [ "${1:-}" = "--print-python" ]; then echo "$venv/bin/python"; exit 0; fi

# Fast path: nothing to do.
if [ -f "$marker" ] && [ -x "$venv/bin/python" ]; then
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$dir"
# Two runs at once (a test run and a manual run) would race on the same venv: the second waits for the first.
exec 9>"$dir.lock"
if ! flock -n 9; then
  step "another run is installing into $dir; waiting for it"
  flock 9
fi
if [ -f "$marker" ] && [ -x "$venv/bin/python" ]; then
  echo "$venv/bin/python"
  exit 0
fi

# A half-built venv from an interrupted run is thrown away.
rm -rf "$venv"
step "creating venv with $python ($py_version) at $venv"
if ! "$python" -m venv "$venv" >&2; then
  step "python3 -m venv failed; on Debian/Ubuntu install the python3-venv package (apt-get install -y python3-venv)"
  exit 1
fi

# pip's own output is quiet for a long time while it resolves; a heartbeat shows it is alive. Its sleep holds
# none of our output pipes, so a caller reading them, e.g. python=$(setup.sh), is not kept waiting after we exit.
( while sleep 30 </dev/null >/dev/null 2>&1 9>&-; do step "pip: still installing"; done ) 9>&- >&2 &
beat=$!
trap 'kill "$beat" 2>/dev/null || true' EXIT
step "installing holmesgpt==$HOLMESGPT_VERSION from PyPI"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$venv/bin/python" -m pip install --quiet --upgrade pip >&2
"$venv/bin/python" -m pip install --quiet "holmesgpt==$HOLMESGPT_VERSION" >&2
kill "$beat" 2>/dev/null || true

step "checking the install"
# litellm (imported by holmes) fetches a model price list from the internet at import unless told not to.
LITELLM_LOCAL_MODEL_COST_MAP=True "$venv/bin/python" - "$HOLMESGPT_VERSION" >&2 <<'PY'
import sys
from importlib.metadata import version
installed = version("holmesgpt")
assert installed == sys.argv[1], f"installed holmesgpt {installed}, wanted {sys.argv[1]}"
import holmes.core.toolset_manager  # noqa: F401  (the loader the consumer test uses)
print(f"holmesgpt {installed} imports fine", file=sys.stderr)
PY

date -u +%FT%TZ > "$marker"
step "done"
echo "$venv/bin/python"
