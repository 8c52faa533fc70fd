#!/usr/bin/env bash
# The one list of Debian packages the project's commands need, for `npm test` (its pretest step), `npm run test:e2e`,
# `npm run image` and .ci/run. Each entry names the package and the check that shows it is there.
#
# Usage: tools/setup/debian-packages.sh GROUP...   (groups: test, image, node, e2e = test + image + node)
#   Exits 0 when everything is there. Otherwise, as root with apt-get (and KUBERNAUT_NO_APT unset), installs what
#   is missing; without root (or with KUBERNAUT_NO_APT=1) prints the exact apt-get line and exits 1.
set -euo pipefail

has() { command -v "$1" >/dev/null 2>&1; }
python_venv() { "${HOLMESGPT_PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1; }

# group package check...
entries=(
  # openssl makes the control plane's throwaway certificates.
  "test openssl has openssl"
  # flock serialises builds and control-plane runs; unshare + mount give the unresolvable-target fault test a
  # private resolv.conf.
  "test util-linux has flock"
  "test util-linux has unshare"
  "test mount has mount"
  # promtool and the real Prometheus the metrics and consumer tests scrape with (also the e2e Prometheus image).
  "test prometheus has prometheus"
  "test prometheus has promtool"
  # The real VictoriaMetrics the consumer tests run for the victoriametrics type.
  "test victoria-metrics has victoria-metrics"
  # The HolmesGPT consumer tests load our output with the real holmesgpt package in a venv.
  "test python3-venv python_venv"
  # Images without a Docker engine or a registry (npm run image, the node's pause/CoreDNS and the e2e images).
  "image buildah has buildah"
  "image debootstrap has debootstrap"
  "image debian-archive-keyring test -e /usr/share/keyrings/debian-archive-keyring.gpg"
  # The real node: kube-proxy and the egress guard (iptables, conntrack); runc with seccomp is built with cgo.
  "node iptables has iptables"
  "node conntrack has conntrack"
  "node gcc has gcc"
  "node libc6-dev test -e /usr/include/stdio.h"
  "node libseccomp-dev test -e /usr/include/seccomp.h"
  "node buildah has buildah"
  # The NetworkPolicy engine the e2e suite enforces policies with (kube-router, tools/netpol) keeps its sets in ipset.
  "node ipset has ipset"
)

[ $# -gt 0 ] || { echo "usage: $0 GROUP... (test, image, node, e2e)" >&2; exit 2; }
wanted=" "
for g in "$@"; do
  case $g in
    test|image|node) wanted+="$g " ;;
    e2e) wanted+="test image node " ;;
    *) echo "$0: unknown group '$g' (test, image, node, e2e)" >&2; exit 2 ;;
  esac
done

missing=()
for entry in "${entries[@]}"; do
  read -r group package check <<<"$entry"
  [[ $wanted == *" $group "* ]] || continue
  [[ " ${missing[*]} " == *" $package "* ]] && continue
  # shellcheck disable=SC2086  # the check is a command line
  $check || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ] || [ "${KUBERNAUT_NO_APT:-}" = 1 ] || ! has apt-get; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them as root, then run the command again:" >&2
  echo "  $line" >&2
  exit 1
fi
echo "[setup] installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# apt's and dpkg's chatter goes to a log that is shown only when the install fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_install() { apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" </dev/null >>"$log" 2>&1; }
apt_install || { apt-get -o DPkg::Lock::Timeout=600 update -qq </dev/null >>"$log" 2>&1 && apt_install; } || {
  tail -n 20 "$log" >&2
  echo "apt-get could not install: ${missing[*]}; as root, run:" >&2
  echo "  $line" >&2
  exit 1
}
echo "[setup] installed ${missing[*]}" >&2
