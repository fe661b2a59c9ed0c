#!/usr/bin/env bash
# What deploy tools read from a Post2Log's status, against a real kube-apiserver,
# etcd and kube-controller-manager with the operator as a real process:
# - kstatus (sigs.k8s.io/cli-utils, the library Flux and kpt use; tools/kstatus)
#   in each state: just created, rolling, ready, invalid edit, invalid from
#   creation, refused write, failing shard, name conflict;
# - objects named like the children but not the Post2Log's are left alone;
# - a Post2Log beyond the operator's default policy is refused;
# - `kubectl wait --for=condition=Ready` returns only when the rollout is done;
# - a pod-template change rolls the shards one at a time;
# - the scale subresource: `kubectl scale` and a HorizontalPodAutoscaler.
#
# No kubelet runs at this tier: where a shard must be Ready the test writes its
# pod's status as the kubelet would (make_pods_ready).
#
# Usage: status_apiserver_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: status_apiserver_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_operator
need_tools kubectl jq
kstatus=$("$root/scripts/tools/build.sh" kstatus | tail -n1) && [ -x "$kstatus" ] ||
  { echo "the kstatus checker could not be built (scripts/tools/build.sh kstatus)"; exit 1; }

ns=status-test-$$
make_work_dir
on_failure() { log_tail "operator log" "$operator_log" 30; }

k() { kubectl -n "$ns" "$@"; }
ready_pods() { make_pods_ready "$ns" "app.kubernetes.io/instance=$1"; }

# kstatus_is NAME STATUS: what kstatus computes for the Post2Log NAME.
kstatus_is() {
  local result
  result=$(k get post2log "$1" -o json | "$kstatus") || return 1
  [ "${result%%$'\t'*}" = "$2" ] || { echo "kstatus says '$result', expected $2"; return 1; }
}
condition_is() { post2log_condition "$ns" "$@"; }  # condition_is NAME TYPE STATUS [REASON]
generation_observed() {  # generation_observed NAME
  local g
  g=$(k get post2log "$1" -o jsonpath='{.metadata.generation} {.status.observedGeneration}')
  [ "${g% *}" = "${g#* }" ] || { echo "generation and observedGeneration: $g"; return 1; }
}
# The P2L_WORKERS each shard's Deployment runs, e.g. "2 1 1".
workers_of_shards() {
  local i out=""
  for i in $(seq 0 $(($2 - 1))); do
    out+="$(k get deployment "$1-$i" -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="P2L_WORKERS")].value}') "
  done
  echo "${out% }"
}
workers_are() {  # workers_are NAME SHARDS "W0 W1 ..."
  local got
  got=$(workers_of_shards "$1" "$2")
  [ "$got" = "$3" ] || { echo "P2L_WORKERS per shard: '$got', expected '$3'"; return 1; }
}
create() {  # create NAME SPEC_JSON
  k apply -f - >/dev/null <<YAML
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: $1
spec: $2
YAML
}

make_namespaces "$ns"
apply_post2log_crd || exit 1
# No kubelet runs the Fluentd configuration check's Job here (integration.config_check
# stands in for one): new configurations are applied unchecked.
start_operator --skip-fluentd-config-check --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 127.0.0.1:0 \
  --resync-period 5s

# ---------------------------------------------------------------- create, ready

