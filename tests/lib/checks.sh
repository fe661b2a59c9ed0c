# Helpers shared by the bash tests (sourced; safe under `set -euo pipefail`).
# shellcheck shell=bash
#
#   check NAME COMMAND...      runs COMMAND and counts it in `passed` or `failed`.
#                              By default COMMAND's output is held back: the line
#                              is "ok   NAME", or "FAIL NAME" with the output
#                              indented below it. With check_style=live (tests
#                              whose steps print as they go) the output passes
#                              through and the line is "ok: NAME" or
#                              "FAIL: NAME" ("${check_fail_word}: NAME" when set).
#                              After a failure it calls on_failure, when the
#                              caller defines it (e.g. to show the operator's log).
#   give_up NAME               a failure the test cannot go on from: the FAIL line
#                              ("FAIL NAME (cannot go on)"; live: "FAIL: NAME"),
#                              on_failure, the summary, exit 1.
#   summary                    prints "N passed, M failed"; fails when M > 0.
#   eventually SECONDS COMMAND...  retries COMMAND every 0.5 s until it succeeds
#                              (then prints its output), or prints its last
#                              output after SECONDS and fails.
#   wait_until SECONDS COMMAND...  polls COMMAND every second, output discarded;
#                              fails after SECONDS.
#   log_tail TITLE FILE N      FILE's last N lines, indented under a title (for
#                              on_failure).
#   need_tools TOOL...         exits 1 naming the first TOOL not on PATH.
#   sigterm_and_wait PID       SIGTERM, then waits (in this shell: a command under
#                              check runs in a subshell, which cannot wait for
#                              it); the exit status goes to stop_status.
#   make_pods_ready NS SELECTOR  stands in for the kubelet where none runs: the
#                              pods matching SELECTOR report Ready (their status
#                              written through the API; kube-controller-manager
#                              carries it into the ReplicaSets and Deployments).
#   use_control_plane DIR      takes on the environment of the control plane in DIR
#                              (KUBECONFIG, PATH for kubectl); exits 1 when DIR
#                              holds none.
#   post2log_condition NS NAME TYPE STATUS [REASON]
#                              the Post2Log NAME in NS has the condition TYPE with
#                              STATUS (and REASON); else says what it has.
#   need_helm                  sets `helm` to the pinned Helm (scripts/tools/build.sh
#                              helm builds it once); exits 1 when it cannot.
#   h ARGS...                  runs $helm without its warning that the chart's CRD is a
#                              link to crds/ (the CRD's one source).
#   stopped_cleanly            the operator's stop_status is 0 and its log,
#                              $operator_log (the caller's), says "stopped".
#
# The opening and the cleanup of a test against a control plane:
#   at_exit COMMAND [ARG...]   runs COMMAND when the script ends: normally, by exit, on
#                              a failure or on SIGINT/SIGTERM. Hooks run in reverse
#                              order of registration, each one even when one before it
#                              failed, and the script's exit status stays its own. The
#                              ARGs are fixed now; a function reads its variables then.
#   need_operator              sets `operator` to $P2L_OPERATOR_BIN (default: the build
#                              tree's); exits 1 when it is not an executable.
#   make_work_dir              sets `work` to a new scratch directory, removed at exit,
#                              and operator_log to $work/operator.log.
#   make_namespaces NS...      creates them, deleted at exit (not waited for); exits 1
#                              when one cannot be created.
#   apply_post2log_crd         applies the Post2Log CRD and waits until it is Established.
#   apply_install_rbac         applies the install's namespace, ServiceAccount and
#                              ClusterRole (manifests/generated/cluster/).
#   start_operator ARGS...     `$operator run ARGS...` in the background, its stderr to
#                              $operator_log; sets operator_pid. Every operator started
#                              so is stopped at exit (SIGCONT, SIGTERM, waited for) unless
#                              sigterm_and_wait stopped it before.
#   operator_metrics_url       the operator's health and metrics address as it logs it,
#                              as http://ADDRESS; waits up to 30 s for it, else fails.
#   queue_drained              the operator's work queue is empty (its metrics at
#                              $metrics_url).
#
# Variables the caller may set: check_style, check_fail_word, operator_log.
# shellcheck disable=SC2154

