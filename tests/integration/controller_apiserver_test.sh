#!/usr/bin/env bash
# The controller (`post2log-operator run`) as a real process against a real
# kube-apiserver, etcd and kube-controller-manager: a Post2Log becomes its
# children and they follow every change of the spec; deleted or hand-edited
# children are restored; an invalid spec is reported without touching the
# children; the status follows the shards; nothing is written at steady state;
# deleting the Post2Log garbage-collects the children; a reconcile the API
# server refuses is retried and reported as one Event.
#
# No kubelet and no scheduler run at this tier, so pods stay Pending. Where the
# test needs a ready shard it writes the pod's status through the API, as the
# kubelet would (`kubectl patch --subresource=status`); kube-controller-manager
# then carries it into the ReplicaSet and Deployment status as it does in a
# real cluster. (Patching the Deployment status directly does not stick: the
# deployment controller recomputes it from the ReplicaSets at once.)
#
# Usage: controller_apiserver_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: controller_apiserver_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_operator
need_tools kubectl jq curl

ns=controller-test-$$
make_work_dir

on_failure() { log_tail "operator log" "$operator_log" 40; }

k() { kubectl -n "$ns" "$@"; }

# The jq function: does the live object hold every desired field with the same
# value? The operator's own rule; zero values may be absent (the server drops them).
subset_jq='
def zero: . == null or . == false or . == 0 or . == "" or . == {} or . == [];
def subset($d):
  if ($d|type) == "object" then
    type == "object" and ([$d|to_entries[] as $e | (.[$e.key]) as $v
      | if $v == null then ($e.value|zero) else ($v|subset($e.value)) end] | all)
  elif ($d|type) == "array" then
    type == "array" and length == ($d|length)
      and ([range(0; $d|length) as $i | (.[$i]|subset($d[$i]))] | all)
  else . == $d end;'

# Every child the model renders from the served Post2Log exists and holds the
# rendered fields (owner references included).
children_match() {
  local served rendered count i kind name desired live
  served=$(k get post2log demo -o json) || return 1
  # kubectl reads the rendered YAML into JSON, one object per line.
  rendered=$(jq 'del(.status)' <<<"$served" | "$operator" render -f - |
    kubectl create --dry-run=client -o json -f - | jq -c 'if .kind == "List" then .items[] else . end') || return 1
  count=$(wc -l <<<"$rendered")
  for i in $(seq 1 "$count"); do
    desired=$(sed -n "${i}p" <<<"$rendered")
    kind=$(jq -r .kind <<<"$desired"); name=$(jq -r .metadata.name <<<"$desired")
    live=$(k get "$kind" "$name" -o json 2>&1) || { echo "$kind $name: $live"; return 1; }
    jq -e --argjson d "$desired" "$subset_jq subset(\$d)" <<<"$live" >/dev/null ||
      { echo "$kind $name differs from the rendered object"; return 1; }
  done
}

exists() { k get "$1" "$2" >/dev/null 2>&1; }
absent() { ! exists "$1" "$2"; }
jsonpath_is() {  # jsonpath_is RESOURCE NAME PATH VALUE
  local value
  value=$(k get "$1" "$2" -o jsonpath="$3") || return 1
  [ "$value" = "$4" ] || { echo "$1/$2 $3 is '$value', expected '$4'"; return 1; }
}
condition_is() {  # condition_is TYPE STATUS
  jsonpath_is post2log demo "{.status.conditions[?(@.type==\"$1\")].status}" "$2"
}
deployments() { k get deployments -l app.kubernetes.io/instance=demo -o jsonpath='{.items[*].metadata.name}'; }
deployments_are() { local d; d=$(deployments) || return 1; [ "$d" = "$1" ] || { echo "deployments: '$d', expected '$1'"; return 1; }; }

