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
# Variables the caller may set: check_style, check_fail_word, operator_log.
# shellcheck disable=SC2154

passed=0
failed=0

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
  plane_env=$("$(dirname "${BASH_SOURCE[0]}")/../../scripts/kube/control-plane.sh" env "$1") ||
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
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  helm=$("${repo}/scripts/tools/build.sh" helm | tail -n1) && [[ -x "${helm}" ]] ||
    { echo "Helm could not be built (scripts/tools/build.sh helm)"; exit 1; }
}

h() { "${helm}" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }
