#!/usr/bin/env bash
# The Fluentd configuration check against a real kube-apiserver, etcd and
# kube-controller-manager (its Job controller), with the operator as a real process:
# - a new Post2Log's configuration is checked by a Job (NAME-fcheck, the config's hash on
#   it) before anything else is made: Reconciling=True CheckingFluentdConfig, no shard;
# - the Job succeeds: the shards are made, status.fluentdConfigCheck says Passed;
# - a changed outputConfig naming a plugin that is not installed: a new Job checks it
#   while the shards keep the last configuration; the Job fails: ConfigValid=False and
#   Stalled=True (FluentdConfigRejected) with Fluentd's own words, one Warning Event, and
#   the shards still run the last good configuration;
# - back to the running configuration: accepted at once (the shards run it), no new Job.
# No kubelet runs at this tier: the test writes the check pod's end as a kubelet would
# (phase Succeeded, or Failed with Fluentd's complaint as the termination message), and
# the Job controller turns that into the Job's Complete or Failed condition. Fluentd itself
# running the check is in the e2e tier (tests/e2e/e2e_test.sh), with the real image.
#
# Usage: config_check_test.sh CONTROL_PLANE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
plane=${1:?usage: config_check_test.sh CONTROL_PLANE_DIR}
use_control_plane "$plane"
need_operator
need_tools kubectl jq