passed=0
failed=0
checks_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

check() {  # check NAME COMMAND...
  local check_name=$1 check_output
  shift
  if [[ "${check_style:-}" == live ]]; then
    if "$@"; then
      echo "ok: ${check_name}"; passed=$((passed + 1))
      return 0
    fi
    echo "${check_fail_word:-FAIL}: ${check_name}"; failed=$((failed + 1))
  else
    if check_output=$("$@" 2>&1); then
      passed=$((passed + 1)); echo "ok   ${check_name}"
      return 0
    fi
    failed=$((failed + 1)); echo "FAIL ${check_name}"; printf '%s\n' "${check_output}" | sed 's/^/     /'
  fi
  if declare -F on_failure >/dev/null; then on_failure; fi
  return 0
}

give_up() {  # give_up NAME
  failed=$((failed + 1))
  if [[ "${check_style:-}" == live ]]; then
    echo "${check_fail_word:-FAIL}: $*"
  else
    echo "FAIL $* (cannot go on)"
  fi
  if declare -F on_failure >/dev/null; then on_failure; fi
  summary
  exit 1
}

summary() {
  echo "${passed} passed, ${failed} failed"
  ((failed == 0))
}

eventually() {  # eventually SECONDS COMMAND...
  local ev_limit=$1 ev_deadline ev_output
  shift
  ev_deadline=$((SECONDS + ev_limit))
  while :; do
    ev_output=$("$@" 2>&1) && { [ -z "${ev_output}" ] || printf '%s\n' "${ev_output}"; return 0; }
    ((SECONDS >= ev_deadline)) && { echo "still failing after ${ev_limit}s:"; echo "${ev_output}"; return 1; }
    sleep 0.5
  done
}

wait_until() {  # wait_until SECONDS COMMAND...
  local wu_deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < wu_deadline)) || return 1
    sleep 1
  done
}

log_tail() {  # log_tail TITLE FILE N
  echo "     --- $1 (last $3 lines) ---"
  # Under `set -e -o pipefail` a missing file must not end the test before its summary.
  [ -r "$2" ] || { echo "     (none yet)"; return 0; }
  tail -n "$3" "$2" | sed 's/^/     /'
}

need_tools() {  # need_tools TOOL...
  local tool
  for tool in "$@"; do
    command -v "${tool}" >/dev/null || { echo "${tool} is missing"; exit 1; }
  done
}

sigterm_and_wait() {  # sigterm_and_wait PID
  kill -TERM "$1"
  stop_status=0
  wait "$1" || stop_status=$?
  forget_operator "$1"
}

stopped_cleanly() {
  [ "${stop_status}" = 0 ] || { echo "exit status ${stop_status}"; return 1; }
  jq -s -e 'any(.[]; .msg == "stopped")' "${operator_log}" >/dev/null || { echo "no 'stopped' line"; return 1; }
}

make_pods_ready() {  # make_pods_ready NS SELECTOR
  local pod
  for pod in $(kubectl -n "$1" get pods -l "$2" -o name); do
    kubectl -n "$1" patch "${pod}" --subresource=status --type=merge -p \
      '{"status":{"phase":"Running","conditions":[{"type":"PodScheduled","status":"True"},{"type":"Initialized","status":"True"},{"type":"ContainersReady","status":"True"},{"type":"Ready","status":"True"}]}}' \
      >/dev/null || return 1
  done
}

use_control_plane() {  # use_control_plane DIR
  local plane_env
  plane_env=$("${checks_repo}/scripts/kube/control-plane.sh" env "$1") ||
    { echo "no control plane in $1"; exit 1; }
  eval "${plane_env}"
}

