#!/usr/bin/env bash
# Leader election of `post2log-operator run --leader-elect` against a real
# kube-apiserver: of two replicas only the Lease holder runs workers; on
# SIGTERM the holder releases the Lease and exits 0, and the other replica
# takes over at once and reconciles.
# Usage: leader_election_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: leader_election_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_operator

ns=leader-test-$$
make_work_dir
declare -A pids=()

on_failure() {  # every replica's log
  local log
  for log in "$work"/*.log; do log_tail "$(basename "$log")" "$log" 20; done
}
k() { kubectl -n "$ns" "$@"; }

make_namespaces "$ns"
apply_post2log_crd || exit 1

start() {  # start NAME
  operator_log=$work/$1.log
  # No kubelet runs the Fluentd configuration check's Job here (integration.config_check
  # stands in for one): new configurations are applied unchecked.
  start_operator --skip-fluentd-config-check --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 127.0.0.1:0 \
    --leader-elect --leader-election-namespace "$ns"
  pids[$1]=$operator_pid
}
start one
sleep 1  # so that `one` is normally first; the test does not depend on it
start two

holder() { k get lease post2log-operator -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
log_has() { jq -s -e --arg msg "$2" 'any(.[]; .msg == $msg)' "$work/$1.log" >/dev/null 2>&1; }
has_holder() { [ -n "$(holder)" ]; }
check "one replica holds the Lease post2log-operator" eventually 60 has_holder

leader="" follower=""
for name in one two; do
  if [ "$(holder)" = "$(hostname)_${pids[$name]}" ]; then leader=$name; else follower=$name; fi
done
identity_matches() { [ -n "$leader" ] || { echo "holder $(holder) is neither replica (hostname_pid)"; return 1; }; }
check "the holder identity is hostname_pid of a replica" identity_matches
[ -n "$leader" ] || { echo "$passed passed, $((failed + 1)) failed (cannot go on)"; exit 1; }

lease_shape() {
  local spec
  spec=$(k get lease post2log-operator -o json | jq -c .spec) || return 1
  jq -e '.leaseDurationSeconds == 15 and (.renewTime | length > 0)' <<<"$spec" >/dev/null || { echo "$spec"; return 1; }
}
check "the Lease lasts 15 s and is renewed" lease_shape
only_leader_works() {
  log_has "$leader" "workers started" || { echo "the leader did not start workers"; return 1; }
  ! log_has "$follower" "workers started" || { echo "the follower started workers"; return 1; }
}
check "only the leader runs workers" eventually 30 only_leader_works

k apply -f - >/dev/null <<'YAML'
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: demo
YAML
check "the leader reconciles" eventually 60 k get deployment demo-0

renewed_before=$(k get lease post2log-operator -o jsonpath='{.spec.renewTime}')
renews() { [ "$(k get lease post2log-operator -o jsonpath='{.spec.renewTime}')" != "$renewed_before" ]; }
check "the leader renews the Lease" eventually 20 renews

# Not under check: only this shell can wait for the process.
sigterm_and_wait "${pids[$leader]}"
released_cleanly() {
  [ "$stop_status" = 0 ] || { echo "exit status $stop_status"; return 1; }
  log_has "$leader" "released the lease" || { echo "no release logged"; return 1; }
}
check "SIGTERM: the leader releases the Lease and exits 0" released_cleanly

takes_over() { [ "$(holder)" = "$(hostname)_${pids[$follower]}" ] && log_has "$follower" "workers started"; }
# Well within one lease duration (15 s): the release makes waiting for expiry unnecessary.
check "the other replica takes over within 10 s" eventually 10 takes_over

k patch post2log demo --type=merge -p '{"spec":{"replicas":2}}' >/dev/null
check "the new leader reconciles" eventually 60 k get deployment demo-1

summary
