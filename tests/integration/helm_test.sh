#!/usr/bin/env bash
# The Helm chart (charts/post2log-operator) with the real Helm (tools/helm) on a real
# kube-apiserver:
# - `helm lint --strict` with the default and the namespaced values;
# - values.schema.json refuses misspelt and out-of-range values at `helm template`;
# - manifests/generated/ is what the chart renders (one source of truth);
# - what `helm template` renders is accepted by `kubectl apply --dry-run=server`, for
#   the default values, the namespaced values, and with the ServiceMonitor on (with the
#   Prometheus operator's CRDs from its Go module);
# - the release's lifecycle: `helm install` creates the operator in a namespace of its
#   own, `helm upgrade` with another concurrency changes its Deployment, `helm
#   uninstall` removes the operator and keeps the CRD and the Post2Logs.
# No kubelet runs on this tier: the operator's pods rolling and a Post2Log becoming
# READY through a Helm-installed operator are in the e2e tier (tests/e2e/helm_test.sh).
#
# Usage: helm_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: helm_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_tools kubectl jq
need_helm
prometheus_crds=$("$root/scripts/tools/fetch-prometheus-crds.sh" | tail -n1) && [ -d "$prometheus_crds" ] ||
  { echo "the Prometheus operator's CRDs could not be fetched (scripts/tools/fetch-prometheus-crds.sh)"; exit 1; }
chart=$root/charts/post2log-operator
namespaced_values=$chart/ci/namespaced-values.yaml

ns=helm-test-$$
release=p2l-$$
make_work_dir

check "helm lint --strict (default values)" h lint --strict "$chart"
check "helm lint --strict (namespaced values)" h lint --strict "$chart" -f "$namespaced_values"
check "manifests/generated/ is what the chart renders" \
  env P2L_HELM="$helm" "$root/scripts/release/render-manifests.sh" --check

# refused VALUES... EXPECTED: helm template fails, saying EXPECTED.
refused() {
  local expected=${*: -1} output
  if output=$(h template x "$chart" "${@:1:$#-1}" 2>&1); then
    echo "accepted: ${*:1:$#-1}"; return 1
  fi
  grep -qF -- "$expected" <<<"$output" || { echo "no \"$expected\" in: $output"; return 1; }
}
check "a misspelt value is refused" refused --set concurency=3 "additional properties 'concurency' not allowed"
check "concurrency 0 is refused" refused --set concurrency=0 "/concurrency"
check "a resync period that is no duration is refused" refused --set resyncPeriod=often "/resyncPeriod"
check "a watched namespace that is no DNS label is refused" refused --set 'watchNamespaces={Team_A}' "/watchNamespaces/0"
check "two replicas without leader election are refused" \
  refused --set replicaCount=2 --set leaderElection.enabled=false "needs leaderElection.enabled"

# The CRD goes in with the chart (crds/): the dry runs below need it only for ordering.
kubectl create namespace post2log-system --dry-run=client -o yaml | kubectl apply -f - >/dev/null || exit 1
# accepted NAME TEMPLATE-ARGS...: the rendered objects pass the API server's dry run.
server_accepts() {
  h template post2log-operator "$chart" --namespace post2log-system "$@" >"$work/rendered.yaml" || return 1
  kubectl apply --dry-run=server -f "$work/rendered.yaml"
}
check "helm template (default values) | kubectl apply --dry-run=server" server_accepts
check "helm template (namespaced values) | kubectl apply --dry-run=server" server_accepts -f "$namespaced_values"
check "the Prometheus operator's CRDs (PodMonitor, ServiceMonitor) apply" \
  kubectl apply --server-side -f "$prometheus_crds"
wait_until 60 kubectl wait --for condition=established --timeout=5s \
  crd/servicemonitors.monitoring.coreos.com crd/podmonitors.monitoring.coreos.com
check "helm template with the ServiceMonitor | kubectl apply --dry-run=server" \
  server_accepts --set metrics.serviceMonitor.enabled=true --set metrics.serviceMonitor.labels.release=prometheus