metrics_url=""
metric() {  # sum of a metric's samples whose labels match the regex
  curl -sf "$metrics_url/metrics" | awk -v pattern="$1" '$0 !~ /^#/ && $1 ~ pattern { sum += $2 } END { print sum + 0 }'
}
writes() { metric '^post2log_operator_api_requests_total[{]verb="(POST|PUT|PATCH|DELETE)"'; }

# ---------------------------------------------------------------- start

make_namespaces "$ns"
apply_post2log_crd || exit 1

# The operator runs with the install's RBAC: a token of its ServiceAccount, bound to
# the install's ClusterRole (manifests/generated/cluster/, rendered from the chart), so every
# code path below shows the role suffices.
apply_install_rbac || exit 1
operator_kubeconfig=$work/operator.kubeconfig
token=$(kubectl -n post2log-system create token post2log-operator --duration=2h) || exit 1
kubectl config view --minify --raw -o json |
  jq --arg token "$token" '.users[0].user = {token: $token}' >"$operator_kubeconfig" || exit 1
sa=system:serviceaccount:post2log-system:post2log-operator
least_privilege() {
  local denied
  for denied in "update deployments" "update services" "delete persistentvolumeclaims" \
                "delete services" "update post2logs --subresource=status" "create post2logs" "get secrets"; do
    if kubectl auth can-i $denied --as="$sa" -n "$ns" >/dev/null 2>&1; then
      echo "the operator's role allows: $denied"; return 1
    fi
  done
}
check "the operator's role grants none of the verbs its code never uses" least_privilege

run_operator() {
  # --allow-node-port: the spec changes below include a nodePort (the default policy refuses
  # it; integration.status checks the refusal).
  # No kubelet runs the Fluentd configuration check's Job here (integration.config_check
  # stands in for one): new configurations are applied unchecked.
  start_operator --skip-fluentd-config-check --kubeconfig "$operator_kubeconfig" --namespace "$ns" \
    --metrics-bind-address 127.0.0.1:0 --allow-node-port --resync-period 5s --concurrency 2
}
run_operator
metrics_url=$(operator_metrics_url)
started() {
  [ -n "$metrics_url" ] || { echo "no metrics address logged"; return 1; }
  eventually 60 curl -sf "$metrics_url/readyz" >/dev/null || return 1
  curl -sf "$metrics_url/healthz" >/dev/null
}
check "operator starts, logs its metrics address, becomes ready" started
[ -n "$metrics_url" ] || { echo "$passed passed, $((failed + 1)) failed (cannot go on)"; exit 1; }

logs_json() { [ -s "$operator_log" ] && jq -e . "$operator_log" >/dev/null; }
check "operator log is JSON lines" logs_json

# ---------------------------------------------------------------- create

k apply -f - >/dev/null <<'YAML'
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: demo
spec:
  endpoint: /postback/test
YAML
all_children() {
  for child in configmap/demo-fluentd service/demo deployment/demo-0 pvc/demo-0-data pvc/demo-0-fluentd; do
    exists "${child%/*}" "${child#*/}" || { echo "$child missing"; return 1; }
  done
  children_match
}
check "a new Post2Log gets every child, as rendered, owned by it" eventually 60 all_children

status_written() {
  jsonpath_is post2log demo '{.status.ready}' 0/1 &&
    jsonpath_is post2log demo '{.status.url}' "http://demo.$ns.svc:80/postback/test" &&
    condition_is ConfigValid True && condition_is Ready False
}
check "status: 0/1 ready, url, ConfigValid, not Ready" eventually 30 status_written

columns() {
  local header row
  header=$(k get post2logs | head -n1)
  [[ "$header" =~ ^NAME[[:space:]]+READY[[:space:]]+ENDPOINT[[:space:]]+PORT[[:space:]]+AGE ]] ||
    { echo "unexpected columns: $header"; return 1; }
  row=$(k get p2l demo | tail -n1)
  [[ "$row" =~ ^demo[[:space:]]+0/1[[:space:]]+/postback/test[[:space:]]+80[[:space:]] ]] || { echo "$row"; return 1; }
}
check "kubectl get post2logs shows READY ENDPOINT PORT AGE" eventually 20 columns

