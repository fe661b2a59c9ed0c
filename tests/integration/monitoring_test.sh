#!/usr/bin/env bash
# spec.monitoring.podMonitor against a real kube-apiserver, with the operator as a real
# process and the Prometheus operator's CRDs from its Go module:
# - without the PodMonitor CRD, the Post2Log is reconciled and becomes Ready, and the
#   condition Monitoring=False (PodMonitorCRDMissing) says why there is no PodMonitor;
# - once the CRD is installed, the PodMonitor appears without a change to the Post2Log
#   (long before the resync period) and Monitoring turns True;
# - the API server accepts it, it selects the pods of every shard and names their port;
# - removed from the spec, the PodMonitor is deleted and the condition goes;
# - the install's ClusterRole lets the operator manage PodMonitors.
# No kubelet runs at this tier: the shards' pods are made Ready by writing their status.
#
# Usage: monitoring_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: monitoring_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_operator
need_tools kubectl jq
prometheus_crds=$("$root/scripts/tools/fetch-prometheus-crds.sh" | tail -n1) && [ -d "$prometheus_crds" ] ||
  { echo "the Prometheus operator's CRDs could not be fetched (scripts/tools/fetch-prometheus-crds.sh)"; exit 1; }

ns=monitoring-test-$$
make_work_dir
# Other tests of this tier expect the Prometheus operator's CRDs (RESOURCE_LOCK prometheus_crds).
restore_prometheus_crds() { kubectl apply --server-side -f "$prometheus_crds" >/dev/null 2>&1; }
at_exit restore_prometheus_crds
on_failure() { log_tail "operator log" "$operator_log" 30; }
k() { kubectl -n "$ns" "$@"; }
condition_is() { post2log_condition "$ns" metrics "$@"; }  # condition_is TYPE STATUS [REASON]

# Start from a cluster without the PodMonitor CRD.
kubectl delete crd podmonitors.monitoring.coreos.com --ignore-not-found --wait=true >/dev/null || exit 1
make_namespaces "$ns"
apply_post2log_crd || exit 1
# A resync period far beyond the test: what happens, happens because of a change seen.
# No kubelet runs the Fluentd configuration check's Job here (integration.config_check
# stands in for one): new configurations are applied unchecked.
start_operator --skip-fluentd-config-check --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 127.0.0.1:0 \
  --resync-period 1h

k apply -f - >/dev/null <<'YAML' || exit 1
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: metrics
spec:
  replicas: 2
  monitoring:
    podMonitor:
      interval: 15s
      labels:
        release: prometheus
YAML

check "without the PodMonitor CRD: Monitoring=False PodMonitorCRDMissing" \
  eventually 60 condition_is Monitoring False PodMonitorCRDMissing
everything_else_reconciled() {
  k get service metrics >/dev/null && k get deployment metrics-0 metrics-1 >/dev/null &&
    k get configmap metrics-fluentd >/dev/null
}
check "the Service, both shards and the Fluentd ConfigMap exist all the same" \
  eventually 60 everything_else_reconciled
wait_until 60 bash -c "[ \$(kubectl -n $ns get pods -l app.kubernetes.io/instance=metrics -o name | wc -l) -ge 2 ]"
make_pods_ready "$ns" app.kubernetes.io/instance=metrics
check "and it becomes Ready (Monitoring=False holds nothing back)" \
  eventually 90 condition_is Ready True

check "the Prometheus operator's CRDs are installed" kubectl apply --server-side -f "$prometheus_crds"
check "the PodMonitor appears without a change to the Post2Log (the CRD's arrival is seen)" \
  eventually 60 k get podmonitor metrics
check "Monitoring=True PodMonitorApplied" eventually 30 condition_is Monitoring True PodMonitorApplied

selects_every_shard() {
  local monitor selector port pods
  monitor=$(k get podmonitor metrics -o json) || return 1
  selector=$(jq -r '.spec.selector.matchLabels | to_entries | map("\(.key)=\(.value)") | join(",")' <<<"$monitor")
  port=$(jq -r '.spec.podMetricsEndpoints[0].port' <<<"$monitor")
  [ "$(jq -r '.spec.podMetricsEndpoints[0].path + " " + .spec.podMetricsEndpoints[0].interval' <<<"$monitor")" = "/metrics 15s" ] ||
    { echo "endpoint: $(jq -c '.spec.podMetricsEndpoints' <<<"$monitor")"; return 1; }
  [ "$(jq -r '.metadata.labels.release' <<<"$monitor")" = prometheus ] || { echo "no release label"; return 1; }
  jq -e '.spec.podTargetLabels | index("app.kubernetes.io/instance") != null and index("post2log.io/shard") != null' \
    <<<"$monitor" >/dev/null || { echo "podTargetLabels: $(jq -c '.spec.podTargetLabels' <<<"$monitor")"; return 1; }
  jq -e '.metadata.ownerReferences[0] | .kind == "Post2Log" and .name == "metrics" and .controller' <<<"$monitor" >/dev/null ||
    { echo "not controlled by the Post2Log"; return 1; }
  pods=$(k get pods -l "$selector" -o json) || return 1
  # One pod per shard, each with a container port of the endpoint's name.
  [ "$(jq '[.items[].metadata.labels["post2log.io/shard"]] | unique | length' <<<"$pods")" = 2 ] ||
    { echo "the selector $selector picks the pods of $(jq '[.items[].metadata.labels["post2log.io/shard"]] | unique' <<<"$pods")"; return 1; }
  jq -e --arg port "$port" 'all(.items[]; any(.spec.containers[].ports[]?; .name == $port))' <<<"$pods" >/dev/null ||
    { echo "not every selected pod has a port named $port"; return 1; }
}
check "the PodMonitor selects the pods of both shards, port http, /metrics every 15s" selects_every_shard

k patch post2log metrics --type=json -p '[{"op": "remove", "path": "/spec/monitoring"}]' >/dev/null || exit 1
check "monitoring removed from the spec: the PodMonitor is deleted" \
  eventually 60 bash -c "! kubectl -n $ns get podmonitor metrics >/dev/null 2>&1"
no_monitoring_condition() {
  [ -z "$(k get post2log metrics -o jsonpath='{.status.conditions[?(@.type=="Monitoring")].type}')" ] ||
    { echo "the Monitoring condition is still there"; return 1; }
}
check "and the Monitoring condition is gone" eventually 30 no_monitoring_condition

apply_install_rbac || exit 1
may_manage_podmonitors() {
  local verb
  for verb in list watch create patch delete; do
    kubectl auth can-i "$verb" podmonitors.monitoring.coreos.com -n "$ns" \
      --as=system:serviceaccount:post2log-system:post2log-operator >/dev/null || { echo "may not $verb podmonitors"; return 1; }
  done
}
check "the install's ClusterRole lets the operator list, watch, create, patch and delete PodMonitors" \
  may_manage_podmonitors
no_errors_logged() {
  ! grep '"level":"error"' "$operator_log" || return 1
}
check "no error in the operator's log" no_errors_logged

summary
