#!/usr/bin/env bash
# The CRD on a real kube-apiserver: it is accepted and becomes Established,
# `kubectl explain` shows its documentation, every sample is accepted, every
# negative case that the schema can catch is rejected with a message naming
# its field, the server applies the same defaults as the operator's model, and
# `kubectl get post2logs` shows the READY, ENDPOINT, PORT and AGE columns.
# Usage: crd_apiserver_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: crd_apiserver_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_operator

ns=crd-test-$$
make_namespaces "$ns"

check "CRD applies" kubectl apply -f "$root/crds/post2log.io_post2logs.yaml"
check "CRD becomes Established" \
  kubectl wait --for condition=established --timeout=60s crd/post2logs.post2log.io

explains_fields() {
  local text=""
  # The OpenAPI document that explain reads is published shortly after the
  # CRD becomes Established.
  for _ in $(seq 1 60); do
    text=$(kubectl explain post2log.spec 2>&1) && break
    sleep 1
  done
  [ -n "$text" ] || return 1
  for field in port endpoint logQueryParams nodePort ingress workers replicas storage rotation \
               logLevel fluentd; do
    grep -q "^  $field\b" <<<"$text" || { echo "kubectl explain lacks $field"; echo "$text"; return 1; }
  done
  text=$(kubectl explain post2log.spec.rotation.backups) || return 1
  grep -qi 'rotated files kept' <<<"$text" || { echo "no description for rotation.backups"; return 1; }
}
check "kubectl explain documents every spec field" explains_fields

for sample in "$root"/manifests/samples/*.yaml; do
  check "sample $(basename "$sample") is accepted" \
    kubectl apply --dry-run=server -n "$ns" -f "$sample"
done

# What the samples become (Deployments, PVCs, Service, Ingress, NetworkPolicy, PodMonitor,
# ConfigMap) is accepted by the API server too; each sample with the policy flags its comments
# name. The PodMonitor needs the Prometheus operator's CRDs (from its Go module).
prometheus_crds=$("$root/scripts/tools/fetch-prometheus-crds.sh" | tail -n1) ||
  { echo "the Prometheus operator's CRDs could not be fetched"; exit 1; }
kubectl apply --server-side -f "$prometheus_crds" >/dev/null || exit 1
kubectl wait --for condition=established --timeout=60s crd/podmonitors.monitoring.coreos.com >/dev/null || exit 1
children_accepted() {  # children_accepted SAMPLE [POLICY FLAGS...]
  local sample=$1
  shift
  "$operator" render -f "$sample" "$@" | kubectl apply --dry-run=server -n "$ns" -f - >/dev/null
}
for sample in "$root"/manifests/samples/*.yaml; do
  flags=()
  case "$(basename "$sample")" in
    nodeport.yaml) flags=(--allow-node-port) ;;
    live-kafka.yaml) flags=(--allowed-image-prefix registry.example.com/) ;;
  esac
  check "the children of $(basename "$sample") are accepted" children_accepted "$sample" "${flags[@]}"
done

rejected() {  # rejected FILE FIELD
  local output
  if output=$(kubectl apply --dry-run=server -n "$ns" -f "$1" 2>&1); then
    echo "accepted, but should have been rejected:"; echo "$output"; return 1
  fi
  grep -qF -- "$2" <<<"$output" || { echo "the error does not name $2:"; echo "$output"; return 1; }
}
for case_file in "$here"/../operator/invalid/*.yaml; do
  grep -q '^# rejected-by: .*apiserver' "$case_file" || continue
  field=$(sed -n 's/^# expect: \([^:]*\):.*/\1/p' "$case_file" | head -n1)
  check "invalid $(basename "$case_file") is rejected naming $field" rejected "$case_file" "$field"
done

# The API server's defaults must be the model's: apply a minimal CR, read it
# back, and render both; the children must be identical.
defaults_match() {
  kubectl apply -n "$ns" -f - <<YAML >/dev/null || return 1
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: minimal
YAML
  local served from_server from_file
  served=$(kubectl get post2log minimal -n "$ns" -o json) || return 1
  from_server=$(jq 'del(.metadata.uid, .metadata.resourceVersion, .metadata.generation,
      .metadata.creationTimestamp, .metadata.managedFields, .metadata.annotations)' <<<"$served" |
      "$operator" render -f -) || return 1
  from_file=$(printf 'apiVersion: post2log.io/v1alpha1\nkind: Post2Log\nmetadata:\n  name: minimal\n  namespace: %s\n' "$ns" |
      "$operator" render -f -) || return 1
  [ "$from_server" = "$from_file" ] || { diff <(echo "$from_file") <(echo "$from_server"); return 1; }
}
check "server defaults equal the model's (same rendered children)" defaults_match

columns() {
  local header
  header=$(kubectl get post2logs -n "$ns" | head -n1)
  [[ "$header" =~ ^NAME[[:space:]]+READY[[:space:]]+ENDPOINT[[:space:]]+PORT[[:space:]]+AGE ]] ||
    { echo "unexpected columns: $header"; return 1; }
  local row
  row=$(kubectl get p2l minimal -n "$ns") || return 1
  grep -q '/postback *80' <<<"$row" || { echo "$row"; return 1; }
}
check "kubectl get post2logs (and p2l) shows READY ENDPOINT PORT AGE" columns

status_subresource() {
  kubectl patch post2log minimal -n "$ns" --subresource=status --type=merge \
    -p '{"status":{"ready":"0/1","readyReplicas":0,"replicas":1}}' >/dev/null || return 1
  [ "$(kubectl get p2l minimal -n "$ns" -o jsonpath='{.status.ready}')" = "0/1" ] || return 1
  local row
  row=$(kubectl get p2l minimal -n "$ns") || return 1
  grep -q ' 0/1 ' <<<"$row" || { echo "$row"; return 1; }
}
check "status subresource fills the READY column" status_subresource

summary