ready_one() {
  make_pods_ready "$ns" app.kubernetes.io/instance=demo >/dev/null 2>&1
  condition_is Ready True && jsonpath_is post2log demo '{.status.ready}' 1/1 &&
    k get p2l demo | grep -q ' 1/1 '
}
check "status follows the shard: Ready=True, READY 1/1" eventually 60 ready_one

# ---------------------------------------------------------------- steady state

steady() {
  local before after
  eventually 30 queue_drained || return 1
  sleep 2
  before=$(writes)
  local reconciles_before
  reconciles_before=$(metric '^post2log_operator_reconciles_total')
  sleep 12  # two resyncs at --resync-period 5s
  after=$(writes)
  local reconciles_after
  reconciles_after=$(metric '^post2log_operator_reconciles_total')
  ((before > 0)) || { echo "no write counted at all: the counter does not work"; return 1; }
  [ "$after" = "$before" ] || { echo "writes moved from $before to $after at steady state"; curl -s "$metrics_url/metrics" | grep api_requests; return 1; }
  ((reconciles_after >= reconciles_before + 2)) || { echo "no resync seen ($reconciles_before -> $reconciles_after reconciles)"; return 1; }
}
check "no writes at steady state, through two resyncs" steady


metrics_shape() {
  local text
  text=$(curl -sf "$metrics_url/metrics") || return 1
  for line in 'post2log_operator_reconciles_total{result="success"}' 'post2log_operator_reconciles_total{result="error"}' \
              'post2log_operator_reconciles_total{result="invalid"}' 'post2log_operator_reconcile_duration_seconds_bucket{le="+Inf"}' \
              'post2log_operator_reconcile_duration_seconds_count' 'post2log_operator_queue_depth' \
              'post2log_operator_api_requests_total{verb="PATCH",code="201"}' 'post2log_operator_api_requests_total{verb="WATCH",code="200"}'; do
    grep -qF "$line" <<<"$text" || { echo "metrics lack $line"; return 1; }
  done
}
check "metrics: reconciles by result, duration histogram, queue depth, API requests" metrics_shape

# A restarted operator fills its caches from lists rather than watch events;
# it must find the same children already in place and write nothing. (The
# restart happens here at the top level: `check` runs its command in a
# subshell, which cannot wait for or own the operator process.)
sigterm_and_wait "$operator_pid"
first_exit=$stop_status
mv "$operator_log" "$operator_log.first"
run_operator
metrics_url=$(operator_metrics_url)
restarted_quietly() {
  [ "$first_exit" = 0 ] || { echo "the first operator exited with $first_exit"; return 1; }
  [ -n "$metrics_url" ] || { echo "the restarted operator logged no metrics address"; return 1; }
  eventually 60 curl -sf "$metrics_url/readyz" >/dev/null || return 1
  sleep 12  # the first reconcile plus two resyncs at --resync-period 5s
  local after
  after=$(writes)
  [ "$after" = 0 ] || { echo "a restarted operator wrote $after times"; grep -E 'updating|creating' "$operator_log" | head; return 1; }
}
check "a restarted operator writes nothing when nothing changed" restarted_quietly

# ---------------------------------------------------------------- drift

k delete deployment demo-0 --wait=false >/dev/null
check "a deleted Deployment comes back" eventually 30 bash -c "kubectl -n $ns get deployment demo-0 -o jsonpath='{.metadata.deletionTimestamp}{.metadata.name}' | grep -qx demo-0"
k delete configmap demo-fluentd --wait=false >/dev/null
check "a deleted ConfigMap comes back" eventually 30 exists configmap demo-fluentd

k patch service demo --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":8081}]' >/dev/null
check "a hand-edited Service port is restored" eventually 30 jsonpath_is service demo '{.spec.ports[0].port}' 80
k label configmap demo-fluentd app.kubernetes.io/name=tampered --overwrite >/dev/null
check "a hand-edited label is restored" eventually 30 jsonpath_is configmap demo-fluentd '{.metadata.labels.app\.kubernetes\.io/name}' post2log

