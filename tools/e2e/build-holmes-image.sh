#!/usr/bin/env bash
# Builds the HolmesGPT consumer image the end-to-end suite runs on the local node, without a registry:
#   localhost/kubernaut-e2e/holmesgpt:<key>
# It holds the pinned holmesgpt from PyPI (the venv tools/holmesgpt/setup.sh installs), the CPython that venv was
# made with (its standard library only), and test/consumer/holmes_server.py as server.py: HolmesGPT's Config, its
# server tool executor and its own admin app (POST /api/admin/reload/toolsets) on :5050. The holmesgpt wheel has no
# server.py, so this is the server a HolmesGPT pod runs, assembled from the wheel's parts, started the way
# HolmesGPT's chart starts its image: `python3 -u server.py` in the working directory, python3 on the PATH. The
# toolset file is read from CUSTOM_TOOLSET_LOCATION (default /etc/holmes/config/custom_toolset.yaml); /tmp must be
# writable (an emptyDir). test/consumer/mcp_server.py is there too, for an MCP server pod.
# Like the prometheus test image it is built from scratch: the files plus exactly the shared libraries they link.
# Writes an OCI archive (cached by the key: holmesgpt version, python version, a hash of the server's source, this
# script and the HolmesGPT setup) and prints
#   holmesgpt=<archive> <ref>
# on stdout. Needs root, buildah and python3 with venv. Usage: tools/e2e/build-holmes-image.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KUBERNAUT_CACHE:-$HOME/.cache/kubernaut-toolset}/e2e
mkdir -p "$cache"
say() { printf '[e2e holmesgpt image %ss] %s\n' "$SECONDS" "$*" >&2; }

python=$("$repo/tools/holmesgpt/setup.sh" | tail -n 1)
read -r base_prefix purelib py_version < <("$python" -c 'import sys, sysconfig; print(sys.base_prefix, sysconfig.get_paths()["purelib"], "%d.%d" % sys.version_info[:2])')
source "$repo/tools/holmesgpt/versions.env"
server_src=("$repo/test/consumer/holmes_server.py" "$repo/test/consumer/load_toolsets.py" "$repo/test/consumer/mcp_server.py")
recipe=("${server_src[@]}" "${BASH_SOURCE[0]}" "$repo/tools/holmesgpt/setup.sh" "$repo/tools/holmesgpt/versions.env")
key=$HOLMESGPT_VERSION-py$("$python" -c 'import platform; print(platform.python_version())')-$(cat "${recipe[@]}" | sha256sum | cut -c1-12)
ref=localhost/kubernaut-e2e/holmesgpt:$key
archive=$cache/holmesgpt-$key.oci.tar

exec 9>"$cache/.holmes.lock"
flock 9
if [ ! -s "$archive" ]; then
  say "building $ref from $python (base $base_prefix)"
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  b=(buildah --root "$work/root" --runroot "$work/run" --storage-driver vfs)
  stage=$work/stage
  lib=lib/python$py_version
  mkdir -p "$stage/opt/python/bin" "$stage/opt/python/lib" "$stage/opt/holmes/server" "$stage/etc/ssl/certs" "$stage/tmp"
  # The interpreter and its standard library; not its own site-packages, tests, IDLE, Tk or the static library.
  cp -L "$base_prefix/bin/python$py_version" "$stage/opt/python/bin/python$py_version"
  ln -s "python$py_version" "$stage/opt/python/bin/python3"
  cp -L "$base_prefix"/lib/libpython"$py_version"*.so* "$stage/opt/python/lib/" 2>/dev/null || true
  tar -C "$base_prefix" --exclude="$lib/site-packages" --exclude="$lib/test" --exclude="$lib/idlelib" --exclude="$lib/tkinter" \
    --exclude="$lib/turtledemo" --exclude="$lib/ensurepip" --exclude="$lib/config-*" -cf - "$lib" | tar -C "$stage/opt/python" -xf -
  mkdir -p "$stage/opt/python/$lib/site-packages"
  # HolmesGPT and its dependencies, as installed by pip (byte-code kept: the root filesystem is read-only).
  mkdir -p "$stage/opt/holmes/site-packages"
  tar -C "$purelib" --exclude=./pip --exclude='./pip-*' -cf - . | tar -C "$stage/opt/holmes/site-packages" -xf -
  cp "${server_src[@]}" "$stage/opt/holmes/server/"
  ln -s holmes_server.py "$stage/opt/holmes/server/server.py"
  # Every shared library the interpreter and the extension modules link against, from the build host (Debian, as
  # the host that built the venv), at the same paths; the loader too.
  find "$stage/opt" -name '*.so*' -type f >"$work/objects"
  echo "$stage/opt/python/bin/python$py_version" >>"$work/objects"
  while read -r object; do
    LD_LIBRARY_PATH=$stage/opt/python/lib ldd "$object" 2>/dev/null | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
  done <"$work/objects" | sort -u | grep -v "^$stage" >"$work/libs" || true
  while read -r so; do
    mkdir -p "$stage$(dirname "$so")"
    cp -L "$so" "$stage$so"
  done <"$work/libs"
  cp -L /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/ca-certificates.crt"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'holmes:x:65532:65532:holmes:/tmp:/sbin/nologin' >"$stage/etc/passwd"
  printf '%s\n' 'root:x:0:' 'holmes:x:65532:' >"$stage/etc/group"
  printf '%s\n' 'hosts: files dns' >"$stage/etc/nsswitch.conf"
  chmod 1777 "$stage/tmp"
  say "staged $(du -sm "$stage" | cut -f1) MB ($(wc -l <"$work/libs") host libraries)"
  tar -C "$stage" --numeric-owner --owner=0 --group=0 -cf "$work/holmes.tar" .
  c=$("${b[@]}" from scratch)
  "${b[@]}" add "$c" "$work/holmes.tar" / >/dev/null
  "${b[@]}" config --user 65532:65532 --workingdir /opt/holmes/server \
    --env PYTHONPATH=/opt/holmes/site-packages:/opt/holmes/server --env LD_LIBRARY_PATH=/opt/python/lib \
    --env HOME=/tmp --env PYTHONDONTWRITEBYTECODE=1 --env HOLMES_SERVER_HOST=0.0.0.0 \
    --env PATH=/opt/python/bin --entrypoint '["python3", "-u", "server.py"]' "$c"
  "${b[@]}" commit --quiet "$c" "$ref" >/dev/null
  "${b[@]}" push --quiet "$ref" "oci-archive:$archive.tmp:$ref"
  mv "$archive.tmp" "$archive"
  say "built $(du -m "$archive" | cut -f1) MB archive"
fi
echo "holmesgpt=$archive $ref"