service_monitor_selects_service() {
  local rendered
  rendered=$(kubectl create --dry-run=client -o json -f "$work/rendered.yaml") || return 1
  # One JSON object per rendered object.
  jq -s -e '[.[] | select(.kind == "ServiceMonitor")][0] as $monitor
    | [.[] | select(.kind == "Service")][0] as $service
    | ($monitor.spec.selector.matchLabels | to_entries | all(. as $e | $service.metadata.labels[$e.key] == $e.value))
      and ($monitor.spec.endpoints[0].port as $port | $service.spec.ports | any(.name == $port))
      and $monitor.metadata.labels.release == "prometheus"' <<<"$rendered" >/dev/null
}
check "the ServiceMonitor selects the metrics Service and its metrics port" service_monitor_selects_service

# ---------------------------------------------------------------- the release's lifecycle
make_namespaces "$ns"
uninstall_release() { "$helm" uninstall "$release" -n "$ns" >/dev/null 2>&1; }
at_exit uninstall_release
# A Post2Log that must outlive the release.
kubectl apply -f "$root/crds/post2log.io_post2logs.yaml" >/dev/null || exit 1
kubectl -n "$ns" apply -f "$root/manifests/samples/default.yaml" >/dev/null || exit 1

installed() {
  h install "$release" "$chart" -n "$ns" --set 'watchNamespaces={'"$ns"'}' --set concurrency=2 || return 1
  local args
  args=$(kubectl -n "$ns" get deployment "$release-post2log-operator" -o jsonpath='{.spec.template.spec.containers[0].args}') || return 1
  jq -e 'index("--namespace=$(POD_NAMESPACE)") != null and index("--concurrency=2") != null' <<<"$args" >/dev/null ||
    { echo "unexpected args: $args"; return 1; }
  kubectl auth can-i list post2logs -n "$ns" --as="system:serviceaccount:$ns:$release-post2log-operator" >/dev/null ||
    { echo "the release's ServiceAccount may not list Post2Logs in $ns"; return 1; }
}
check "helm install: the operator, its ServiceAccount and Roles in $ns" installed
notes_say_next_steps() {
  local notes
  notes=$(h get notes "$release" -n "$ns") || return 1
  grep -q "kubectl wait post2log/postbacks --for=condition=Ready" <<<"$notes" &&
    grep -q "reconciling the Post2Logs of: $ns" <<<"$notes" || { echo "$notes"; return 1; }
}
check "helm's NOTES tell what to do next" notes_say_next_steps
upgraded() {
  local before after
  before=$(kubectl -n "$ns" get deployment "$release-post2log-operator" -o jsonpath='{.metadata.generation}')
  h upgrade "$release" "$chart" -n "$ns" --reuse-values --set concurrency=4 >/dev/null || return 1
  after=$(kubectl -n "$ns" get deployment "$release-post2log-operator" -o jsonpath='{.metadata.generation}')
  [ "$after" -gt "$before" ] || { echo "the Deployment did not change (generation $before, $after)"; return 1; }
  kubectl -n "$ns" get deployment "$release-post2log-operator" -o jsonpath='{.spec.template.spec.containers[0].args}' |
    jq -e 'index("--concurrency=4") != null' >/dev/null
}
check "helm upgrade --set concurrency=4 changes the operator's pod template" upgraded
uninstall_keeps_crd_and_post2logs() {
  h uninstall "$release" -n "$ns" >/dev/null || return 1
  if kubectl -n "$ns" get deployment "$release-post2log-operator" >/dev/null 2>&1; then
    echo "the operator's Deployment is still there"; return 1
  fi
  if kubectl -n "$ns" get role "$release-post2log-operator" >/dev/null 2>&1; then
    echo "the operator's Role is still there"; return 1
  fi
  kubectl get crd post2logs.post2log.io >/dev/null || { echo "the CRD is gone"; return 1; }
  kubectl -n "$ns" get post2log postbacks >/dev/null || { echo "the Post2Log is gone"; return 1; }
}
check "helm uninstall removes the operator and keeps the CRD and the Post2Logs" uninstall_keeps_crd_and_post2logs

summary