# ---------------------------------------------------------------- scale

k patch post2log demo --type=merge -p '{"spec":{"replicas":3}}' >/dev/null
scaled_up() {
  deployments_are "demo-0 demo-1 demo-2" || return 1
  for i in 1 2; do exists pvc "demo-$i-data" && exists pvc "demo-$i-fluentd" || { echo "PVCs of shard $i missing"; return 1; }; done
  children_match && jsonpath_is post2log demo '{.status.replicas}' 3
}
check "replicas 1 -> 3: three shards with their PVCs" eventually 60 scaled_up

k patch post2log demo --type=merge -p '{"spec":{"replicas":1}}' >/dev/null
scaled_down() {
  deployments_are "demo-0" || return 1
  for i in 1 2; do exists pvc "demo-$i-data" && exists pvc "demo-$i-fluentd" || { echo "PVCs of shard $i were deleted"; return 1; }; done
  jsonpath_is post2log demo '{.status.replicas}' 1
}
check "replicas 3 -> 1: shards 1 and 2 go, their PVCs stay" eventually 60 scaled_down

# ---------------------------------------------------------------- spec changes

hash_before=$(k get deployment demo-0 -o jsonpath='{.spec.template.metadata.annotations.post2log\.io/fluentd-config-hash}')
k patch post2log demo --type=merge -p '{"spec":{"fluentd":{"outputConfig":"<match post2log>\n  @type null\n</match>"}}}' >/dev/null
config_rolled() {
  k get configmap demo-fluentd -o jsonpath='{.data.fluent\.conf}' | grep -q '@type null' || { echo "ConfigMap not updated"; return 1; }
  local hash
  hash=$(k get deployment demo-0 -o jsonpath='{.spec.template.metadata.annotations.post2log\.io/fluentd-config-hash}')
  [ -n "$hash" ] && [ "$hash" != "$hash_before" ] || { echo "pod template hash unchanged: $hash"; return 1; }
}
check "outputConfig change: ConfigMap and pod-template hash change" eventually 30 config_rolled

k patch post2log demo --type=merge -p '{"spec":{"nodePort":30080}}' >/dev/null
node_port_on() { jsonpath_is service demo '{.spec.type}' NodePort && jsonpath_is service demo '{.spec.ports[0].nodePort}' 30080; }
check "nodePort set: Service type NodePort on that port" eventually 30 node_port_on
k patch post2log demo --type=json -p '[{"op":"remove","path":"/spec/nodePort"}]' >/dev/null
check "nodePort unset: Service type ClusterIP" eventually 30 jsonpath_is service demo '{.spec.type}' ClusterIP

k patch post2log demo --type=merge -p '{"spec":{"ingress":{"host":"logs.example.com","annotations":{"example.com/a":"b"}}}}' >/dev/null
ingress_on() {
  jsonpath_is ingress demo '{.spec.rules[0].host}' logs.example.com &&
    jsonpath_is ingress demo '{.spec.rules[0].http.paths[0].path}' /postback/test &&
    jsonpath_is ingress demo '{.spec.rules[0].http.paths[0].backend.service.name}' demo
}
check "ingress set: Ingress routes the endpoint to the Service" eventually 30 ingress_on
k patch post2log demo --type=json -p '[{"op":"remove","path":"/spec/ingress"}]' >/dev/null
check "ingress unset: Ingress deleted" eventually 30 absent ingress demo