create web '{"replicas": 3, "fluentd": {"enabled": false}}'
just_created() { kstatus_is web InProgress && generation_observed web && condition_is web Ready False; }
check "just created: kstatus InProgress, generation observed, Ready=False" eventually 60 just_created
all_ready() { ready_pods web >/dev/null 2>&1; kstatus_is web Current && condition_is web Ready True AllShardsReady; }
check "every shard Ready: kstatus Current, Ready=True" eventually 60 all_ready
wide() {
  local header row
  header=$(k get post2logs -o wide | head -n1); row=$(k get post2logs web -o wide | tail -n1)
  [[ "$header" =~ NAME[[:space:]]+READY[[:space:]]+ENDPOINT[[:space:]]+PORT[[:space:]]+REPLICAS[[:space:]]+UPDATED[[:space:]]+URL[[:space:]]+AGE ]] ||
    { echo "header: $header"; return 1; }
  [[ "$row" =~ ^web[[:space:]]+3/3[[:space:]]+/postback[[:space:]]+80[[:space:]]+3[[:space:]]+3[[:space:]]+http://web\.$ns\.svc:80/postback ]] ||
    { echo "row: $row"; return 1; }
}
check "kubectl get -o wide: REPLICAS, UPDATED and URL" wide
# Who wrote what, as `kubectl get --show-managed-fields` and audit logs tell it: the operator by
# its own name (its User-Agent), not its HTTP library's.
writers() {
  local managers
  managers=$(k get post2log web -o json --show-managed-fields |
    jq -r '.metadata.managedFields[] | select(.subresource == "status") | .manager' | sort -u)
  [ "$managers" = post2log-operator ] || { echo "status written by: $managers"; return 1; }
  managers=$(k get deployment web-0 -o json --show-managed-fields |
    jq -r '.metadata.managedFields[] | select(.operation == "Apply") | .manager' | sort -u)
  [ "$managers" = post2log-operator ] || { echo "shard applied by: $managers"; return 1; }
}
check "the status and the children are written under the name post2log-operator" writers

# ---------------------------------------------------------------- rolling, one shard at a time

k patch post2log web --type=merge -p '{"spec":{"workers":2}}' >/dev/null
kubectl -n "$ns" wait --for=condition=Ready post2log/web --timeout=180s >"$work/wait.out" 2>&1 &
wait_pid=$!
stop_kubectl_wait() { [ -z "$wait_pid" ] || kill "$wait_pid" 2>/dev/null; }
at_exit stop_kubectl_wait
rolling() { kstatus_is web InProgress && generation_observed web && condition_is web Ready False; }
check "a spec change: kstatus InProgress at once, Ready=False though old pods serve" eventually 30 rolling
check "only shard 0 takes the new template" eventually 30 workers_are web 3 "2 1 1"
sleep 4  # the operator had every chance to go on
check "shards 1 and 2 wait while shard 0 is not Ready" workers_are web 3 "2 1 1"
says_rolling() {
  k get post2log web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].message}' | grep -q 'shard 0 is rolling' ||
    { echo "Progressing: $(k get post2log web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].message}')"; return 1; }
}
check "Progressing names the rolling shard" says_rolling
still_waiting() { kill -0 "$wait_pid" 2>/dev/null || { echo "kubectl wait returned: $(cat "$work/wait.out")"; return 1; }; }
check "kubectl wait --for=condition=Ready is still waiting" still_waiting
step() { ready_pods web >/dev/null 2>&1; workers_are web 3 "$1"; }
check "shard 0 Ready: shard 1 follows" eventually 60 step "2 2 1"
sleep 4
check "shard 2 waits for shard 1" workers_are web 3 "2 2 1"
check "kubectl wait is still waiting" still_waiting
check "shard 1 Ready: shard 2 follows" eventually 60 step "2 2 2"
check "kstatus: InProgress until the last shard is Ready" kstatus_is web InProgress
check "the last shard Ready: kstatus Current" eventually 60 all_ready
# Not under check: only this shell can wait for the kubectl process.
wait_status=0
wait "$wait_pid" || wait_status=$?
wait_pid=""
check "kubectl wait --for=condition=Ready returned 0 once the rollout was done" test "$wait_status" = 0
updated() { [ "$(k get post2log web -o jsonpath='{.status.updatedReplicas}')" = 3 ]; }
check "status.updatedReplicas 3" updated

# ---------------------------------------------------------------- invalid

invalid_case=$here/../operator/invalid/output-misnamed-close.yaml
bad_output=$(kubectl create --dry-run=client -o json -f "$invalid_case" | jq '.spec.fluentd.outputConfig')
k patch post2log web --type=merge -p "{\"spec\":{\"fluentd\":{\"outputConfig\":$bad_output}}}" >/dev/null
invalid_edit() { kstatus_is web Failed && generation_observed web && condition_is web Stalled True InvalidSpec && condition_is web Ready False InvalidSpec; }
check "an invalid edit: kstatus Failed, Stalled=True InvalidSpec, Ready=False" eventually 30 invalid_edit
no_wait() { ! kubectl -n "$ns" wait --for=condition=Ready post2log/web --timeout=3s >/dev/null 2>&1; }
check "kubectl wait --for=condition=Ready does not succeed on an invalid edit" no_wait
k patch post2log web --type=merge -p '{"spec":{"fluentd":{"outputConfig":"<match post2log>\n  @type stdout\n</match>"}}}' >/dev/null
check "the edit fixed: kstatus Current again" eventually 30 all_ready

