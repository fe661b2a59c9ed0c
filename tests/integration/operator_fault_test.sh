#!/usr/bin/env bash
# The controller (`post2log-operator run`) as a real process while its control
# plane fails under it. The test starts its own etcd, kube-apiserver and
# kube-controller-manager in CONTROL_PLANE_DIR (not the shared fixture, which
# it would disturb) and stops them at the end.
#
#   (a) kube-apiserver killed with -9 and started again with the same command
#       line; the Post2Log scaled 1 -> 2 as soon as it is back;
#   (b) etcd and kube-apiserver both stopped and started again; scaled 2 -> 3;
#   (c) an expired watch: the operator is frozen (SIGSTOP), a child is deleted
#       and the Post2Log scaled 3 -> 2, the API server restarts (its watch
#       cache starts at the current revision), the operator resumes (SIGCONT)
#       from resourceVersions older than that, gets 410 Gone (for the built-in
#       kinds at least), lists again and repairs what it missed;
#   (d) SIGTERM: the operator exits 0.
#
# After each fault the operator must still run, must not have aborted, and
# must converge: the children as the spec says and the status written for the
# Post2Log's current generation.
#
# Usage: operator_fault_test.sh CONTROL_PLANE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: operator_fault_test.sh CONTROL_PLANE_DIR}
need_operator
need_tools jq curl setsid

make_work_dir
ns=faults

on_failure() { log_tail "operator log" "$operator_log" 60; }

# ---------------------------------------------------------------- control plane

echo "starting a control plane in $plane"
"$root/tests/kube/control-plane-fixture.sh" up "$plane" >"$work/control-plane-up.log" 2>&1 ||
  { cat "$work/control-plane-up.log"; give_up "control plane starts"; }
# Taken down at exit; its logs are kept when a check failed.
plane_down() {
  "$root/tests/kube/control-plane-fixture.sh" down "$plane" >/dev/null 2>&1
  if ((failed == 0)); then rm -rf "$plane"; else echo "control plane logs kept in $plane/logs"; fi
}
at_exit plane_down
use_control_plane "$plane"
k() { kubectl -n "$ns" --request-timeout=10s "$@"; }

