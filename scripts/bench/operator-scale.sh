#!/usr/bin/env bash
# Benchmark: post2log-operator reconciling many Post2Logs created at once,
# against kubectl creating the same children itself.
#
# Each run starts its own control plane (scripts/kube/control-plane.sh,
# loopback only), creates BENCH_COUNT Post2Logs (p2l-000, p2l-001, ... in one
# namespace, Fluentd enabled, one shard each: a ConfigMap, a Service, a
# Deployment and two PVCs per Post2Log) with one `kubectl create -f` while
# `post2log-operator run` watches the namespace, and measures:
#   - the time from the create until every child exists and every status
#     carries .status.observedGeneration;
#   - the operator's peak RSS (VmHWM), CPU time (utime + stime) and API writes
#     (POST/PUT/PATCH/DELETE from its /metrics) per Post2Log.
# Once the controller manager has made the Pods and the operator is idle, the
# operator is restarted against the existing Post2Logs: the time until its
# caches are synced, until every Post2Log is reconciled, and the writes it
# makes meanwhile (zero when nothing changed).
# Then, as the peer, the same children rendered by `post2log-operator render`
# go to a fresh namespace with one `kubectl apply --server-side -f`, timed.
# Prints a table per run, then every run and the median of the runs.
# A benchmark, not a test: it fails only on broken setups, never on numbers.
#
# Usage: scripts/bench/operator-scale.sh
# Environment (defaults in brackets):
#   P2L_OPERATOR_BIN   operator binary [build/operator/post2log-operator]
#   BENCH_COUNT        Post2Logs to create [500]
#   BENCH_RUNS         runs, each on a fresh control plane [3]
#   BENCH_CONCURRENCY  the operator's --concurrency [2]
#   BENCH_TIMEOUT      seconds to wait for each phase [900]
#   BENCH_TMPDIR       parent of the scratch directory [${TMPDIR:-/tmp}]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
log_name=operator-scale
# shellcheck source=../lib/common.sh
source "$repo/scripts/lib/common.sh"
operator=${P2L_OPERATOR_BIN:-$repo/build/operator/post2log-operator}
count=${BENCH_COUNT:-500}
runs=${BENCH_RUNS:-3}
concurrency=${BENCH_CONCURRENCY:-2}
timeout_s=${BENCH_TIMEOUT:-900}

die() { echo "operator-scale: $*" >&2; exit 1; }
note() { echo "operator-scale: $*" >&2; }

for number in "$count" "$runs" "$concurrency" "$timeout_s"; do
  [[ "$number" =~ ^[1-9][0-9]*$ ]] || die "expected a positive whole number, got '$number'"
done
((count <= 10000)) || die "BENCH_COUNT is at most 10000"
[ -x "$operator" ] || die "operator binary $operator is missing (cmake --build build --target post2log-operator)"
for tool in jq curl awk; do command -v "$tool" >/dev/null || die "$tool is missing"; done

