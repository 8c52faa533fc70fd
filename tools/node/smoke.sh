#!/usr/bin/env bash
# Proves a running `npm run cluster -- up --node --name NAME` works end to end:
#   builds a tiny static Go HTTP server image (images/hello) with buildah, imports it into the node's containerd
#   (no registry), runs it as Deployment "hello" + Service "hello", and a pod "hello-probe" from the same image that
#   calls the API server through the `kubernetes` Service ClusterIP (ServiceAccount token) and the hello Service
#   through CoreDNS (hello.default.svc.cluster.local). Reads the probe's log through the API server (kubelet path).
# Usage: tools/node/smoke.sh NAME   (exit 0 when both probes succeeded)
set -euo pipefail
name=${1:?usage: smoke.sh CLUSTER_NAME}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run_root=${KUBERNAUT_RUN_DIR:-${TMPDIR:-/tmp}/kubernaut-toolset-clusters}
state="$run_root/$name/state.json"
[ -f "$state" ] || { echo "no cluster $name ($state)" >&2; exit 1; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$state" "$1"; }
api=$(field "['apiServerUrl']"); ca=$(field "['caCert']"); cert=$(field "['adminCert']"); key=$(field "['adminKey']")
ctr_bin=$(field "['node']['binaries']['ctr']"); address=$(field "['node']['containerd']['address']")
k() { curl -sS --cacert "$ca" --cert "$cert" --key "$key" -H 'content-type: application/json' "$@"; }
say() { printf '[smoke %ss] %s\n' "$SECONDS" "$*"; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
image=localhost/kubernaut/hello:smoke
say "building $image"
(cd "$here/images/hello" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags "-s -w" -o "$work/hello" main.go)
b=(buildah --root "$work/root" --runroot "$work/run" --storage-driver vfs)
c=$("${b[@]}" from scratch)
"${b[@]}" copy --chmod 0755 "$c" "$work/hello" /hello >/dev/null
"${b[@]}" config --entrypoint '["/hello"]' --cmd '' --user 65532:65532 "$c"
"${b[@]}" commit --quiet "$c" "$image" >/dev/null
"${b[@]}" push --quiet "$image" "oci-archive:$work/hello.tar:$image"
"$ctr_bin" --address "$address" -n k8s.io images import "$work/hello.tar" >/dev/null
say "imported: $("$ctr_bin" --address "$address" -n k8s.io images ls -q | tr '\n' ' ')"

container() { # name args-json
  printf '{"name":"%s","image":"%s","imagePullPolicy":"Never","args":%s,"securityContext":{"runAsNonRoot":true,"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}' "$1" "$image" "$2"
}
k -X POST "$api/apis/apps/v1/namespaces/default/deployments" -d "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"hello\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"hello\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"hello\"}},\"spec\":{\"containers\":[$(container hello '["serve"]')]}}}}" >/dev/null
k -X POST "$api/api/v1/namespaces/default/services" -d '{"apiVersion":"v1","kind":"Service","metadata":{"name":"hello"},"spec":{"selector":{"app":"hello"},"ports":[{"port":8080}]}}' >/dev/null
# /api needs an authenticated caller (anonymous gets 403), so 200 proves the ServiceAccount token works. The host's
# resolver stands for "outside": the egress guard must drop that connection before it leaves (no reply, FAIL).
outside=$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)
probe_args="[\"probe\",\"https://\${KUBERNETES_SERVICE_HOST}:\${KUBERNETES_SERVICE_PORT}/api\",\"http://hello.default.svc.cluster.local:8080/\",\"http://$outside:53/\"]"
k -X POST "$api/api/v1/namespaces/default/pods" -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"hello-probe\"},\"spec\":{\"containers\":[$(container probe "$probe_args")]}}" >/dev/null

say "waiting for hello-probe: API and DNS probes OK, the outside probe blocked"
for _ in $(seq 1 90); do
  log=$(k "$api/api/v1/namespaces/default/pods/hello-probe/log" 2>/dev/null || true)
  if grep -q '^OK https' <<<"$log" && grep -q '^OK http://hello' <<<"$log" && grep -q "^FAIL http://$outside" <<<"$log"; then
    if grep -q "^OK http://$outside" <<<"$log"; then say "EGRESS GUARD BROKEN: a pod reached $outside"; exit 1; fi
    say "pods:"; k "$api/api/v1/namespaces/default/pods" | python3 -c 'import json,sys; [print("  ",p["metadata"]["name"],p["status"]["phase"],p["status"].get("podIP")) for p in json.load(sys.stdin)["items"]]'
    say "services:"; k "$api/api/v1/namespaces/default/services" | python3 -c 'import json,sys; [print("  ",s["metadata"]["name"],s["spec"]["clusterIP"]) for s in json.load(sys.stdin)["items"]]'
    say "hello-probe log, latest line per target (read via API server -> kubelet):"
    tac <<<"$log" | awk '!seen[$2]++' | cut -c1-200 | sed 's/^/   /'
    say "egress guard (iptables -t mangle):"; iptables -w 5 -t mangle -L KUBERNAUT-NODE-EGRESS -v -n | sed 's/^/   /'
    exit 0
  fi
  sleep 2
done
say "FAILED; last probe log:"; tail -5 <<<"$log"
k "$api/api/v1/namespaces/default/pods/hello-probe" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("status"),indent=1))' | head -40
exit 1