post2log_condition() {  # post2log_condition NS NAME TYPE STATUS [REASON]
  local got
  got=$(kubectl -n "$1" get post2log "$2" \
    -o jsonpath="{.status.conditions[?(@.type==\"$3\")].status} {.status.conditions[?(@.type==\"$3\")].reason}")
  [[ "${got% *}" == "$4" ]] && { [[ -z "${5:-}" ]] || [[ "${got#* }" == "$5" ]]; } ||
    { echo "$2 $3 is '${got}', expected $4 ${5:-}"; return 1; }
}

need_helm() {
  helm=$("${checks_repo}/scripts/tools/build.sh" helm | tail -n1) && [[ -x "${helm}" ]] ||
    { echo "Helm could not be built (scripts/tools/build.sh helm)"; exit 1; }
}

h() { "${helm}" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }

# ---------------------------------------------------------------- opening and cleanup

exit_hooks=()
at_exit() {  # at_exit COMMAND [ARG...]
  local hook
  printf -v hook '%q ' "$@"
  if ((${#exit_hooks[@]} == 0)); then
    trap run_exit_hooks EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
  exit_hooks+=("${hook}")
}

run_exit_hooks() {
  local status=$? i
  # A hook that fails, or reads an unset variable, must not stop the ones after it.
  set +eu
  for ((i = ${#exit_hooks[@]} - 1; i >= 0; i--)); do
    eval "${exit_hooks[i]}"
  done
  exit_hooks=()
  exit "${status}"
}

need_operator() {
  operator=${P2L_OPERATOR_BIN:-${checks_repo}/build/operator/post2log-operator}
  [[ -f "${operator}" && -x "${operator}" ]] || { echo "operator binary ${operator} is missing"; exit 1; }
}

make_work_dir() {
  work=$(mktemp -d) || { echo "no scratch directory"; exit 1; }
  at_exit rm -rf "${work}"
  operator_log=${work}/operator.log
}

delete_namespaces() { kubectl delete namespace "$@" --wait=false >/dev/null 2>&1; }

make_namespaces() {  # make_namespaces NS...
  local name
  for name in "$@"; do
    kubectl create namespace "${name}" >/dev/null || { echo "namespace ${name} could not be created"; exit 1; }
    at_exit delete_namespaces "${name}"
  done
}

apply_post2log_crd() {
  kubectl apply -f "${checks_repo}/crds/post2log.io_post2logs.yaml" >/dev/null &&
    kubectl wait --for condition=established --timeout=60s crd/post2logs.post2log.io >/dev/null
}

apply_install_rbac() {
  kubectl apply -f "${checks_repo}/manifests/namespace.yaml" -f "${checks_repo}/manifests/generated/cluster/serviceaccount.yaml" \
    -f "${checks_repo}/manifests/generated/cluster/rbac.yaml" >/dev/null
}

operator_pids=()
start_operator() {  # start_operator ARGS...
  ((${#operator_pids[@]} > 0)) || at_exit stop_operators
  "${operator}" run "$@" 2>"${operator_log}" &
  operator_pid=$!
  operator_pids+=("${operator_pid}")
}

forget_operator() {  # forget_operator PID: it was stopped and waited for
  local i
  for i in "${!operator_pids[@]}"; do
    [[ "${operator_pids[i]}" != "$1" ]] || unset "operator_pids[i]"
  done
}

stop_operators() {
  local pid
  for pid in "${operator_pids[@]}"; do
    kill -CONT "${pid}" 2>/dev/null
    kill -TERM "${pid}" 2>/dev/null
    wait "${pid}" 2>/dev/null
  done
  operator_pids=()
}

operator_metrics_url() {
  local address deadline=$((SECONDS + 30))
  while :; do
    # The log may end in a line not yet complete: what jq read before it counts.
    address=$(jq -r 'select(.msg == "serving health and metrics") | .address' "${operator_log}" 2>/dev/null |
      head -n1 || true)
    [[ -z "${address}" ]] || { echo "http://${address}"; return 0; }
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

queue_drained() {
  [[ "$(curl -sf "${metrics_url}/metrics" | awk '/^post2log_operator_queue_depth/ {print $2}')" == 0 ]]
}
