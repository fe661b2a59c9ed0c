#!/usr/bin/env bash
# Benchmark: post2log-operator reconciling many Post2Logs created at once,
# against kubectl creating the same children itself.
#
# Starts its own control plane (scripts/kube/control-plane.sh, loopback only),
# creates BENCH_COUNT Post2Logs (p2l-000, p2l-001, ... in one namespace, Fluentd
# enabled, one shard each: a ConfigMap, a Service, a Deployment and two PVCs
# per Post2Log) with one `kubectl create -f` while `post2log-operator run`
# watches the namespace, and measures:
#   - the time from the create until every child exists and every status
#     carries .status.observedGeneration;
#   - the operator's peak RSS (VmHWM), CPU time (utime + stime) and API writes
#     (POST/PUT/PATCH/DELETE from its /metrics) per Post2Log.
# Then, as the peer, the same children rendered by `post2log-operator render`
# go to a fresh namespace with one `kubectl apply --server-side -f`, timed.
# Prints a table and the ratio operator time / kubectl time.
# A benchmark, not a test: it fails only on broken setups, never on numbers.
#
# Usage: scripts/bench/operator-scale.sh
# Environment (defaults in brackets):
#   P2L_OPERATOR_BIN   operator binary [build/operator/post2log-operator]
#   BENCH_COUNT        Post2Logs to create [500]
#   BENCH_CONCURRENCY  the operator's --concurrency [2]
#   BENCH_TIMEOUT      seconds to wait for each phase [900]
#   BENCH_TMPDIR       parent of the scratch directory [${TMPDIR:-/tmp}]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
operator=${P2L_OPERATOR_BIN:-$repo/build/operator/post2log-operator}
count=${BENCH_COUNT:-500}
concurrency=${BENCH_CONCURRENCY:-2}
timeout_s=${BENCH_TIMEOUT:-900}

die() { echo "operator-scale: $*" >&2; exit 1; }
note() { echo "operator-scale: $*" >&2; }

for number in "$count" "$concurrency" "$timeout_s"; do
  [[ "$number" =~ ^[1-9][0-9]*$ ]] || die "expected a positive whole number, got '$number'"
done
((count <= 1000)) || die "BENCH_COUNT is at most 1000 (names are p2l-000 .. p2l-999)"
[ -x "$operator" ] || die "operator binary $operator is missing (cmake --build build --target post2log-operator)"
for tool in jq curl awk; do command -v "$tool" >/dev/null || die "$tool is missing"; done

scratch=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/p2l-operator-scale.XXXXXX")
plane=$scratch/control-plane
operator_log=$scratch/operator.log
operator_pid=""
plane_started=0