k patch post2log demo --type=merge -p '{"spec":{"networkPolicy":{"from":[{"podSelector":{"matchLabels":{"role":"sender"}}}]}}}' >/dev/null
policy_on() {
  jsonpath_is networkpolicy demo '{.spec.ingress[0].ports[0].port}' 8080 &&
    jsonpath_is networkpolicy demo '{.spec.ingress[0].from[0].podSelector.matchLabels.role}' sender &&
    jsonpath_is networkpolicy demo '{.spec.podSelector.matchLabels.app\.kubernetes\.io/instance}' demo
}
check "networkPolicy set: a NetworkPolicy admits the given peers to the receiver port" eventually 30 policy_on
k patch post2log demo --type=json -p '[{"op":"remove","path":"/spec/networkPolicy"}]' >/dev/null
check "networkPolicy unset: NetworkPolicy deleted" eventually 30 absent networkpolicy demo

k patch post2log demo --type=merge -p '{"spec":{"fluentd":{"enabled":false}}}' >/dev/null
fluentd_off() {
  absent configmap demo-fluentd || { echo "ConfigMap still there"; return 1; }
  local containers
  containers=$(k get deployment demo-0 -o jsonpath='{.spec.template.spec.containers[*].name}')
  [[ "$containers" != *fluentd* ]] || { echo "containers: $containers"; return 1; }
  exists pvc demo-0-fluentd || { echo "the Fluentd PVC was deleted"; return 1; }
}
check "fluentd disabled: ConfigMap deleted, sidecar gone, its PVC kept" eventually 30 fluentd_off
k patch post2log demo --type=merge -p '{"spec":{"fluentd":{"enabled":true}}}' >/dev/null
check "fluentd enabled again: ConfigMap back" eventually 30 exists configmap demo-fluentd

# ---------------------------------------------------------------- invalid spec

invalid_case=$here/../operator/invalid/output-misnamed-close.yaml
grep -q '^# rejected-by: model' "$invalid_case" || { echo "$invalid_case is not a model-only case"; exit 1; }
expected=$(sed -n 's/^# expect: //p' "$invalid_case")
bad_output=$(kubectl create --dry-run=client -o json -f "$invalid_case" | jq '.spec.fluentd.outputConfig')
snapshot() {  # the children's specs and data, without server bookkeeping
  k get deployments,services,configmaps,persistentvolumeclaims,ingresses,networkpolicies -l app.kubernetes.io/instance=demo -o json |
    jq -S '[.items[] | {kind, name: .metadata.name, labels: .metadata.labels, spec: (.spec // null), data: (.data // null)}]'
}
eventually 30 queue_drained >/dev/null
sleep 2
before_invalid=$(snapshot)
applied_invalid() { k patch post2log demo --type=merge -p "{\"spec\":{\"fluentd\":{\"outputConfig\":$bad_output}}}"; }
check "the CRD accepts an outputConfig only the model rejects" applied_invalid
invalid_reported() {
  condition_is ConfigValid False || return 1
  local reason message
  reason=$(k get post2log demo -o jsonpath='{.status.conditions[?(@.type=="ConfigValid")].reason}')
  message=$(k get post2log demo -o jsonpath='{.status.conditions[?(@.type=="ConfigValid")].message}')
  [ "$reason" = InvalidSpec ] || { echo "reason $reason"; return 1; }
  [[ "$message" == *"$expected"* ]] || { echo "message: $message"; echo "expected: $expected"; return 1; }
}
check "invalid outputConfig: ConfigValid=False naming the field and line" eventually 30 invalid_reported
invalid_event() {
  local events
  events=$(k get events.events.k8s.io -o json |
    jq '[.items[] | select(.regarding.name == "demo" and .reason == "InvalidSpec" and .type == "Warning")] | length')
  [ "$events" = 1 ] || { echo "$events InvalidSpec Warning events (expected exactly 1)"; return 1; }
}
check "invalid outputConfig: one Warning Event" eventually 30 invalid_event
sleep 11  # two resyncs: the Event is not repeated, the children are not touched
check "still one Event after two resyncs" invalid_event
children_unchanged() {
  local after
  after=$(snapshot)
  [ "$after" = "$before_invalid" ] || { diff <(echo "$before_invalid") <(echo "$after"); return 1; }
}
check "invalid outputConfig: children left exactly as they were" children_unchanged
invalid_counted() { (($(metric '^post2log_operator_reconciles_total[{]result="invalid"') >= 1)); }
check "metrics count the invalid reconciles" invalid_counted

