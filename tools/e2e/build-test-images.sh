#!/usr/bin/env bash
# Builds the two small test images the end-to-end suite (test/e2e) runs on the local node, without a registry:
#   localhost/kubernaut-e2e/hello:<key>       tools/node/images/hello (static Go HTTP server on :8080), user 65532
#   localhost/kubernaut-e2e/prometheus:<key>  the host's /usr/bin/prometheus (Debian's; links only libc) plus the
#                                             host's libc and loader, user 65534; config and args come from the pod
# Writes each as an OCI archive (cached by the key: a hash of this script and of main.go or the prometheus binary)
# and prints
#   hello=<archive> <ref>
#   prometheus=<archive> <ref>
# on stdout. Needs root, buildah and go. Usage: tools/e2e/build-test-images.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
hello_src=$here/../node/images/hello/main.go
prom_bin=${KUBERNAUT_E2E_PROMETHEUS:-/usr/bin/prometheus}
cache=${KUBERNAUT_CACHE:-$HOME/.cache/kubernaut-toolset}/e2e
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Any change to this script changes every key, so the images are rebuilt.
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
say() { printf '[e2e images %ss] %s\n' "$SECONDS" "$*" >&2; }
[ -x "$prom_bin" ] || { echo "no $prom_bin (Debian package prometheus)" >&2; exit 1; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
b=(buildah --root "$work/root" --runroot "$work/run" --storage-driver vfs)

# hello
hkey=$recipe-$(sha256sum "$hello_src" | cut -c1-12)
href=localhost/kubernaut-e2e/hello:$hkey
harchive=$cache/hello-$hkey.oci.tar
if [ ! -s "$harchive" ]; then
  say "building $href"
  (cd "$(dirname "$hello_src")" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags "-s -w" -o "$work/hello" main.go)
  c=$("${b[@]}" from scratch)
  "${b[@]}" copy --chmod 0755 "$c" "$work/hello" /hello >/dev/null
  "${b[@]}" config --entrypoint '["/hello"]' --cmd '["serve"]' --user 65532:65532 "$c"
  "${b[@]}" commit --quiet "$c" "$href" >/dev/null
  "${b[@]}" push --quiet "$href" "oci-archive:$harchive.tmp:$href"
  mv "$harchive.tmp" "$harchive"
fi

# prometheus: the binary and exactly the libraries ldd names (libc and the loader)
pkey=$recipe-$(sha256sum "$prom_bin" | cut -c1-12)
pref=localhost/kubernaut-e2e/prometheus:$pkey
parchive=$cache/prometheus-$pkey.oci.tar
if [ ! -s "$parchive" ]; then
  say "building $pref from $prom_bin ($("$prom_bin" --version 2>&1 | head -n1))"
  stage=$work/stage
  mkdir -p "$stage/bin" "$stage/lib64" "$stage/lib/x86_64-linux-gnu" "$stage/prometheus" "$stage/etc/prometheus" "$stage/tmp"
  install -m 0755 "$prom_bin" "$stage/bin/prometheus"
  for so in $(ldd "$prom_bin" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
    case $so in
      */ld-linux*) cp -L "$so" "$stage/lib64/$(basename "$so")" ;;
      *) cp -L "$so" "$stage/lib/x86_64-linux-gnu/$(basename "$so")" ;;
    esac
  done
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' >"$stage/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$stage/etc/group"
  printf '%s\n' 'hosts: files dns' >"$stage/etc/nsswitch.conf"
  chmod 1777 "$stage/tmp"
  tar -C "$stage" --numeric-owner --owner=0 --group=0 -cf "$work/prom.tar" .
  c=$("${b[@]}" from scratch)
  "${b[@]}" add "$c" "$work/prom.tar" / >/dev/null
  "${b[@]}" config --entrypoint '["/bin/prometheus"]' --cmd '' --user 65534:65534 "$c"
  "${b[@]}" commit --quiet "$c" "$pref" >/dev/null
  "${b[@]}" push --quiet "$pref" "oci-archive:$parchive.tmp:$pref"
  mv "$parchive.tmp" "$parchive"
fi
say "done"
echo "hello=$harchive $href"
echo "prometheus=$parchive $pref"