# Names p2l-000 ... p2l-999, or as many digits as BENCH_COUNT needs.
last_index=$((count - 1))
name_digits=${#last_index}
((name_digits >= 3)) || name_digits=3

# One ClusterIP Service per Post2Log, in two namespaces (the operator's and
# kubectl's): the default /24 Service range holds 253, a /20 4094.
if ((2 * count + 1 <= 4094)); then
  export P2L_KUBE_SERVICE_CIDR=10.96.0.0/20
else
  export P2L_KUBE_SERVICE_CIDR=10.96.0.0/16
fi

scratch=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/p2l-operator-scale.XXXXXX")
plane=""
operator_pid=""

stop_operator() {
  if [ -n "$operator_pid" ]; then
    kill -TERM "$operator_pid" 2>/dev/null || true
    wait "$operator_pid" 2>/dev/null || note "the operator exited with status $?"
    operator_pid=""
  fi
}

stop_plane() {
  if [ -n "$plane" ]; then
    "$repo/scripts/kube/control-plane.sh" down "$plane" --remove >/dev/null 2>&1 || true
    plane=""
  fi
}

cleanup() {
  local rc=$?
  stop_operator
  stop_plane
  rm -rf "$scratch"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
median() {  # median of the arguments
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# post2logs NAMESPACE: the Post2Logs as one multi-document YAML file.
post2logs() {
  local i name
  for ((i = 0; i < count; i++)); do
    printf -v name 'p2l-%0*d' "$name_digits" "$i"
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

# api_get PATH [ACCEPT]: a GET against the API server with the control plane's admin
# certificate. The burst polls every second on the two CPUs the operator and the API server
# share, so it asks with curl: a kubectl process costs far more CPU to start than its request.
api_get() {
  curl_admin "$P2L_KUBE_DIR/pki" --max-time 60 -H "Accept: ${2:-application/json}" "$P2L_APISERVER_URL$1"
}

# children NAMESPACE: "deployments pvcs services configmaps" the operator manages there,
# each counted from a metadata-only list.
children() {
  local path counts=()
  for path in apis/apps/v1/namespaces/"$1"/deployments api/v1/namespaces/"$1"/persistentvolumeclaims \
    api/v1/namespaces/"$1"/services api/v1/namespaces/"$1"/configmaps; do
    counts+=("$(api_get "/$path?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpost2log-operator" \
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' 2>/dev/null |
      jq '.items | length' || echo 0)")
  done
  echo "${counts[*]}"
}
expected_children="$count $((2 * count)) $count $count"

# start_operator LOG: runs the operator on namespace $ns; sets operator_pid and metrics_url.
start_operator() {
  local log=$1 address
  # No kubelet runs the Fluentd configuration check's Job here (integration.config_check
  # stands in for one): new configurations are applied unchecked.
  "$operator" run --skip-fluentd-config-check --kubeconfig "$KUBECONFIG" --namespace "$ns" \
    --metrics-bind-address 127.0.0.1:0 --concurrency "$concurrency" 2>"$log" &
  operator_pid=$!
  metrics_url=""
  for _ in $(seq 600); do
    address=$(jq -r 'select(.msg == "serving health and metrics") | .address' "$log" 2>/dev/null | head -n1 || true)
    if [ -n "$address" ]; then
      metrics_url="http://$address"
      return 0
    fi
    kill -0 "$operator_pid" 2>/dev/null || { cat "$log" >&2; die "the operator exited"; }
    sleep 0.05
  done
  tail -n 20 "$log" >&2
  die "the operator did not serve its metrics"
}

metric() {  # sum of a metric's samples whose name and labels match the regex
  curl -sf "$metrics_url/metrics" | awk -v pattern="$1" '$0 !~ /^#/ && $1 ~ pattern { sum += $2 } END { print sum + 0 }'
}
writes() { metric '^post2log_operator_api_requests_total[{]verb="(POST|PUT|PATCH|DELETE)"'; }
cpu_seconds() {  # utime + stime of a process, in seconds
  local ticks
  ticks=$(getconf CLK_TCK)
  awk -v hz="$ticks" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}
rss_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# The operator is idle: its queue is empty and it wrote nothing for 3 s.
wait_idle() {
  local last current quiet=0
  last=$(writes)
  for _ in $(seq "$timeout_s"); do
    sleep 1
    current=$(writes)
    if [ "$(metric '^post2log_operator_queue_depth')" = 0 ] && [ "$current" = "$last" ]; then
      quiet=$((quiet + 1))
      ((quiet >= 3)) && return 0
    else
      quiet=0
    fi
    last=$current
  done
  die "the operator did not become idle"
}

# Every run appends its figures here; the summary prints them and their medians.
declare -a r_total r_peer r_ratio r_rss r_cpu r_writes r_sync r_restart r_restart_writes r_restart_rss

# one_run N: one fresh control plane, the operator's burst, its restart, kubectl's apply.
one_run() {
  local run=$1
  plane=$scratch/control-plane-$run
  note "run $run of $runs: starting a control plane in $plane (Services $P2L_KUBE_SERVICE_CIDR)"
  "$repo/scripts/kube/control-plane.sh" up "$plane" >"$scratch/control-plane-up.log" 2>&1 ||
    { cat "$scratch/control-plane-up.log" >&2; die "the control plane did not start"; }
  eval "$("$repo/scripts/kube/control-plane.sh" env "$plane")"

  kubectl apply -f "$repo/crds/post2log.io_post2logs.yaml" >/dev/null
  kubectl wait --for condition=established --timeout=60s crd/post2logs.post2log.io >/dev/null

  # -------------------------------------------------------------- the operator

  ns=bench
  kubectl create namespace "$ns" >/dev/null
  post2logs "$ns" >"$scratch/post2logs.yaml"
  start_operator "$scratch/operator-$run.log"
  for _ in $(seq 1200); do
    curl -sf "$metrics_url/readyz" >/dev/null && break
    sleep 0.1
  done
  curl -sf "$metrics_url/readyz" >/dev/null || die "the operator did not become ready"

  local cpu_before writes_before start created
  cpu_before=$(cpu_seconds "$operator_pid")
  writes_before=$(writes)

  note "creating $count Post2Logs in namespace $ns"
  start=$(now)
  kubectl create -f "$scratch/post2logs.yaml" >/dev/null
  created=$(now)

  statuses() {
    api_get "/apis/post2log.io/v1alpha1/namespaces/$ns/post2logs" |
      jq '[.items[] | select(.status.observedGeneration != null)] | length'
  }
  local children_done="" status_done="" children_seen="" statuses_seen=0 deadline
  deadline=$((SECONDS + timeout_s))
  while [ -z "$children_done" ] || [ -z "$status_done" ]; do
    ((SECONDS < deadline)) || die "not done after ${timeout_s}s: children $children_seen (want $expected_children), $statuses_seen statuses"
    kill -0 "$operator_pid" 2>/dev/null || { tail -n 40 "$scratch/operator-$run.log" >&2; die "the operator exited"; }
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
  local operator_cpu operator_rss operator_writes reconciles reconcile_errors verb
  operator_cpu=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$operator_pid")" 'BEGIN { printf "%.1f", b - a }')
  operator_rss=$(rss_mib "$operator_pid")
  operator_writes=$(($(writes) - writes_before))
  reconciles=$(metric '^post2log_operator_reconciles_total')
  reconcile_errors=$(metric '^post2log_operator_reconciles_total[{]result="error"')
  declare -A by_verb=()
  for verb in POST PUT PATCH DELETE; do
    by_verb[$verb]=$(metric "^post2log_operator_api_requests_total[{]verb=\"$verb\"")
  done

  # The controller manager is still turning the Deployments into ReplicaSets and
  # Pods (and their status into the Post2Logs'); let it finish with the operator
  # running, so that the restart starts from a settled state and the peer does
  # not pay for it.
  for _ in $(seq "$timeout_s"); do
    [ "$(kubectl -n "$ns" get pods -o name --request-timeout=60s 2>/dev/null | wc -l)" -ge "$count" ] && break
    sleep 1
  done
  sleep 5
  wait_idle
  stop_operator

  # -------------------------------------------------------------- the restart

  note "restarting the operator with $count existing Post2Logs"
  local restart_start restart_synced="" restart_done="" restart_writes restart_rss restart_cpu
  restart_start=$(now)
  start_operator "$scratch/operator-$run-restart.log"
  deadline=$((SECONDS + timeout_s))
  while [ -z "$restart_done" ]; do
    ((SECONDS < deadline)) || die "the restarted operator did not reconcile every Post2Log in ${timeout_s}s"
    if [ -z "$restart_synced" ] && curl -sf "$metrics_url/readyz" >/dev/null 2>&1; then
      restart_synced=$(now)
    fi
    if [ -n "$restart_synced" ] && (($(metric '^post2log_operator_reconciles_total') >= count)) &&
      [ "$(metric '^post2log_operator_queue_depth')" = 0 ]; then
      restart_done=$(now)
    fi
    sleep 0.1
  done
  restart_writes=$(writes)
  restart_rss=$(rss_mib "$operator_pid")
  restart_cpu=$(cpu_seconds "$operator_pid")
  stop_operator

  # -------------------------------------------------------------- the peer: kubectl

  local peer_ns=bench-kubectl render_start render_end peer_start peer_end peer_children
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

  # -------------------------------------------------------------- report

  local operator_children_s operator_status_s operator_total operator_total_s peer_s objects ratio
  operator_children_s=$(elapsed "$start" "$children_done")
  operator_status_s=$(elapsed "$start" "$status_done")
  operator_total=$children_done
  awk -v a="$children_done" -v b="$status_done" 'BEGIN { exit !(b > a) }' && operator_total=$status_done
  operator_total_s=$(elapsed "$start" "$operator_total")
  peer_s=$(elapsed "$peer_start" "$peer_end")
  objects=$((5 * count))
  ratio=$(awk -v a="$operator_total_s" -v b="$peer_s" 'BEGIN { printf "%.2f", a / b }')

  echo
  echo "run $run of $runs: post2log-operator, $count Post2Logs created at once (Fluentd enabled, 1 shard: $objects children)"
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
  printf '%-52s %12s\n' "operator: peak RSS, VmHWM (MiB)" "$operator_rss"
  printf '%-52s %12s\n' "operator: peak RSS per Post2Log (KiB)" "$(awk -v m="$operator_rss" -v n="$count" 'BEGIN { printf "%.1f", m * 1024 / n }')"
  printf '%-52s %12s\n' "operator: API writes (POST/PUT/PATCH/DELETE)" "$operator_writes"
  printf '%-52s %12s\n' "  of which POST / PUT / PATCH / DELETE" "${by_verb[POST]} / ${by_verb[PUT]} / ${by_verb[PATCH]} / ${by_verb[DELETE]}"
  printf '%-52s %12s\n' "operator: API writes per Post2Log" "$(awk -v w="$operator_writes" -v n="$count" 'BEGIN { printf "%.2f", w / n }')"
  printf '%-52s %12s\n' "operator: reconciles (of which errors)" "$reconciles ($reconcile_errors)"
  printf '%-52s %12s\n' "restart: caches synced, from the start (s)" "$(elapsed "$restart_start" "$restart_synced")"
  printf '%-52s %12s\n' "restart: every Post2Log reconciled (s)" "$(elapsed "$restart_start" "$restart_done")"
  printf '%-52s %12s\n' "restart: API writes" "$restart_writes"
  printf '%-52s %12s\n' "restart: CPU time (s), peak RSS (MiB)" "$restart_cpu, $restart_rss"
  printf '%-52s %12s\n' "render of the $count Post2Logs, not timed below (s)" "$(elapsed "$render_start" "$render_end")"
  printf '%-52s %12s\n' "kubectl apply --server-side of the $objects children (s)" "$peer_s"
  printf '%-52s %12s\n' "ratio operator (both) / kubectl apply" "$ratio"

  r_total+=("$operator_total_s")
  r_peer+=("$peer_s")
  r_ratio+=("$ratio")
  r_rss+=("$operator_rss")
  r_cpu+=("$operator_cpu")
  r_writes+=("$(awk -v w="$operator_writes" -v n="$count" 'BEGIN { printf "%.2f", w / n }')")
  r_sync+=("$(elapsed "$restart_start" "$restart_synced")")
  r_restart+=("$(elapsed "$restart_start" "$restart_done")")
  r_restart_writes+=("$restart_writes")
  r_restart_rss+=("$restart_rss")

  stop_plane
}

for ((run = 1; run <= runs; run++)); do
  one_run "$run"
done

echo
echo "post2log-operator: $count Post2Logs, $runs run(s), each on a fresh control plane"
printf '%-8s %9s %9s %7s %9s %7s %9s %9s %9s %9s %9s\n' "run" "operator" "kubectl" "ratio" "RSS" "CPU" "writes" "restart" "restart" "restart" "restart"
printf '%-8s %9s %9s %7s %9s %7s %9s %9s %9s %9s %9s\n' "" "(s)" "(s)" "" "(MiB)" "(s)" "/Post2Log" "sync (s)" "done (s)" "writes" "RSS (MiB)"
for ((i = 0; i < runs; i++)); do
  printf '%-8s %9s %9s %7s %9s %7s %9s %9s %9s %9s %9s\n' "$((i + 1))" "${r_total[i]}" "${r_peer[i]}" "${r_ratio[i]}" \
    "${r_rss[i]}" "${r_cpu[i]}" "${r_writes[i]}" "${r_sync[i]}" "${r_restart[i]}" "${r_restart_writes[i]}" "${r_restart_rss[i]}"
done
printf '%-8s %9s %9s %7s %9s %7s %9s %9s %9s %9s %9s\n' "median" "$(median "${r_total[@]}")" "$(median "${r_peer[@]}")" \
  "$(median "${r_ratio[@]}")" "$(median "${r_rss[@]}")" "$(median "${r_cpu[@]}")" "$(median "${r_writes[@]}")" \
  "$(median "${r_sync[@]}")" "$(median "${r_restart[@]}")" "$(median "${r_restart_writes[@]}")" "$(median "${r_restart_rss[@]}")"
echo "MiB per Post2Log (median peak RSS / $count): $(awk -v m="$(median "${r_rss[@]}")" -v n="$count" 'BEGIN { printf "%.3f", m / n }')"