alive() {  # the process exists and is not a zombie
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# The exact argv of a running component, NUL-separated, into $work/NAME.argv.
save_argv() {
  local pid
  pid=$(cat "$plane/pids/$1.pid")
  cp "/proc/$pid/cmdline" "$work/$1.argv"
}

# stop_component NAME SIGNAL: signals the component and waits until it is gone
# and reaped: a killed multi-threaded process is a zombie before its last
# thread has closed the listening socket.
stop_component() {
  local pid i
  pid=$(cat "$plane/pids/$1.pid")
  save_argv "$1" || { echo "$1 (pid $pid) is not running"; return 1; }
  kill "-$2" "$pid" || return 1
  for ((i = 0; i < 300; i++)); do
    [ -e "/proc/$pid" ] || return 0
    sleep 0.1
  done
  echo "$1 (pid $pid) did not go away after SIG$2"
  return 1
}

# start_component NAME READY_COMMAND: starts it again with the saved argv, in
# its own session and detached from this shell as control-plane.sh does,
# appending to its log; records the new PID where `control-plane.sh down` finds
# it; waits until READY_COMMAND succeeds. A start that exits at once (its port
# still held by the old process) is retried.
start_component() {
  local name=$1 ready=$2 argv=() attempt pid deadline
  mapfile -d '' -t argv <"$work/$name.argv"
  for attempt in 1 2 3 4 5; do
    (
      printf '=== %s: started again by the fault test\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      setsid "${argv[@]}" </dev/null >>"$plane/logs/$name.log" 2>&1 &
      echo $! >"$plane/pids/$name.pid"
    ) >>"$plane/logs/$name.log"
    pid=$(cat "$plane/pids/$name.pid")
    deadline=$((SECONDS + 120))
    while alive "$pid" && ((SECONDS < deadline)); do
      "$ready" && return 0
      sleep 0.5
    done
    alive "$pid" && { echo "$name (pid $pid) not ready after 120 s"; return 1; }
    echo "$name exited at once (attempt $attempt): $(tail -n 1 "$plane/logs/$name.log")"
    sleep 2
  done
  return 1
}

etcd_healthy() { curl -sf --max-time 5 "$P2L_ETCD_URL/health" | grep -q '"health":"true"'; }
apiserver_ready() { [ "$(kubectl get --raw /readyz --request-timeout=5s 2>/dev/null)" = ok ]; }

restart_apiserver() {
  stop_component kube-apiserver KILL || return 1
  start_component kube-apiserver apiserver_ready
}

# ---------------------------------------------------------------- operator

kubectl create namespace "$ns" >/dev/null || give_up "namespace created"
apply_post2log_crd || give_up "CRD applied and established"

# No kubelet runs the Fluentd configuration check's Job here (integration.config_check
# stands in for one): new configurations are applied unchecked.
start_operator --skip-fluentd-config-check --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 127.0.0.1:0 \
  --resync-period 5s --concurrency 2

metrics_url=$(operator_metrics_url) || give_up "operator logs its metrics address"
ready() { curl -sf "$metrics_url/readyz" >/dev/null; }
check "operator starts and becomes ready" eventually 60 ready

operator_ok() {  # running, and nothing in its log says it aborted
  alive "$operator_pid" || { echo "the operator (pid $operator_pid) is not running"; return 1; }
  if grep -E -n 'terminate called|Aborted|Segmentation|"level":"critical"' "$operator_log"; then
    echo "the operator's log shows an abort"
    return 1
  fi
}

k apply -f - >/dev/null <<'YAML' || give_up "Post2Log applied"
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: demo
spec:
  endpoint: /postback/faults
  replicas: 1
YAML

exists() { k get "$1" "$2" >/dev/null 2>&1; }
deployments_are() {
  local d
  d=$(k get deployments -l app.kubernetes.io/instance=demo -o jsonpath='{.items[*].metadata.name}') || return 1
  [ "$d" = "$1" ] || { echo "deployments: '$d', expected '$1'"; return 1; }
}
# converged N: shards 0..N-1 with their PVCs, the shared children, and the
# status written for the current generation with N replicas.
converged() {
  local n=$1 expected="" i child status
  for ((i = 0; i < n; i++)); do expected+="${expected:+ }demo-$i"; done
  deployments_are "$expected" || return 1
  for child in configmap/demo-fluentd service/demo; do
    exists "${child%/*}" "${child#*/}" || { echo "$child missing"; return 1; }
  done
  for ((i = 0; i < n; i++)); do
    for child in "pvc/demo-$i-data" "pvc/demo-$i-fluentd"; do
      exists "${child%/*}" "${child#*/}" || { echo "$child missing"; return 1; }
    done
  done
  status=$(k get post2log demo -o json | jq -c '{generation: .metadata.generation, observed: .status.observedGeneration, replicas: .status.replicas}') ||
    return 1
  jq -e --argjson n "$n" '.observed == .generation and .replicas == $n' <<<"$status" >/dev/null ||
    { echo "status not current: $status (expected $n replicas)"; return 1; }
}
check "a new Post2Log gets its children and status" eventually 60 converged 1

# ---------------------------------------------------------------- (a) kill -9 kube-apiserver

check "(a) kube-apiserver killed with -9 and started again" restart_apiserver
check "(a) replicas 1 -> 2 right after the restart" k patch post2log demo --type=merge -p '{"spec":{"replicas":2}}'
check "(a) the operator converges: shard 1 and the status" eventually 90 converged 2
check "(a) the operator still runs and did not abort" operator_ok

# ---------------------------------------------------------------- (b) etcd and kube-apiserver

restart_etcd_and_apiserver() {
  # etcd first: for a moment the API server answers without its storage. Then
  # the API server: without etcd it does not finish a graceful shutdown.
  stop_component etcd TERM || return 1
  sleep 2
  stop_component kube-apiserver KILL || return 1
  start_component etcd etcd_healthy || return 1
  start_component kube-apiserver apiserver_ready
}
check "(b) etcd and kube-apiserver stopped and started again" restart_etcd_and_apiserver
check "(b) replicas 2 -> 3 after the restart" k patch post2log demo --type=merge -p '{"spec":{"replicas":3}}'
check "(b) the operator converges: shard 2 and the status" eventually 90 converged 3
check "(b) the operator still runs and did not abort" operator_ok

# ---------------------------------------------------------------- (c) expired watches

# Lists are counted as GET requests; watches as WATCH.
gets() {
  curl -sf "$metrics_url/metrics" |
    awk '$0 !~ /^#/ && $1 ~ /^post2log_operator_api_requests_total[{]verb="GET"/ { sum += $2 } END { print sum + 0 }'
}
expirations() {  # expirations COLLECTION: "expired; listing again" lines of its reflector
  grep -c "reflector [^ ]*/$1: resourceVersion [0-9]* expired; listing again" "$operator_log" || true
}
# Let the operator settle so that its watches are current, then freeze it.
eventually 30 queue_drained >/dev/null || true
gets_before=$(gets)
deployments_expired=$(expirations deployments)
kill -STOP "$operator_pid"
gap_changes() {
  k delete deployment demo-0 --wait=false >/dev/null &&
    k patch post2log demo --type=merge -p '{"spec":{"replicas":2}}' >/dev/null
}
check "(c) while the operator is frozen: Deployment demo-0 deleted, replicas 3 -> 2" gap_changes
check "(c) kube-apiserver restarted: its watch cache starts after those changes" restart_apiserver
kill -CONT "$operator_pid"
check "(c) the operator converges: demo-0 back, demo-2 gone, status current" eventually 90 converged 2
# A built-in kind's watch cache is filled before the restarted server answers,
# so the Deployment watch must find its resourceVersion too old. A custom
# resource's watch cache is built when its CRD is served again, and a watch
# that comes back early may still be answered from its old resourceVersion:
# both are correct, and the convergence above is what matters for Post2Logs.
relisted() {
  (($(expirations deployments) > deployments_expired)) || { echo "the Deployment watch did not report an expired resourceVersion"; return 1; }
  (($(gets) > gets_before)) || { echo "no GET (list) after the expiry"; return 1; }
}
check "(c) the resumed Deployment watch got 410 Gone and the operator listed again" relisted
check "(c) the operator still runs and did not abort" operator_ok

# ---------------------------------------------------------------- (d) SIGTERM

# Not under check: only this shell can wait for the operator process.
sigterm_and_wait "$operator_pid"
check "(d) SIGTERM: the operator stops and exits 0" stopped_cleanly

if ! summary; then
  echo "--- operator log ---"
  cat "$operator_log"
  exit 1
fi