ns=config-check-test-$$
make_work_dir
on_failure() { log_tail "operator log" "$operator_log" 30; }
k() { kubectl -n "$ns" "$@"; }
condition_is() { post2log_condition "$ns" checked "$@"; }  # condition_is TYPE STATUS [REASON]
job_hash() { k get job checked-fcheck -o jsonpath='{.metadata.annotations.post2log\.io/fluentd-config-hash}' 2>/dev/null; }
shard_hash() { k get deployment checked-0 -o jsonpath='{.spec.template.metadata.annotations.post2log\.io/fluentd-config-hash}' 2>/dev/null; }
# end_check_pod PHASE [MESSAGE]: what a kubelet would write when the check's container exits.
end_check_pod() {
  local pod code=0
  pod=$(k get pods -l job-name=checked-fcheck -o jsonpath='{.items[0].metadata.name}') && [ -n "$pod" ] ||
    { echo "the Job has no pod"; return 1; }
  [ "$1" = Succeeded ] || code=1
  k patch pod "$pod" --subresource=status --type=merge -p "$(jq -n --arg phase "$1" --arg message "${2:-}" --argjson code "$code" '
    {status: {phase: $phase, containerStatuses: [{name: "fluentd-check", image: "fluentd", imageID: "",
      ready: false, restartCount: 0, started: false,
      state: {terminated: {exitCode: $code, reason: (if $code == 0 then "Completed" else "Error" end),
        message: $message, startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z"}}}]}}')" >/dev/null
}
output_config() {  # output_config PLUGIN
  k patch post2log checked --type=merge -p "$(jq -n --arg conf "<match post2log>
  @type $1
</match>
" '{spec: {fluentd: {outputConfig: $conf}}}')" >/dev/null
}

make_namespaces "$ns"
apply_post2log_crd || exit 1
# The install's RBAC covers the Job and reading its pod (the check runs with it in e2e).
apply_install_rbac || exit 1
may_check() {
  local verb
  for verb in "create jobs.batch" "delete jobs.batch" "watch jobs.batch" "list pods"; do
    kubectl auth can-i $verb -n "$ns" --as=system:serviceaccount:post2log-system:post2log-operator >/dev/null ||
      { echo "may not $verb"; return 1; }
  done
}
check "the install's ClusterRole lets the operator create, watch and delete Jobs and list pods" may_check

start_operator --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 127.0.0.1:0 --resync-period 1h
k apply -f - >/dev/null <<'YAML' || exit 1
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: checked
spec:
  fluentd:
    outputConfig: |
      <match post2log>
        @type stdout
      </match>
YAML

check "a Job checks the new Post2Log's configuration" eventually 30 k get job checked-fcheck
first_hash=$(job_hash)
job_runs_dry_run() {
  local job
  job=$(k get job checked-fcheck -o json) || return 1
  jq -e '.spec.template.spec.containers[0] | (.command | join(" ") | test("fluentd --dry-run"))
    and (.env[] | select(.name == "P2L_FLUENT_CONF") | .value | test("@type stdout"))
    and .image == "fluent/fluentd:v1.17-debian-1" and .securityContext.readOnlyRootFilesystem' <<<"$job" >/dev/null &&
  jq -e '.spec.backoffLimit == 0 and .spec.ttlSecondsAfterFinished > 0
    and (.metadata.ownerReferences[0] | .kind == "Post2Log" and .controller)' <<<"$job" >/dev/null ||
    { jq '.spec' <<<"$job"; return 1; }
}
check "it runs fluentd --dry-run on the rendered config in the Post2Log's Fluentd image" job_runs_dry_run
check "Reconciling=True CheckingFluentdConfig" eventually 30 condition_is Reconciling True CheckingFluentdConfig
nothing_made() {
  sleep 3
  ! k get deployment checked-0 >/dev/null 2>&1 || { echo "shard 0 was made before the check ended"; return 1; }
}
check "no shard is made while the check runs" nothing_made

wait_until 60 bash -c "[ -n \"\$(kubectl -n $ns get pods -l job-name=checked-fcheck -o name)\" ]"
check "the check's pod ends as Succeeded" end_check_pod Succeeded
check "then the shard is made, running the checked configuration" \
  eventually 60 bash -c "[ \"\$(kubectl -n $ns get deployment checked-0 -o jsonpath='{.spec.template.metadata.annotations.post2log\.io/fluentd-config-hash}')\" = $first_hash ]"
check "status.fluentdConfigCheck says Passed for it" \
  eventually 30 bash -c "[ \"\$(kubectl -n $ns get post2log checked -o jsonpath='{.status.fluentdConfigCheck.result} {.status.fluentdConfigCheck.hash}')\" = 'Passed $first_hash' ]"

output_config nonexistent_plugin
check "a changed outputConfig: a new Job checks it" \
  eventually 60 bash -c "h=\$(kubectl -n $ns get job checked-fcheck -o jsonpath='{.metadata.annotations.post2log\.io/fluentd-config-hash}' 2>/dev/null); [ -n \"\$h\" ] && [ \"\$h\" != $first_hash ]"
check "meanwhile the shard keeps the last configuration" test "$(shard_hash)" = "$first_hash"
wait_until 60 bash -c "[ -n \"\$(kubectl -n $ns get pods -l job-name=checked-fcheck -o name)\" ]"
complaint="2026-01-01 00:00:01 +0000 [info]: parsing config file is succeeded path=\"/tmp/fluent.conf\"
2026-01-01 00:00:01 +0000 [error]: config error file=\"/tmp/fluent.conf\" error_class=Fluent::NotFoundPluginError error=\"Unknown output plugin 'nonexistent_plugin'. Run 'gem search -rd fluent-plugin' to find plugins\""
check "the check's pod ends as Failed, with Fluentd's complaint" end_check_pod Failed "$complaint"
check "ConfigValid=False FluentdConfigRejected" eventually 60 condition_is ConfigValid False FluentdConfigRejected
stalled_not_ready() { condition_is Stalled True FluentdConfigRejected && condition_is Ready False; }
check "Stalled=True FluentdConfigRejected, Ready=False" stalled_not_ready
says_what_fluentd_said() {
  local message
  message=$(k get post2log checked -o jsonpath='{.status.conditions[?(@.type=="ConfigValid")].message}')
  grep -q "Unknown output plugin 'nonexistent_plugin'" <<<"$message" && grep -q "spec.fluentd.outputConfig" <<<"$message" ||
    { echo "message: $message"; return 1; }
  [ "$(k get post2log checked -o jsonpath='{.status.fluentdConfigCheck.result}')" = Failed ] || { echo "not recorded"; return 1; }
}
check "its message names the field and quotes Fluentd's error; the verdict is recorded" says_what_fluentd_said
one_event() {
  local n
  n=$(k get events.events.k8s.io -o json | jq '[.items[] | select(.reason == "FluentdConfigRejected")] | length')
  [ "$n" = 1 ] || { echo "$n FluentdConfigRejected Events"; return 1; }
}
check "one Warning Event FluentdConfigRejected" eventually 30 one_event
check "the shard still runs the last good configuration" test "$(shard_hash)" = "$first_hash"

output_config stdout
check "back to the running configuration: accepted at once" eventually 60 condition_is ConfigValid True
no_new_check() {
  local h
  h=$(job_hash)
  [ -z "$h" ] || [ "$h" != "$first_hash" ] || { echo "a new Job checks the configuration the shard runs"; return 1; }
}
check "no Job is made for a configuration the shards run" no_new_check
no_errors_logged() { ! grep '"level":"error"' "$operator_log"; }
check "no error in the operator's log" no_errors_logged

summary
