#!/usr/bin/env bash
# The two installs on a real kube-apiserver: the cluster-wide one (manifests/) is
# accepted as it is; the namespaced one (manifests/namespaced/), installed into a
# namespace of the test's choosing, grants the operator's ServiceAccount what it
# needs there and nothing anywhere else, and the operator, run with that
# ServiceAccount's token (from an exec credential plugin), through an HTTP proxy
# (tinyproxy, the cluster's proxy-url), reconciles a Post2Log and holds its Lease
# there.
# (integration.controller runs the cluster-wide RBAC through every code path.)
#
# Usage: install_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: install_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_operator
need_tools kubectl jq tinyproxy

ns=install-test-$$
other=install-other-$$
make_work_dir
on_failure() { log_tail "operator log" "$operator_log" 30; }
k() { kubectl -n "$ns" "$@"; }

kubectl apply -f "$root/manifests/namespace.yaml" >/dev/null || exit 1
check "the cluster-wide install (kubectl apply -k manifests/) is accepted" \
  kubectl apply -k "$root/manifests/" --dry-run=server

make_namespaces "$ns" "$other"
# The namespaced install into the test's namespace, as a user would with `namespace:`.
mkdir -p "$work/install"
cat >"$work/install/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $ns
resources:
  - $(realpath --relative-to="$work/install" "$root/manifests/namespaced")
YAML
check "the namespaced install (kubectl apply -k) into namespace $ns" kubectl apply -k "$work/install"
reads_its_namespace() {
  local deployment
  deployment=$(k get deployment post2log-operator -o json) || return 1
  jq -e '.spec.template.spec.containers[0] | (.args | index("--namespace=$(POD_NAMESPACE)")) != null
    and (.env | any(.name == "POD_NAMESPACE" and .valueFrom.fieldRef.fieldPath == "metadata.namespace"))' \
    <<<"$deployment" >/dev/null || { echo "the operator is not told its namespace"; return 1; }
  [ "$(k get rolebinding post2log-operator -o jsonpath='{.subjects[0].namespace}')" = "$ns" ] ||
    { echo "the RoleBinding does not name the ServiceAccount in $ns"; return 1; }
}
check "the operator watches the namespace it runs in; its RoleBinding names its ServiceAccount there" reads_its_namespace

sa=system:serviceaccount:$ns:post2log-operator
bounded() {
  local verb
  for verb in "list post2logs" "patch post2logs --subresource=status" "create deployments" "patch services" \
              "create events.events.k8s.io" "update leases"; do
    kubectl auth can-i $verb --as="$sa" -n "$ns" >/dev/null || { echo "not allowed in $ns: $verb"; return 1; }
  done
  for verb in "list post2logs" "create deployments" "get configmaps"; do
    if kubectl auth can-i $verb --as="$sa" -n "$other" >/dev/null 2>&1; then echo "allowed in $other: $verb"; return 1; fi
  done
  if kubectl auth can-i list post2logs --all-namespaces --as="$sa" >/dev/null 2>&1; then
    echo "allowed cluster-wide: list post2logs"; return 1
  fi
}
check "its Role grants what it needs in $ns and nothing in other namespaces or cluster-wide" bounded

# "One or a few namespaces": the same Role and a RoleBinding for the operator's
# ServiceAccount in a second namespace, and the operator watches both.
kubectl create --dry-run=client -o json -f "$root/manifests/generated/namespaced/rbac.yaml" |
  jq --arg ns "$ns" --arg other "$other" 'select(.metadata.name == "post2log-operator")
    | .metadata.namespace = $other | if .subjects then .subjects[].namespace = $ns else . end' |
  kubectl apply -f - >/dev/null || exit 1

# The operator authenticates through an exec credential plugin (users[].user.exec), as on
# EKS, GKE or AKS: a script that prints the ServiceAccount's token as an ExecCredential,
# except on its first run, when it prints one the API server refuses (401), so the client
# must run it again.
k create token post2log-operator --duration=1h >"$work/token" || exit 1
cat >"$work/plugin.sh" <<SCRIPT
#!/bin/sh
echo run >>"$work/plugin-runs"
token=\$(cat "$work/token")
[ "\$(wc -l <"$work/plugin-runs")" -eq 1 ] && token=not-a-valid-token
[ "\$P2L_TEST_AUDIENCE" = operator ] || exit 9
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
  "\$token" "\$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