create broken-from-start "$(kubectl create --dry-run=client -o json -f "$invalid_case" | jq -c .spec)"
invalid_created() { kstatus_is broken-from-start Failed && generation_observed broken-from-start && condition_is broken-from-start ConfigValid False InvalidSpec; }
check "invalid from creation: kstatus Failed" eventually 30 invalid_created
k delete post2log broken-from-start >/dev/null

# ---------------------------------------------------------------- scale

k scale post2log web --replicas=2 >/dev/null
scaled() {
  [ "$(k get deployments -l app.kubernetes.io/instance=web -o name | wc -l)" = 2 ] || { echo "$(k get deployments -o name)"; return 1; }
  [ "$(k get post2log web -o jsonpath='{.spec.replicas} {.status.replicas}')" = "2 2" ]
}
check "kubectl scale post2log --replicas=2: two shards" eventually 30 scaled
selector_selects() {
  local selector pods
  selector=$(k get --raw "/apis/post2log.io/v1alpha1/namespaces/$ns/post2logs/web/scale" | jq -r .status.selector)
  pods=$(k get pods -l "$selector" -o name | wc -l)
  [ "$pods" = 2 ] || { echo "the scale selector '$selector' selects $pods pods"; return 1; }
}
check "the scale subresource's selector selects the shards' pods" eventually 30 selector_selects
k apply -f - >/dev/null <<YAML
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: post2log.io/v1alpha1, kind: Post2Log, name: web}
  minReplicas: 3
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
YAML
# No metrics server runs here; an HPA still reads the target's scale and brings
# it up to minReplicas, which shows the target resolves.
hpa_scales() {
  local able replicas
  able=$(k get hpa web -o jsonpath='{.status.conditions[?(@.type=="AbleToScale")].status}')
  [ "$able" = True ] || { echo "AbleToScale: '$able'"; k get hpa web -o jsonpath='{.status.conditions}'; return 1; }
  replicas=$(k get post2log web -o jsonpath='{.spec.replicas}')
  [ "$replicas" = 3 ] || { echo "spec.replicas $replicas"; return 1; }
}
check "a HorizontalPodAutoscaler targets the Post2Log and scales it to its minimum" eventually 90 hpa_scales
k delete hpa web >/dev/null
k delete post2log web >/dev/null

# ---------------------------------------------------------------- the operator's policy

# The operator runs with the default, safe policy: a Post2Log that asks for more is
# refused the way an invalid spec is, naming the field and the flag, and gets no children.
create unsafe '{"nodePort": 30099, "fluentd": {"outputConfig": "<match post2log>\n  @type exec\n  command id\n</match>"}}'
refused_by_policy() {
  kstatus_is unsafe Failed && condition_is unsafe ConfigValid False InvalidSpec || return 1
  local message
  message=$(k get post2log unsafe -o jsonpath='{.status.conditions[?(@.type=="ConfigValid")].message}')
  [[ "$message" == *"spec.fluentd.outputConfig: line 2: @type exec runs commands"*"--allow-unsafe-fluentd-config"* &&
     "$message" == *"spec.nodePort: node ports are not allowed"*"--allow-node-port"* ]] || { echo "message: $message"; return 1; }
}
check "a Post2Log beyond the operator's policy: kstatus Failed, ConfigValid=False naming the fields and flags" \
  eventually 30 refused_by_policy
no_children() { [ -z "$(k get deployments,services -l app.kubernetes.io/instance=unsafe -o name)" ]; }
check "and it gets no children" no_children
k delete post2log unsafe >/dev/null

# ---------------------------------------------------------------- name conflicts