cleanup() {
  local rc=$?
  if [ -n "$operator_pid" ]; then
    kill -TERM "$operator_pid" 2>/dev/null || true
    wait "$operator_pid" 2>/dev/null || true
  fi
  if ((plane_started)); then
    "$repo/scripts/kube/control-plane.sh" down "$plane" --remove >/dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- control plane

# One ClusterIP Service per Post2Log: the default /24 Service range holds 253.
export P2L_KUBE_SERVICE_CIDR=10.96.0.0/20
note "starting a control plane in $plane"
plane_started=1
"$repo/scripts/kube/control-plane.sh" up "$plane" >"$scratch/control-plane-up.log" 2>&1 ||
  { cat "$scratch/control-plane-up.log" >&2; die "the control plane did not start"; }
eval "$("$repo/scripts/kube/control-plane.sh" env "$plane")"

kubectl apply -f "$repo/crds/post2log.io_post2logs.yaml" >/dev/null
kubectl wait --for condition=established --timeout=60s crd/post2logs.post2log.io >/dev/null

# post2logs NAMESPACE: the Post2Logs as one multi-document YAML file.
post2logs() {
  local i name
  for ((i = 0; i < count; i++)); do
    printf -v name 'p2l-%03d' "$i"
    cat <<YAML
---
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: $name
  namespace: $1
spec:
  endpoint: /postback/$name
YAML
  done
}

# children NAMESPACE: "deployments pvcs services configmaps" the operator manages there.
children() {
  local kind counts=()
  for kind in deployments persistentvolumeclaims services configmaps; do
    counts+=("$(kubectl -n "$1" get "$kind" -l app.kubernetes.io/managed-by=post2log-operator \
      -o name --request-timeout=30s 2>/dev/null | wc -l)")
  done
  echo "${counts[*]}"
}
expected_children="$count $((2 * count)) $count $count"

# ---------------------------------------------------------------- the operator

ns=bench
kubectl create namespace "$ns" >/dev/null
post2logs "$ns" >"$scratch/post2logs.yaml"

# No kubelet runs the Fluentd configuration check's Job here (integration.config_check
# stands in for one): new configurations are applied unchecked.
"$operator" run --skip-fluentd-config-check --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 127.0.0.1:0 \
  --concurrency "$concurrency" 2>"$operator_log" &
operator_pid=$!
metrics_url=""
for _ in $(seq 120); do
  address=$(jq -r 'select(.msg == "serving health and metrics") | .address' "$operator_log" 2>/dev/null | head -n1 || true)
  if [ -n "$address" ] && curl -sf "http://$address/readyz" >/dev/null; then
    metrics_url="http://$address"
    break
  fi
  kill -0 "$operator_pid" 2>/dev/null || { cat "$operator_log" >&2; die "the operator exited"; }
  sleep 0.5
done
[ -n "$metrics_url" ] || { tail -n 20 "$operator_log" >&2; die "the operator did not become ready"; }

metric() {  # sum of a metric's samples whose name and labels match the regex
  curl -sf "$metrics_url/metrics" | awk -v pattern="$1" '$0 !~ /^#/ && $1 ~ pattern { sum += $2 } END { print sum + 0 }'
}
writes() { metric '^post2log_operator_api_requests_total[{]verb="(POST|PUT|PATCH|DELETE)"'; }
cpu_seconds() {  # utime + stime of a process, in seconds
  local ticks
  ticks=$(getconf CLK_TCK)
  awk -v hz="$ticks" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}
cpu_before=$(cpu_seconds "$operator_pid")
writes_before=$(writes)

note "creating $count Post2Logs in namespace $ns"
start=$(now)
kubectl create -f "$scratch/post2logs.yaml" >/dev/null
created=$(now)

statuses() {
  kubectl -n "$ns" get post2logs -o json --request-timeout=30s |
    jq '[.items[] | select(.status.observedGeneration != null)] | length'
}
children_done="" status_done="" children_seen="" statuses_seen=0
deadline=$((SECONDS + timeout_s))
while [ -z "$children_done" ] || [ -z "$status_done" ]; do
  ((SECONDS < deadline)) || die "not done after ${timeout_s}s: children $children_seen (want $expected_children), $statuses_seen statuses"
  kill -0 "$operator_pid" 2>/dev/null || { tail -n 40 "$operator_log" >&2; die "the operator exited"; }
  if [ -z "$children_done" ]; then
    children_seen=$(children "$ns")
    [ "$children_seen" = "$expected_children" ] && children_done=$(now)
  fi
  if [ -z "$status_done" ]; then
    statuses_seen=$(statuses || echo 0)
    [ "$statuses_seen" = "$count" ] && status_done=$(now)
  fi
  sleep 1
done

# Let the queue drain, so that the counters include every write of this burst.
for _ in $(seq 60); do
  [ "$(metric '^post2log_operator_queue_depth')" = 0 ] && break
  sleep 1
done
operator_cpu=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$operator_pid")" 'BEGIN { printf "%.1f", b - a }')
operator_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$operator_pid/status")
operator_writes=$(($(writes) - writes_before))
reconciles=$(metric '^post2log_operator_reconciles_total')
reconcile_errors=$(metric '^post2log_operator_reconciles_total[{]result="error"')
declare -A by_verb=()
for verb in POST PUT PATCH DELETE; do
  by_verb[$verb]=$(metric "^post2log_operator_api_requests_total[{]verb=\"$verb\"")