SCRIPT
chmod +x "$work/plugin.sh"
# And it reaches the API server through a real HTTP proxy (tinyproxy, CONNECT), named by the
# cluster's proxy-url as on networks where only a proxy leads to the cluster.
proxy_pid=""
stop_proxy() { [ -z "$proxy_pid" ] || { kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null; }; }
at_exit stop_proxy
start_proxy() {
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    printf 'Port %s\nListen 127.0.0.1\nTimeout 600\nLogLevel Connect\nMaxClients 100\nAllow 127.0.0.1\n' "$port" \
      >"$work/tinyproxy.conf"
    tinyproxy -d -c "$work/tinyproxy.conf" >"$work/tinyproxy.log" 2>&1 &
    proxy_pid=$!
    sleep 0.5
    if kill -0 "$proxy_pid" 2>/dev/null; then proxy_port=$port; return 0; fi
    wait "$proxy_pid" 2>/dev/null; proxy_pid=""
  done
  return 1
}
start_proxy || { echo "tinyproxy did not start: $(cat "$work/tinyproxy.log")"; exit 1; }
kubectl config view --minify --raw -o json |
  jq --arg plugin "$work/plugin.sh" --arg proxy "http://127.0.0.1:$proxy_port" \
    '.users[0].user = {exec: {apiVersion: "client.authentication.k8s.io/v1",
       command: $plugin, env: [{name: "P2L_TEST_AUDIENCE", value: "operator"}], interactiveMode: "Never"}}
     | .clusters[0].cluster["proxy-url"] = $proxy' \
  >"$work/operator.kubeconfig" || exit 1
api_port=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
# No kubelet runs the Fluentd configuration check's Job here (integration.config_check
# stands in for one): new configurations are applied unchecked.
start_operator --skip-fluentd-config-check --kubeconfig "$work/operator.kubeconfig" --namespace "$ns,$other" --leader-elect \
  --leader-election-namespace "$ns" --metrics-bind-address 127.0.0.1:0 --resync-period 5s

k apply -f - >/dev/null <<'YAML'
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: scoped
YAML
reconciled() {
  for child in deployment/scoped-0 service/scoped configmap/scoped-fluentd pvc/scoped-0-data; do
    k get "$child" >/dev/null 2>&1 || { echo "$child missing"; return 1; }
  done
  [ "$(k get post2log scoped -o jsonpath='{.status.observedGeneration}')" = 1 ] || { echo "no status"; return 1; }
}
check "with the namespaced install's token from a credential plugin, the operator reconciles in $ns" eventually 60 reconciled
kubectl -n "$other" apply -f - >/dev/null <<'YAML'
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: second
YAML
reconciled_in_other() {
  kubectl -n "$other" get deployment second-0 >/dev/null 2>&1 || { echo "deployment second-0 missing"; return 1; }
  [ "$(kubectl -n "$other" get post2log second -o jsonpath='{.status.observedGeneration}')" = 1 ] || { echo "no status"; return 1; }
}
check "--namespace $ns,$other: it reconciles in the second namespace too, with the Role there" \
  eventually 60 reconciled_in_other
holds_lease() { k get lease post2log-operator -o jsonpath='{.spec.holderIdentity}' | grep -q .; }
check "and holds its Lease there" eventually 30 holds_lease
plugin_runs() {
  local n
  n=$(wc -l <"$work/plugin-runs")
  [ "$n" = 2 ] || { echo "the plugin ran $n times (expected 2: the refused token, then a good one kept)"; return 1; }
}
sleep 6  # a resync at --resync-period 5s: more requests, on the kept token
check "exec plugin: run again after the 401, then its token kept until it expires" plugin_runs
through_proxy() {
  grep -q "CONNECT 127.0.0.1:$api_port" "$work/tinyproxy.log" ||
    { echo "no CONNECT to the API server in the proxy's log"; tail -5 "$work/tinyproxy.log"; return 1; }
  grep -q '"msg":"reaching https://127.0.0.1:'"$api_port"' through the proxy' "$operator_log" ||
    { echo "the operator did not log its proxy"; return 1; }
}
check "proxy-url: the connections go through the proxy (CONNECT in its log)" through_proxy
no_errors() {
  if grep -q '"level":"error"' "$operator_log"; then grep '"level":"error"' "$operator_log" | head -3; return 1; fi
}
check "no error in its log (nothing it was refused)" no_errors

sigterm_and_wait "$operator_pid"
check "SIGTERM: the operator stops and exits 0" stopped_cleanly
summary