# Objects a user made by hand, named as a Post2Log's children would be: the
# operator must leave them alone, say so, and never mount the claim.
k create service clusterip taken --tcp=9999:9999 >/dev/null
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: taken-0-data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
hand_made() {
  k get service/taken persistentvolumeclaim/taken-0-data -o json |
    jq -S '[.items[] | {kind, labels: .metadata.labels, owners: .metadata.ownerReferences, spec: (.spec | del(.volumeName))}]'
}
before_conflict=$(hand_made)
create taken '{"fluentd": {"enabled": false}}'
conflict_reported() {
  kstatus_is taken Failed && condition_is taken Stalled True NameConflict || return 1
  local message
  message=$(k get post2log taken -o jsonpath='{.status.conditions[?(@.type=="Stalled")].message}')
  [[ "$message" == *"Service taken exists and is not controlled by this Post2Log"* &&
     "$message" == *"PersistentVolumeClaim taken-0-data exists"* ]] || { echo "message: $message"; return 1; }
}
check "objects of the children's names made by hand: kstatus Failed, Stalled=True NameConflict naming both" \
  eventually 30 conflict_reported
sleep 3  # retries with backoff meanwhile
left_alone() {
  local after
  after=$(hand_made)
  [ "$after" = "$before_conflict" ] || { diff <(echo "$before_conflict") <(echo "$after"); return 1; }
}
check "the hand-made Service and PVC are left exactly as they were (no owner, no labels, same spec)" left_alone
no_shard() { ! k get deployment taken-0 >/dev/null 2>&1 || { echo "deployment taken-0 exists: it would mount the foreign claim"; return 1; }; }
check "no shard Deployment mounts the foreign claim" no_shard
conflict_events() {
  local n
  n=$(k get events.events.k8s.io -o json | jq '[.items[] | select(.regarding.name == "taken" and .reason == "NameConflict" and .type == "Warning")] | length')
  [ "$n" = 1 ] || { echo "$n NameConflict Warning events (expected exactly 1)"; return 1; }
}
check "one NameConflict Warning Event, not one per retry" eventually 20 conflict_events
k delete service taken >/dev/null
k delete pvc taken-0-data --wait=true >/dev/null
resolved() {
  k get service taken -o json | jq -e '.metadata.ownerReferences | any(.kind == "Post2Log" and .name == "taken" and .controller == true)' >/dev/null ||
    { echo "Service taken is not the Post2Log's yet"; return 1; }
  k get deployment taken-0 >/dev/null 2>&1 || { echo "no shard yet"; return 1; }
  kstatus_is taken InProgress
}
check "the names freed: the Post2Log makes its own children and goes on" eventually 90 resolved
k delete post2log taken >/dev/null

# ---------------------------------------------------------------- refused write, failing shard

k create quota no-claims --hard=persistentvolumeclaims=0 >/dev/null
eventually 30 bash -c "[ \"\$(kubectl -n $ns get quota no-claims -o jsonpath='{.status.hard.persistentvolumeclaims}')\" = 0 ]" >/dev/null
create refused '{"fluentd": {"enabled": false}}'
refused() { kstatus_is refused Failed && generation_observed refused && condition_is refused Stalled True ReconcileFailed; }
check "a refused write: kstatus Failed, Stalled=True ReconcileFailed, generation observed" eventually 60 refused
k delete quota no-claims >/dev/null
recovered() { ready_pods refused >/dev/null 2>&1; kstatus_is refused Current; }
check "the quota gone: kstatus Current" eventually 90 recovered
k delete post2log refused >/dev/null

k create quota no-pods --hard=pods=0 >/dev/null
eventually 30 bash -c "[ \"\$(kubectl -n $ns get quota no-pods -o jsonpath='{.status.hard.pods}')\" = 0 ]" >/dev/null
create failing '{"fluentd": {"enabled": false}}'
failing() { kstatus_is failing Failed && condition_is failing Stalled True ShardFailing && condition_is failing Degraded True ShardFailing; }
check "a shard that cannot get a pod (ReplicaFailure): kstatus Failed, Stalled=True ShardFailing" eventually 90 failing
k delete quota no-pods >/dev/null

sigterm_and_wait "$operator_pid"
check "SIGTERM: the operator stops and exits 0" stopped_cleanly
summary