k patch post2log demo --type=merge -p '{"spec":{"fluentd":{"outputConfig":"<match post2log>\n  @type stdout\n</match>"}}}' >/dev/null
check "a fixed outputConfig: ConfigValid=True again" eventually 30 condition_is ConfigValid True

# ---------------------------------------------------------------- delete

k delete post2log demo --wait=false >/dev/null
collected() {
  local left
  left=$(k get deployments,services,configmaps,persistentvolumeclaims,ingresses,networkpolicies -l app.kubernetes.io/instance=demo -o name)
  [ -z "$left" ] || { echo "still there:"; echo "$left"; return 1; }
}
check "deleting the Post2Log garbage-collects every child (PVCs included)" eventually 90 collected

no_errors() {
  local errors
  errors=$(metric '^post2log_operator_reconciles_total[{]result="error"')
  [ "$errors" = 0 ] || { echo "$errors reconciles failed"; grep '"reconcile failed"' "$operator_log" | head -5; return 1; }
}
check "no reconcile failed during the whole run" no_errors

# ---------------------------------------------------------------- failing reconciles

# A ResourceQuota that allows no PersistentVolumeClaims makes every reconcile of
# a new Post2Log fail at the API server, as a real quota would: the failure is
# retried with backoff and reported once as a Warning Event, not once per retry.
k create quota no-claims --hard=persistentvolumeclaims=0 >/dev/null
# Until kube-controller-manager has counted the quota's usage, the refusal says
# "status unknown" instead of "exceeded quota": a different message, so a second Event.
eventually 30 jsonpath_is quota no-claims '{.status.hard.persistentvolumeclaims}' 0 >/dev/null
k apply -f - >/dev/null <<'YAML'
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: quota
YAML
failed_reconciles() { metric '^post2log_operator_reconciles_total[{]result="error"'; }
failure_events() {
  k get events.events.k8s.io -o json |
    jq -r '[.items[] | select(.regarding.name == "quota" and .reason == "ReconcileFailed" and .type == "Warning")] | length, (.[0].note // "")'
}
failure_reported() {
  local output count note
  output=$(failure_events) || return 1
  count=$(head -n1 <<<"$output"); note=$(tail -n1 <<<"$output")
  [ "$count" = 1 ] || { echo "$count ReconcileFailed Warning events (expected exactly 1)"; return 1; }
  [[ "$note" == *"exceeded quota"* ]] || { echo "note: $note"; return 1; }
}
check "a reconcile the API server refuses: one Warning Event with its message" eventually 60 failure_reported
retried() { (($(failed_reconciles) >= 4)) || { echo "$(failed_reconciles) failed reconciles so far"; return 1; }; }
check "the failing reconcile is retried with backoff" eventually 60 retried
check "still one ReconcileFailed Event after the retries" failure_reported
degraded_is() {  # degraded_is STATUS REASON: the quota Post2Log's Degraded condition
  jsonpath_is post2log quota '{.status.conditions[?(@.type=="Degraded")].status}' "$1" &&
    jsonpath_is post2log quota '{.status.conditions[?(@.type=="Degraded")].reason}' "$2"
}
check "the status says it: Degraded=True, reason ReconcileFailed" eventually 30 degraded_is True ReconcileFailed
k delete quota no-claims >/dev/null
check "the quota gone: the retries create the PVCs" eventually 90 bash -c "kubectl -n $ns get pvc quota-0-data quota-0-fluentd >/dev/null"
check "and the status clears: Degraded=False" eventually 30 degraded_is False AsExpected
k delete post2log quota --wait=false >/dev/null

# Not under check: only this shell can wait for the operator process.
sigterm_and_wait "$operator_pid"
check "SIGTERM: the operator stops and exits 0" stopped_cleanly

summary