done

kill -TERM "$operator_pid"
wait "$operator_pid" || note "the operator exited with status $?"
operator_pid=""

# The controller manager is still turning the Deployments into ReplicaSets and
# Pods; let it finish, so that the peer does not pay for it.
for _ in $(seq 180); do
  [ "$(kubectl -n "$ns" get pods -o name --request-timeout=30s 2>/dev/null | wc -l)" -ge "$count" ] && break
  sleep 1
done
sleep 5

# ---------------------------------------------------------------- the peer: kubectl

peer_ns=bench-kubectl
kubectl create namespace "$peer_ns" >/dev/null
post2logs "$peer_ns" >"$scratch/peer-post2logs.yaml"
render_start=$(now)
"$operator" render -f "$scratch/peer-post2logs.yaml" >"$scratch/children.yaml"
render_end=$(now)
note "applying the rendered children in namespace $peer_ns with kubectl"
peer_start=$(now)
kubectl apply --server-side --field-manager=bench -f "$scratch/children.yaml" >/dev/null
peer_end=$(now)
peer_children=$(children "$peer_ns")
[ "$peer_children" = "$expected_children" ] ||
  die "kubectl created children $peer_children, expected $expected_children"

# ---------------------------------------------------------------- report

operator_children_s=$(elapsed "$start" "$children_done")
operator_status_s=$(elapsed "$start" "$status_done")
operator_total=$children_done
awk -v a="$children_done" -v b="$status_done" 'BEGIN { exit !(b > a) }' && operator_total=$status_done
operator_total_s=$(elapsed "$start" "$operator_total")
peer_s=$(elapsed "$peer_start" "$peer_end")
objects=$((5 * count))

echo
echo "post2log-operator: $count Post2Logs created at once (Fluentd enabled, 1 shard: $objects children)"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Kubernetes $(kubectl version -o json 2>/dev/null | jq -r .serverVersion.gitVersion), etcd $(etcd --version 2>/dev/null | awk '/etcd Version/ { print $3 }'), operator --concurrency $concurrency"
echo
printf '%-52s %12s\n' "measure" "value"
printf '%-52s %12s\n' "----------------------------------------------------" "------------"
printf '%-52s %12s\n' "kubectl create of the $count Post2Logs (s)" "$(elapsed "$start" "$created")"
printf '%-52s %12s\n' "operator: every child exists (s)" "$operator_children_s"
printf '%-52s %12s\n' "operator: every status written (s)" "$operator_status_s"
printf '%-52s %12s\n' "operator: both, from the create (s)" "$operator_total_s"
printf '%-52s %12s\n' "operator: CPU time, user + system (s)" "$operator_cpu"
printf '%-52s %12s\n' "operator: peak RSS, VmHWM (MiB)" "$(awk -v k="$operator_rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')"
printf '%-52s %12s\n' "operator: API writes (POST/PUT/PATCH/DELETE)" "$operator_writes"
printf '%-52s %12s\n' "  of which POST / PUT / PATCH / DELETE" "${by_verb[POST]} / ${by_verb[PUT]} / ${by_verb[PATCH]} / ${by_verb[DELETE]}"
printf '%-52s %12s\n' "operator: API writes per Post2Log" "$(awk -v w="$operator_writes" -v n="$count" 'BEGIN { printf "%.2f", w / n }')"
printf '%-52s %12s\n' "operator: reconciles (of which errors)" "$reconciles ($reconcile_errors)"
printf '%-52s %12s\n' "render of the $count Post2Logs, not timed below (s)" "$(elapsed "$render_start" "$render_end")"
printf '%-52s %12s\n' "kubectl apply --server-side of the $objects children (s)" "$peer_s"
printf '%-52s %12s\n' "ratio operator (both) / kubectl apply" "$(awk -v a="$operator_total_s" -v b="$peer_s" 'BEGIN { printf "%.2f", a / b }')"
