#!/usr/bin/env bash
# End-to-end test of the operator on a real single-node cluster (scripts/cluster/):
# builds what is missing (Kubernetes binaries, images; no-ops when cached), starts a
# cluster of its own, installs the operator with `kubectl apply -k scripts/cluster/operator/`
# (manifests/ plus --allow-node-port), then:
#   - the sample manifests/samples/local-cluster.yaml becomes Ready (READY 1/1) and
#     a POST through its ClusterIP is logged in the pod's file and comes out of its
#     Fluentd sidecar;
#   - a Post2Log with replicas 2 and a nodePort, with the Fluentd sidecar: POSTs through
#     the ClusterIP and the NodePort (10.244.0.1:NODEPORT), every record found exactly
#     once across the shards' files, each with the _workerPodHash of the pod that holds
#     it, and exactly once in the Fluentd output of the two shards;
#   - scale 2 -> 1: shard 1's Deployment goes, its PVC stays (READY 1/1);
#   - the operator pod killed while the CR changes (back to 2 replicas, 2 workers):
#     a new operator converges it, shard 1 comes back on its kept PVC (READY 2/2);
#   - the Fluentd container of a shard killed (SIGKILL): the records POSTed while it
#     was down are shipped once it is back;
#   - outputConfig changed to `@type forward` to an aggregator Fluentd (a Deployment and
#     a headless Service the test creates, reached by its DNS name through the
#     cluster's CoreDNS): the shards roll and the records follow the new output (each new
#     configuration first passes the check Job: fluentd --dry-run in the Post2Log's image);
#   - an outputConfig naming a plugin the image lacks: the check Job (fluentd --dry-run in
#     the Post2Log's Fluentd image) refuses it, the shards keep their pods and configuration;
#   - three shards rolled to a new pod template under a steady 20 POSTs/s: never
#     fewer than 2 ready endpoints, at least 99% answered 200 without a retry, every
#     acknowledged record on disk exactly once;
#   - the Post2Log deleted: everything it owned goes (garbage collection);
#   - the Helm chart: with the kustomize-installed operator scaled to 0, `helm install`
#     of charts/post2log-operator watching one namespace; a Post2Log there becomes READY
#     and takes a POST; `helm upgrade --set concurrency=3` rolls the operator to a new
#     pod; `helm uninstall` removes it and keeps the CRD, the Post2Log and its receivers.
# Fluentd is the image post2log-fluentd (scripts/images/build.sh, Debian's Ruby and the
# vendored Fluentd), which the local cluster's operator runs (--fluentd-image). The
# rollout under load and the Helm part run receiver-only Post2Logs (fluentd.enabled:
# false): the first to stay fast, the second because the chart's operator uses the
# default image, fluent/fluentd, which cannot be pulled here.
# The cluster is always taken down at the end, and the test checks nothing is left.
#
# Usage: tests/e2e/e2e_test.sh [DIR]   (CTest: e2e.operator, DIR in the build tree)
# Needs root. Prints `N passed, N failed`; exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "${root}/tests/lib/checks.sh"
check_style=live
dir=${1:-/tmp/p2l-e2e-operator}
logs="${dir}.logs"
cache_dir="${P2L_CACHE_DIR:-/var/cache/post2log}"
archives="${P2L_IMAGE_ARCHIVES:-${cache_dir}/images/archives}"
ns=e2e
sample_ns=e2e-sample
helm_ns=e2e-helm
helm_release=e2e-helm
shards=shards
node_port=30981
t_start=${SECONDS}

if [[ "$(id -u)" -ne 0 ]]; then
  echo "FAIL: tests/e2e/e2e_test.sh needs root (it starts a cluster: bridge, mounts, cgroups)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
# A run stopped by force (e.g. CTest's timeout) leaves its cluster behind: take it down.
if [[ -e "${dir}/.post2log-cluster" ]]; then
  echo "== taking down the cluster an interrupted run left in ${dir}"
  "${root}/scripts/cluster/down.sh" "${dir}" --remove >/dev/null 2>&1 || true
fi
# One cluster runs on a machine at a time (bridge p2l0). When it is the demo's
# (scripts/cluster-demo.sh), the test runs on it, in namespaces of its own that it
# removes at the end, and leaves the cluster up; another cluster is an error.
demo_env="${P2L_DEMO_DIR:-/var/tmp/post2log}/cluster/env"
reusing=0
if ip link show p2l0 >/dev/null 2>&1; then
  if [[ -r "${demo_env}" ]]; then
    reusing=1
  else
    echo "FAIL: the bridge p2l0 exists: a cluster that is not the demo's runs on this machine" >&2
    echo "      (scripts/cluster/down.sh ITS_DIR takes it down)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
elif [[ "${P2L_E2E_REQUIRE_DEMO:-0}" == 1 ]]; then
  echo "FAIL: P2L_E2E_REQUIRE_DEMO=1 but no demo cluster runs (scripts/cluster-demo.sh starts one)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
rm -rf "${logs}"
mkdir -p "${logs}"

progress() { printf '== %s (%d s)\n' "$*" "$((SECONDS - t_start))"; }

diagnostics() {
  ((cluster_up || reusing)) || return 0
  echo "----- diagnostics -----"
  kubectl get post2logs,deploy,rs,pods,pvc,svc,cm -A -o wide 2>&1 | grep -v -E '^kube-system' || true
  echo "----- operator log (last 60 lines) -----"
  kubectl -n post2log-system logs deploy/post2log-operator --tail=60 2>&1 || true
  local p
  for p in $(kubectl get pods -A -l app.kubernetes.io/name=post2log \
      -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' 2>/dev/null); do
    echo "----- describe pod ${p} (end) -----"
    kubectl -n "${p%%/*}" describe pod "${p#*/}" 2>&1 | tail -n 25
    echo "----- logs of ${p} (last 15 lines) -----"
    kubectl -n "${p%%/*}" logs "${p#*/}" --all-containers --tail=15 2>&1 || true
  done
  echo "----- end of diagnostics -----"
}

on_failure() { diagnostics; }

# run LOG CMD...: CMD's output to logs/LOG; the end of it on failure.
run() {
  local log="${logs}/$1"; shift
  if "$@" >"${log}" 2>&1; then return 0; fi
  echo "--- the end of ${log} ---"; tail -n 40 "${log}"
  return 1
}

cluster_up=0
finish() {
  local rc=$?
  if ((reusing)); then
    [[ -z "${helm:-}" ]] || "${helm}" uninstall "${helm_release}" -n "${helm_ns}" >/dev/null 2>&1 || true
    kubectl delete namespace "${ns}" "${sample_ns}" "${helm_ns}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    # The Helm part scales the demo's operator to 0 for a while: give it back.
    kubectl -n post2log-system scale deploy/post2log-operator --replicas=1 >/dev/null 2>&1 || true
  fi
  if ((cluster_up)); then
    cp -r "${dir}/logs" "${logs}/cluster" 2>/dev/null || true
    "${root}/scripts/cluster/down.sh" "${dir}" --remove >"${logs}/down.log" 2>&1 || {
      echo "FAIL: down.sh (see ${logs}/down.log)"; tail -n 20 "${logs}/down.log"; rc=1; }
  fi
  exit "${rc}"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build and start
progress "building what is missing (Kubernetes binaries, images; logs in ${logs})"
run setup.log bash -c "'${root}/scripts/cluster/setup.sh' && '${root}/scripts/images/setup.sh'" \
  || give_up "setup"
run kube-binaries.log nice -n 10 "${root}/scripts/kube/build-binaries.sh" \
  kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet kube-proxy \
  || give_up "building the Kubernetes binaries"
run coredns-build.log "${root}/scripts/tools/build.sh" coredns || give_up "building CoreDNS (scripts/tools/build.sh coredns)"
run images.log "${root}/scripts/images/build.sh" --export "${archives}" || give_up "building the images"
run helm-build.log "${root}/scripts/tools/build.sh" helm || give_up "building Helm (scripts/tools/build.sh helm)"
helm=$(tail -n 1 "${logs}/helm-build.log")

if ((reusing)); then
  progress "using the demo's running cluster (${demo_env}); namespaces ${ns} and ${sample_ns}"
  # shellcheck disable=SC1090
  source "${demo_env}"
  kubectl delete namespace "${ns}" "${sample_ns}" "${helm_ns}" --ignore-not-found --wait=true --timeout=120s >/dev/null 2>&1 || true
  import_images() {
    local f
    for f in "${archives}"/*.tar; do
      ctr --address "${P2L_CONTAINERD_ADDRESS}" -n k8s.io images import "${f}" || return 1
    done
  }
  run images-import.log import_images || give_up "importing the images into the running cluster"
else
  progress "starting the cluster in ${dir}"
  rm -rf "${dir}"   # no cluster in it (see above); up.sh wants a new or its own directory
  cluster_up=1
  run up.log env P2L_IMAGE_ARCHIVES="${archives}" "${root}/scripts/cluster/up.sh" "${dir}" \
    || give_up "up.sh"
  # shellcheck disable=SC1091
  source "${dir}/env"
fi

# ------------------------------------------------------------------ helpers

# ready_of NS NAME: the READY column of `kubectl get post2logs`.
ready_of() { kubectl -n "$1" get post2logs "$2" --no-headers 2>/dev/null | awk '{print $2}'; }
# converged NS NAME WANT: READY shows WANT, the Ready condition is True and the status
# describes the current generation.
converged() {
  local ns_=$1 n=$2 want=$3 gen obs cond
  [[ "$(ready_of "${ns_}" "${n}")" == "${want}" ]] || return 1
  gen=$(kubectl -n "${ns_}" get post2log "${n}" -o jsonpath='{.metadata.generation}')
  obs=$(kubectl -n "${ns_}" get post2log "${n}" -o jsonpath='{.status.observedGeneration}')
  cond=$(kubectl -n "${ns_}" get post2log "${n}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
  [[ "${gen}" == "${obs}" && "${cond}" == True ]]
}
# pod_of NS DEPLOYMENT: the running, not terminating pod of one shard.
pod_of() {
  kubectl -n "$1" get pods -l "app.kubernetes.io/instance=${2%-*}" -o json |
    jq -r --arg d "$2" '.items[] | select(.metadata.deletionTimestamp == null)
      | select(.status.phase == "Running") | select(.metadata.name | startswith($d + "-"))
      | .metadata.name' | head -n 1
}
# post URL: one POST answered with {"status":"success"}.
post() { [[ "$(curl -sS --max-time 5 -X POST "$1" -H 'Content-Type: application/json' -d '{"e2e":true}')" == '{"status":"success"}' ]]; }
# kube-proxy programs a new Service about a second after its endpoints are ready.
post_retry() { wait_until 30 post "$1"; }
# records NS POD: every record in the pod's log files.
records() { kubectl -n "$1" exec "$2" -- sh -c 'cat /data/logs/*.log'; }
gone() { [[ -z "$(kubectl "$@" --ignore-not-found -o name 2>/dev/null)" ]]; }
# shipped NS POD [CONTAINER] [--previous]: the records a Fluentd container printed
# (`... post2log: {...}` lines of its stdout output), one per line.
shipped() {
  kubectl -n "$1" logs "$2" -c "${3:-fluentd}" ${4:+"$4"} | sed -n 's/^.* post2log: //p'
}

# ------------------------------------------------------------------ the operator
progress "installing the operator"
check "kubectl apply -k scripts/cluster/operator/ (manifests/ plus --allow-node-port)" \
  run install.log kubectl apply -k "${root}/scripts/cluster/operator/"
if ((reusing)); then
  # The running operator may be an older build: start the one just imported.
  check "the operator restarted on the imported image" \
    run operator-restart.log kubectl -n post2log-system rollout restart deploy/post2log-operator
fi
check "the operator Deployment becomes available" \
  run operator-rollout.log kubectl -n post2log-system rollout status deploy/post2log-operator --timeout=180s
check "the CRD is established" \
  run crd.log kubectl wait --for=condition=Established crd/post2logs.post2log.io --timeout=60s

# ------------------------------------------------------------------ the sample
progress "the sample manifests/samples/local-cluster.yaml in namespace ${sample_ns}"
kubectl create namespace "${sample_ns}" >/dev/null
check "kubectl apply -f manifests/samples/local-cluster.yaml" \
  run sample.log kubectl -n "${sample_ns}" apply -f "${root}/manifests/samples/local-cluster.yaml"
check "postbacks becomes Ready with READY 1/1" wait_until 180 converged "${sample_ns}" postbacks 1/1
kubectl get post2logs -n "${sample_ns}" | tee "${logs}/get-1.txt"
svc_ip=$(kubectl -n "${sample_ns}" get svc postbacks -o jsonpath='{.spec.clusterIP}')
check "POST through the ClusterIP ${svc_ip}:80" post_retry "http://${svc_ip}:80/postback?p1=v1&p2=v2"
pod=$(pod_of "${sample_ns}" postbacks-0)
sample_record() {
  local line
  line=$(kubectl -n "${sample_ns}" exec "${pod}" -- cat /data/logs/post2log-1.log | grep '"p1":"v1"' | tail -n 1)
  echo "${line}"
  jq -e --arg h "${pod#postbacks-0-}" --arg n "${P2L_NODE_NAME}" \
    '.p2 == "v2" and .e2e == true and ._path == "/postback" and ._workerPodHash == $h and ._nodeName == $n' \
    <<<"${line}" >/dev/null
}
check "the record is in ${pod}:/data/logs/post2log-1.log" sample_record
sample_shipped() {
  shipped "${sample_ns}" "${pod}" | jq -e --arg h "${pod#postbacks-0-}" \
    'select(.p1 == "v1" and .p2 == "v2" and .e2e == true and ._workerPodHash == $h)' >/dev/null
}
check "the record comes out of the Fluentd sidecar (kubectl logs ${pod} -c fluentd)" \
  wait_until 60 sample_shipped

# ------------------------------------------------------------------ two shards
progress "a Post2Log with 2 replicas, nodePort ${node_port} and Fluentd in namespace ${ns}"
kubectl create namespace "${ns}" >/dev/null
# apply_post2log NAME REPLICAS FLUENTD [SPEC LINE]: a Post2Log in ${ns}; FLUENTD: stdout
# (the sidecar prints every record) or off (the receiver alone).
apply_post2log() {
  local fluentd_spec
  if [[ "$3" == stdout ]]; then
    fluentd_spec=$'  fluentd:\n    outputConfig: |\n      <match post2log>\n        @type stdout\n      </match>'
  else
    fluentd_spec=$'  fluentd:\n    enabled: false   # the receiver alone'
  fi
  kubectl -n "${ns}" apply -f - <<EOF
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: $1
spec:
  replicas: $2
  logLevel: info
  ${4:-}
${fluentd_spec}
EOF
}
check "kubectl apply the two-shard Post2Log" run shards.log apply_post2log "${shards}" 2 stdout "nodePort: ${node_port}"
check "${shards} becomes Ready with READY 2/2" wait_until 240 converged "${ns}" "${shards}" 2/2
kubectl get post2logs -A | tee "${logs}/get-2.txt"
children() {
  local kind
  for kind in deploy/"${shards}"-0 deploy/"${shards}"-1 pvc/"${shards}"-0-data pvc/"${shards}"-1-data svc/"${shards}" \
    pvc/"${shards}"-0-fluentd pvc/"${shards}"-1-fluentd cm/"${shards}"-fluentd; do
    kubectl -n "${ns}" get "${kind}" -o json | jq -e --arg n "${shards}" '
      (.metadata.ownerReferences | any(.kind == "Post2Log" and .name == $n and .controller == true))
      and .metadata.labels["app.kubernetes.io/instance"] == $n
      and .metadata.labels["app.kubernetes.io/managed-by"] == "post2log-operator"' >/dev/null || return 1
  done
}
check "Deployments ${shards}-0/1, PVCs ${shards}-0/1-data and -fluentd, Service and ConfigMap ${shards}-fluentd, owned and labelled" children
fluentd_image() {
  local d
  for d in "${shards}-0" "${shards}-1"; do
    kubectl -n "${ns}" get deploy "${d}" -o json | jq -e \
      '.spec.template.spec.containers[] | select(.name == "fluentd") | .image == "post2log-fluentd:0.1.0"' >/dev/null || return 1
  done
}
check "the shards' Fluentd sidecars run post2log-fluentd:0.1.0 (--fluentd-image)" fluentd_image
check "Service ${shards} is a NodePort on ${node_port}" \
  test "$(kubectl -n "${ns}" get svc "${shards}" -o jsonpath='{.spec.type} {.spec.ports[0].nodePort}')" = "NodePort ${node_port}"

shard_ip=$(kubectl -n "${ns}" get svc "${shards}" -o jsonpath='{.spec.clusterIP}')
n_posts=20
post_many() {
  local via=$1 url=$2 i
  post_retry "${url}?id=${via}-0" || return 1
  for ((i = 1; i < n_posts; i++)); do post "${url}?id=${via}-${i}" || return 1; done
}
check "${n_posts} POSTs through the ClusterIP ${shard_ip}:80" post_many cip "http://${shard_ip}:80/postback"
check "${n_posts} POSTs through the NodePort ${P2L_NODE_IP}:${node_port}" \
  post_many np "http://${P2L_NODE_IP}:${node_port}/postback"

# all_records: id<TAB>_workerPodHash<TAB>pod hash<TAB>shard of every record of both shards.
all_records() {
  local d p
  for d in "${shards}-0" "${shards}-1"; do
    p=$(pod_of "${ns}" "${d}")
    [[ -n "${p}" ]] || return 1
    records "${ns}" "${p}" | jq -r --arg h "${p#"${d}"-}" --arg d "${d}" 'select(.id != null) | [.id, ._workerPodHash, $h, $d] | @tsv' || return 1
  done
}
all_records >"${logs}/records-2.tsv" || true
exactly_once() {
  local via i n
  for via in cip np; do
    for ((i = 0; i < n_posts; i++)); do
      n=$(awk -F'\t' -v id="${via}-${i}" '$1 == id' "${logs}/records-2.tsv" | wc -l)
      [[ "${n}" == 1 ]] || { echo "record ${via}-${i} found ${n} times"; return 1; }
    done
  done
  [[ "$(wc -l <"${logs}/records-2.tsv")" == $((2 * n_posts)) ]]
}
check "every record posted is found exactly once across the two shards" exactly_once
own_hash() { [[ -s "${logs}/records-2.tsv" ]] && awk -F'\t' '$2 != $3 { bad = 1 } END { exit bad }' "${logs}/records-2.tsv"; }
check "each record carries the _workerPodHash of the pod that holds it" own_hash
check "both shards received records" \
  test "$(cut -f4 "${logs}/records-2.tsv" | sort -u | wc -l)" = 2
awk -F'\t' -v d="${shards}-1" '$4 == d { print $1 }' "${logs}/records-2.tsv" | sort >"${logs}/shard1-before.txt"
# shipped_ids_of NAME SHARDS [--previous]: the ids the Fluentd sidecars of shards 0..SHARDS-1
# printed, one per line.
shipped_ids_of() {
  local i p
  for ((i = 0; i < $2; i++)); do
    p=$(pod_of "${ns}" "$1-${i}")
    [[ -n "${p}" ]] || { echo "no running pod of $1-${i}"; return 1; }
    shipped "${ns}" "${p}" fluentd ${3:+"$3"} | jq -r 'select(.id != null) | .id' || return 1
  done
}
fluentd_exactly_once() {
  shipped_ids_of "${shards}" 2 | sort >"${logs}/shipped-2.txt" || return 1
  cut -f1 "${logs}/records-2.tsv" | sort >"${logs}/posted-2.txt"
  local missing dup
  missing=$(comm -23 "${logs}/posted-2.txt" "${logs}/shipped-2.txt" | wc -l)
  dup=$(uniq -d "${logs}/shipped-2.txt" | wc -l)
  echo "$(wc -l <"${logs}/posted-2.txt") posted, ${missing} not shipped yet, ${dup} shipped twice"
  [[ "${missing}" == 0 && "${dup}" == 0 && "$(wc -l <"${logs}/shipped-2.txt")" == "$(wc -l <"${logs}/posted-2.txt")" ]]
}
check "every record appears exactly once in the Fluentd output of the two shards (kubectl logs -c fluentd)" \
  eventually 60 fluentd_exactly_once

# ------------------------------------------------------------------ scale down
progress "scale 2 -> 1"
check "kubectl patch replicas: 1" \
  run scale-1.log kubectl -n "${ns}" patch post2log "${shards}" --type merge -p '{"spec":{"replicas":1}}'
check "shard 1's Deployment goes" wait_until 120 gone -n "${ns}" get deploy "${shards}-1"
check "${shards} shows READY 1/1" wait_until 120 converged "${ns}" "${shards}" 1/1
kubectl get post2logs -A | tee "${logs}/get-3.txt"
check "shard 1's pod goes" wait_until 120 \
  bash -c "[[ -z \"\$(kubectl -n ${ns} get pods -o name | grep '/${shards}-1-')\" ]]"
sleep 5
check "PVC ${shards}-1-data is kept" run pvc-kept.log kubectl -n "${ns}" get pvc "${shards}-1-data"
check "POST through the ClusterIP reaches the remaining shard" \
  post_retry "http://${shard_ip}:80/postback?id=after-scale-down"

# ------------------------------------------------------------------ operator killed
ready_operator_pods() {  # one name per line
  kubectl -n post2log-system get pods -l app.kubernetes.io/name=post2log-operator \
    -o jsonpath='{range .items[?(@.status.containerStatuses[0].ready==true)]}{.metadata.name}{"\n"}{end}'
}
receiver_env_is() {  # receiver_env_is NAME VALUE: in both shards' Deployments of ${shards}
  local d
  for d in "${shards}-0" "${shards}-1"; do
    kubectl -n "${ns}" get deploy "${d}" -o json |
      jq -e --arg name "$1" --arg value "$2" \
        '.spec.template.spec.containers[] | select(.name == "receiver") | .env[] | select(.name == $name) | .value == $value' \
        >/dev/null || return 1
  done
}
progress "the operator pod killed while the Post2Log changes (replicas 2, then workers 2)"
old_op=$(kubectl -n post2log-system get pods -l app.kubernetes.io/name=post2log-operator -o jsonpath='{.items[0].metadata.name}')
# One change just before the kill (the operator is in the middle of it), one while no
# operator runs.
check "kubectl patch replicas: 2" \
  run scale-2.log kubectl -n "${ns}" patch post2log "${shards}" --type merge -p '{"spec":{"replicas":2}}'
kubectl -n post2log-system logs "${old_op}" >"${logs}/operator-killed.log" 2>&1 || true
check "the operator pod ${old_op} is deleted at once" \
  run kill.log kubectl -n post2log-system delete pod "${old_op}" --grace-period=0 --force
check "kubectl patch workers: 2 while the operator is down" \
  run workers-2.log kubectl -n "${ns}" patch post2log "${shards}" --type merge -p '{"spec":{"workers":2}}'
new_operator() {
  local p
  p=$(ready_operator_pods)
  [[ -n "${p}" && "${p}" != *"${old_op}"* ]]
}
check "a new operator pod becomes ready" wait_until 180 new_operator
check "${shards} converges again with READY 2/2" wait_until 300 converged "${ns}" "${shards}" 2/2
kubectl get post2logs -A | tee "${logs}/get-4.txt"
check "both shards run with P2L_WORKERS=2" receiver_env_is P2L_WORKERS 2
shard1_kept() {
  local p
  p=$(pod_of "${ns}" "${shards}-1")
  [[ -n "${p}" ]] || return 1
  records "${ns}" "${p}" | jq -r 'select(.id != null) | .id' | sort >"${logs}/shard1-after.txt" || return 1
  [[ -s "${logs}/shard1-before.txt" ]] &&
    [[ -z "$(comm -23 "${logs}/shard1-before.txt" "${logs}/shard1-after.txt")" ]]
}
check "shard 1 is back on its kept PVC: its earlier records are still there" shard1_kept
check "POST through the NodePort after the restart" post_retry "http://${P2L_NODE_IP}:${node_port}/postback?id=after-restart"
check "postbacks still shows READY 1/1" converged "${sample_ns}" postbacks 1/1
new_op=$(ready_operator_pods | head -n 1)
holder() { kubectl -n post2log-system get lease post2log-operator -o jsonpath='{.spec.holderIdentity}'; }
holds_lease() { [[ -n "${new_op}" && "$(holder)" == "${new_op}"* ]]; }
check "the new operator pod holds the lease" holds_lease

progress "the operator's container killed with SIGKILL while the Post2Log changes (logLevel warning)"
restarts() { kubectl -n post2log-system get pod "${new_op}" -o jsonpath='{.status.containerStatuses[0].restartCount}'; }
restarts_before=$(restarts)
kill_container() {
  local cid
  cid=$(kubectl -n post2log-system get pod "${new_op}" -o jsonpath='{.status.containerStatuses[0].containerID}')
  ctr --address "${P2L_CONTAINERD_ADDRESS}" -n k8s.io tasks kill -s SIGKILL "${cid#containerd://}"
}
check "SIGKILL to the operator's container" run sigkill.log kill_container
check "kubectl patch logLevel: warning" \
  run loglevel.log kubectl -n "${ns}" patch post2log "${shards}" --type merge -p '{"spec":{"logLevel":"warning"}}'
restarted() { (($(restarts) > restarts_before)) && [[ "$(kubectl -n post2log-system get pod "${new_op}" -o jsonpath='{.status.containerStatuses[0].ready}')" == true ]]; }
check "the operator's container restarts and becomes ready" wait_until 180 restarted
check "the change reaches both shards' Deployments" wait_until 120 receiver_env_is P2L_LOGLEVEL warning
check "${shards} converges again with READY 2/2" wait_until 300 converged "${ns}" "${shards}" 2/2
kubectl get post2logs -A | tee "${logs}/get-5.txt"

# ------------------------------------------------------------------ Fluentd killed
progress "the Fluentd container of ${shards}-0 killed with SIGKILL; POSTs while it is down"
fpod=$(pod_of "${ns}" "${shards}-0")
fpod_ip=$(kubectl -n "${ns}" get pod "${fpod}" -o jsonpath='{.status.podIP}')
fluentd_field() {  # fluentd_field PATH: a field of the fluentd container's status in ${fpod}
  kubectl -n "${ns}" get pod "${fpod}" -o jsonpath="{.status.containerStatuses[?(@.name==\"fluentd\")].$1}"
}
fluentd_restarts_before=$(fluentd_field restartCount)
kill_fluentd() {
  local cid
  cid=$(fluentd_field containerID)
  [[ -n "${cid}" ]] || return 1
  ctr --address "${P2L_CONTAINERD_ADDRESS}" -n k8s.io tasks kill -s SIGKILL "${cid#containerd://}"
}
check "SIGKILL to the fluentd container of ${fpod}" run fluentd-sigkill.log kill_fluentd
# Straight to the pod (its IP, port 8080), so every record lands in the shard whose
# Fluentd is down.
post_while_down() {
  local i
  for ((i = 0; i < 10; i++)); do post "http://${fpod_ip}:8080/postback?id=down-${i}" || return 1; done
  date -u +%s >"${logs}/posted-while-down.txt"
}
check "10 POSTs to ${fpod} answered right after the kill" post_while_down
fluentd_restarted() {
  (($(fluentd_field restartCount) > fluentd_restarts_before)) && [[ "$(fluentd_field ready)" == true ]]
}
check "the fluentd container restarts" wait_until 120 fluentd_restarted
posted_while_down() {
  local started posted
  started=$(date -u -d "$(fluentd_field state.running.startedAt)" +%s)
  posted=$(cat "${logs}/posted-while-down.txt")
  echo "   the last of the 10 POSTs answered at $(date -u -d "@${posted}" +%T), the new fluentd container started at $(date -u -d "@${started}" +%T)"
  ((posted <= started))
}
check "the 10 POSTs were answered before the new fluentd container started" posted_while_down
down_shipped() {
  { shipped "${ns}" "${fpod}" fluentd; shipped "${ns}" "${fpod}" fluentd --previous; } |
    jq -r 'select(.id != null) | .id | select(startswith("down-"))' | sort >"${logs}/shipped-down.txt" || return 1
  local n dup
  n=$(sort -u "${logs}/shipped-down.txt" | wc -l)
  dup=$(uniq -d "${logs}/shipped-down.txt" | wc -l)
  echo "${n} of 10 shipped, ${dup} twice"
  [[ "${n}" == 10 && "${dup}" == 0 ]]
}
check "the records POSTed while it was down are shipped once it is back, each once" eventually 60 down_shipped

# ------------------------------------------------------------------ another output
# An aggregator Fluentd (the post2log-fluentd image, printing what it receives) behind a
# headless Service: its DNS name, answered by the cluster's CoreDNS, is the pod's address.
# (A ClusterIP between two pods of the local cluster needs P2L_BRIDGE_DNAT=1, see
# scripts/cluster/README.md.)
progress "outputConfig changed to @type forward to an aggregator Fluentd (aggregator.${ns}.svc.cluster.local)"
aggregator_host="aggregator.${ns}.svc.cluster.local"
create_aggregator() {
  kubectl -n "${ns}" apply -f - <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: aggregator
data:
  fluent.conf: |
    <source>
      @type forward
      bind 0.0.0.0
      port 24224
    </source>
    <match **>
      @type stdout
    </match>
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: aggregator
spec:
  replicas: 1
  selector:
    matchLabels: { app: aggregator }
  template:
    metadata:
      labels: { app: aggregator }
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: fluentd
          image: post2log-fluentd:0.1.0
          imagePullPolicy: Never
          ports: [{ name: forward, containerPort: 24224 }]
          readinessProbe:
            tcpSocket: { port: forward }
            periodSeconds: 2
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts:
            - { name: config, mountPath: /fluentd/etc, readOnly: true }
            - { name: tmp, mountPath: /tmp }
      volumes:
        - name: config
          configMap: { name: aggregator }
        - name: tmp
          emptyDir: { sizeLimit: 64Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: aggregator
spec:
  clusterIP: None
  selector: { app: aggregator }
  ports:
    - { name: forward, port: 24224, targetPort: forward }
EOF
  kubectl -n "${ns}" rollout status deploy/aggregator --timeout=120s
}
check "an aggregator Fluentd (Deployment and headless Service aggregator) is available" \
  run aggregator.log create_aggregator
aggregator_pod=$(kubectl -n "${ns}" get pods -l app=aggregator -o jsonpath='{.items[0].metadata.name}')
aggregator_ip=$(kubectl -n "${ns}" get pod "${aggregator_pod}" -o jsonpath='{.status.podIP}')
resolves() {
  local answer
  answer=$(kubectl -n "${ns}" exec "$(pod_of "${ns}" "${shards}-0")" -c receiver -- getent hosts "${aggregator_host}") || return 1
  echo "${answer}"
  [[ "$(awk '{print $1}' <<<"${answer}")" == "${aggregator_ip}" ]]
}
check "${aggregator_host} resolves to the aggregator's pod (${aggregator_ip}) in a shard's pod" eventually 30 resolves
pods_before="$(pod_of "${ns}" "${shards}-0") $(pod_of "${ns}" "${shards}-1")"
# A file buffer on the Fluentd state volume: what is read but not yet forwarded
# survives a restart.
forward_config="<match post2log>
  @type forward
  <server>
    host ${aggregator_host}
    port 24224
  </server>
  <buffer>
    @type file
    path /fluentd/state/buffer/forward
    flush_interval 1s
  </buffer>
</match>
"
check "kubectl patch outputConfig: @type forward to ${aggregator_host}:24224" \
  run forward.log kubectl -n "${ns}" patch post2log "${shards}" --type merge \
    -p "$(jq -n --arg c "${forward_config}" '{spec: {fluentd: {outputConfig: $c}}}')"
rolled_to_forward() {
  local p
  converged "${ns}" "${shards}" 2/2 || return 1
  [[ "$(kubectl -n "${ns}" get post2log "${shards}" -o jsonpath='{.status.updatedReplicas}')" == 2 ]] || return 1
  for p in $(pod_of "${ns}" "${shards}-0") $(pod_of "${ns}" "${shards}-1"); do
    [[ " ${pods_before} " != *" ${p} "* ]] || return 1
  done
}
check "both shards roll to new pods and are Ready again (READY 2/2, UPDATED 2)" wait_until 300 rolled_to_forward
kubectl get post2logs -A | tee "${logs}/get-forward.txt"
check "${n_posts} POSTs through the ClusterIP ${shard_ip}:80" post_many fw "http://${shard_ip}:80/postback"
forwarded() {
  shipped "${ns}" "${aggregator_pod}" fluentd | jq -r 'select(.id != null) | .id | select(startswith("fw-"))' |
    sort >"${logs}/forwarded.txt" || return 1
  local n dup
  n=$(sort -u "${logs}/forwarded.txt" | wc -l)
  dup=$(uniq -d "${logs}/forwarded.txt" | wc -l)
  echo "${n} of ${n_posts} at the aggregator, ${dup} twice"
  [[ "${n}" == "${n_posts}" && "${dup}" == 0 ]]
}
check "every record reaches the aggregator, exactly once (kubectl logs deploy/aggregator)" eventually 90 forwarded
not_on_stdout() {
  local ids n
  ids=$(shipped_ids_of "${shards}" 2) || return 1
  n=$(grep -c '^fw-' <<<"${ids}") || true
  echo "${n} printed by the shards' sidecars"
  [[ "${n}" == 0 ]]
}
check "none is printed by the shards' sidecars (the stdout output is gone)" not_on_stdout

# ------------------------------------------------------------------ config check
# The operator checks each new Fluentd configuration with `fluentd --dry-run` in a Job that
# runs the Post2Log's own Fluentd image (here post2log-fluentd) before any shard gets it.
progress "outputConfig naming a plugin the image does not have: refused by the check Job"
pods_before_check="$(pod_of "${ns}" "${shards}-0") $(pod_of "${ns}" "${shards}-1")"
fwd_status=$(kubectl -n "${ns}" get post2log "${shards}" -o jsonpath='{.status.fluentdConfigCheck.result}')
check "the forward configuration was checked and passed (status.fluentdConfigCheck)" \
  test "${fwd_status}" = Passed
check "kubectl patch outputConfig: @type kafka2 (no such plugin in the image)" \
  run check-patch.log kubectl -n "${ns}" patch post2log "${shards}" --type merge \
    -p '{"spec":{"fluentd":{"outputConfig":"<match post2log>\n  @type kafka2\n  brokers kafka:9092\n</match>\n"}}}'
rejected_by_fluentd() {
  local reason message
  reason=$(kubectl -n "${ns}" get post2log "${shards}" -o jsonpath='{.status.conditions[?(@.type=="ConfigValid")].reason}')
  message=$(kubectl -n "${ns}" get post2log "${shards}" -o jsonpath='{.status.conditions[?(@.type=="ConfigValid")].message}')
  echo "ConfigValid: ${reason}: ${message}"
  [[ "${reason}" == FluentdConfigRejected && "${message}" == *"Unknown output plugin 'kafka2'"* ]]
}
check "ConfigValid=False FluentdConfigRejected, quoting Fluentd: Unknown output plugin 'kafka2'" \
  eventually 180 rejected_by_fluentd
kept_running() {
  local now
  now="$(pod_of "${ns}" "${shards}-0") $(pod_of "${ns}" "${shards}-1")"
  [[ "${now}" == "${pods_before_check}" ]] || { echo "pods ${pods_before_check} -> ${now}"; return 1; }
  [[ "$(ready_of "${ns}" "${shards}")" == 2/2 ]]
}
check "the shards keep their pods and the forward configuration (READY 2/2)" kept_running
check "POSTs still reach the aggregator" post_retry "http://${shard_ip}:80/postback?id=after-check"
check "kubectl patch outputConfig back to the forward configuration" \
  run check-back.log kubectl -n "${ns}" patch post2log "${shards}" --type merge \
    -p "$(jq -n --arg c "${forward_config}" '{spec: {fluentd: {outputConfig: $c}}}')"
check "accepted at once (the shards run it): ConfigValid=True, READY 2/2, the same pods" \
  wait_until 60 bash -c "[[ \"\$(kubectl -n ${ns} get post2log ${shards} -o jsonpath='{.status.conditions[?(@.type==\"ConfigValid\")].status}')\" == True ]]"
check "still the same pods" kept_running

# ------------------------------------------------------------------ rollout under load
# Three shards take POSTs at a steady 20 requests/s while a pod-template change
# rolls them. The shards run the receiver alone, which keeps this part short, and
# the change is logLevel (an outputConfig change rolls the pods through the same
# path, as above: both change the pod template). A client that never retries counts
# every answer; a watcher samples the Service's ready endpoints twice a second.
progress "a rollout of 3 shards under load"
rolling=rolling
check "kubectl apply a three-shard Post2Log (receiver only)" run rolling.log apply_post2log "${rolling}" 3 off
check "${rolling} becomes Ready with READY 3/3" wait_until 300 converged "${ns}" "${rolling}" 3/3
rolling_ip=$(kubectl -n "${ns}" get svc "${rolling}" -o jsonpath='{.spec.clusterIP}')
check "POST through ${rolling}'s ClusterIP" post_retry "http://${rolling_ip}:80/postback?id=warmup"
ready_endpoints() {
  kubectl -n "${ns}" get endpointslices -l "kubernetes.io/service-name=${rolling}" -o json |
    jq '[.items[].endpoints[]? | select(.conditions.ready == true)] | length'
}
# load FILE: 20 POSTs a second, no retries, "id code" per request, until FILE.stop exists.
load() {
  local i=0 code
  while [[ ! -e "$1.stop" ]]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
      "http://${rolling_ip}:80/postback?id=load-${i}" -H 'Content-Type: application/json' -d '{"load":true}') || true
    echo "load-${i} ${code}" >>"$1"
    i=$((i + 1))
    sleep 0.05
  done
}
watch_endpoints() {  # watch_endpoints FILE: one count per line, until FILE.stop exists
  while [[ ! -e "$1.stop" ]]; do ready_endpoints >>"$1" 2>/dev/null || echo error >>"$1"; sleep 0.5; done
}
rm -f "${logs}/load.txt"* "${logs}/endpoints.txt"*
load "${logs}/load.txt" & load_pid=$!
watch_endpoints "${logs}/endpoints.txt" & watch_pid=$!
sleep 3
t_roll=${SECONDS}
check "kubectl patch logLevel: warning (a new pod template)" \
  run rolling-change.log kubectl -n "${ns}" patch post2log "${rolling}" --type merge -p '{"spec":{"logLevel":"warning"}}'
rolled() {
  converged "${ns}" "${rolling}" 3/3 &&
    [[ "$(kubectl -n "${ns}" get post2log "${rolling}" -o jsonpath='{.status.updatedReplicas}')" == 3 ]]
}
check "every shard rolled and Ready again (READY 3/3, UPDATED 3)" wait_until 400 rolled
roll_seconds=$((SECONDS - t_roll))
sleep 3
touch "${logs}/load.txt.stop" "${logs}/endpoints.txt.stop"
wait "${load_pid}" "${watch_pid}" || true
total=$(wc -l <"${logs}/load.txt")
failures=$(awk '$2 != 200' "${logs}/load.txt" | wc -l)
min_ready=$(grep -v error "${logs}/endpoints.txt" | sort -n | head -n 1)
echo "   rollout of 3 shards: ${roll_seconds} s; ${total} POSTs, ${failures} not answered 200 (no retries); fewest ready endpoints seen: ${min_ready}"
check "the rollout ran long enough to be measured (at least 200 POSTs)" test "${total}" -ge 200
check "at no moment fewer than 2 of 3 shards ready in the Service" test "${min_ready:-0}" -ge 2
check "at least 99% of the POSTs succeeded without a retry (${failures} of ${total} did not)" \
  test $((failures * 100)) -le "${total}"
rolling_records() {
  local d p
  for d in "${rolling}-0" "${rolling}-1" "${rolling}-2"; do
    p=$(pod_of "${ns}" "${d}")
    [[ -n "${p}" ]] || { echo "no running pod of ${d}"; return 1; }
    records "${ns}" "${p}" | jq -r 'select(.id != null) | .id' || return 1
  done
}
none_lost() {
  rolling_records | sort >"${logs}/rolling-records.txt" || return 1
  awk '$2 == 200 { print $1 }' "${logs}/load.txt" | sort >"${logs}/acknowledged.txt"
  local lost dup
  lost=$(comm -23 "${logs}/acknowledged.txt" "${logs}/rolling-records.txt" | wc -l)
  dup=$(uniq -d "${logs}/rolling-records.txt" | wc -l)
  echo "   $(wc -l <"${logs}/acknowledged.txt") acknowledged, ${lost} missing, ${dup} found twice"
  [[ "${lost}" == 0 && "${dup}" == 0 ]]
}
check "every acknowledged record is in the shards' files, once" none_lost
check "kubectl delete post2log ${rolling}" run rolling-delete.log kubectl -n "${ns}" delete post2log "${rolling}" --wait=true --timeout=60s

# ------------------------------------------------------------------ delete
progress "the Post2Log deleted: garbage collection"
check "kubectl delete post2log ${shards}" \
  run delete.log kubectl -n "${ns}" delete post2log "${shards}" --wait=true --timeout=60s
# PVCs carry kubernetes.io/pvc-protection: they go once no pod uses them.
nothing_owned() {
  gone -n "${ns}" get deploy,rs,pods,svc,cm,pvc -l "app.kubernetes.io/instance=${shards}"
}
check "every child of ${shards} goes (Deployments, pods, Service, PVCs)" wait_until 180 nothing_owned
check "kubectl get post2logs no longer lists ${shards}" \
  bash -c "! kubectl get post2logs -A --no-headers | grep -q '${shards}'"
check "the sample is untouched (READY 1/1)" converged "${sample_ns}" postbacks 1/1

# ------------------------------------------------------------------ the Helm chart
progress "the Helm chart: install, a Post2Log, upgrade, uninstall (namespace ${helm_ns})"
# One operator per Post2Log: the kustomize-installed one steps aside meanwhile.
check "the kustomize-installed operator scaled to 0" \
  run helm-scale-down.log bash -c "kubectl -n post2log-system scale deploy/post2log-operator --replicas=0 &&
    kubectl -n post2log-system wait --for=delete pod -l app.kubernetes.io/name=post2log-operator --timeout=90s"
operator_deploy=${helm_release}-post2log-operator
check "helm install ${helm_release} charts/post2log-operator (watchNamespaces {${helm_ns}}) --wait" \
  run helm-install.log h install "${helm_release}" "${root}/charts/post2log-operator" -n "${helm_ns}" \
    --create-namespace --set "watchNamespaces={${helm_ns}}" --wait --timeout 180s
charted_post2log() {
  kubectl -n "${helm_ns}" apply -f - <<YAML
apiVersion: post2log.io/v1alpha1
kind: Post2Log
metadata:
  name: charted
spec:
  logLevel: info
  fluentd:
    # The chart's operator runs the default Fluentd image, fluent/fluentd, which
    # cannot be pulled here: the receiver alone.
    enabled: false
YAML
}
check "kubectl apply a Post2Log in ${helm_ns}" run helm-post2log.log charted_post2log
check "it becomes Ready with READY 1/1 (the Helm-installed operator)" \
  wait_until 180 converged "${helm_ns}" charted 1/1
helm_ip=$(kubectl -n "${helm_ns}" get svc charted -o jsonpath='{.spec.clusterIP}')
check "POST through its ClusterIP ${helm_ip}:80" post_retry "http://${helm_ip}:80/postback?via=helm"
# The operator's pods, e.g. "NAME NAME"; "terminating" when one is going.
operator_pods() {
  kubectl -n "${helm_ns}" get pods -l "app.kubernetes.io/instance=${helm_release}" -o json |
    jq -r '[.items[] | if .metadata.deletionTimestamp then "terminating" else .metadata.name end] | join(" ")'
}
before_upgrade=$(operator_pods)
rolled_to_new_pod() {
  local now p args
  now=$(operator_pods)
  [[ -n "${now}" && "${now}" != *terminating* && "${now}" != *" "* ]] || { echo "pods: ${now}"; return 1; }
  for p in ${before_upgrade}; do
    [[ "${now}" != "${p}" ]] || { echo "${p} is still the operator's pod"; return 1; }
  done
  args=$(kubectl -n "${helm_ns}" get pod "${now}" -o jsonpath='{.spec.containers[0].args}')
  jq -e 'index("--concurrency=3") != null' <<<"${args}" >/dev/null || { echo "args: ${args}"; return 1; }
}
check "helm upgrade --reuse-values --set concurrency=3 --wait" \
  run helm-upgrade.log h upgrade "${helm_release}" "${root}/charts/post2log-operator" -n "${helm_ns}" \
    --reuse-values --set concurrency=3 --wait --timeout 180s
check "the operator rolled to a new pod that runs --concurrency=3" wait_until 90 rolled_to_new_pod
check "the new operator keeps the Post2Log Ready (READY 1/1)" wait_until 60 converged "${helm_ns}" charted 1/1
check "helm uninstall ${helm_release}" run helm-uninstall.log h uninstall "${helm_release}" -n "${helm_ns}" --wait
uninstalled() {
  gone -n "${helm_ns}" get deploy "${operator_deploy}" || { echo "the operator's Deployment is still there"; return 1; }
  kubectl get crd post2logs.post2log.io >/dev/null || { echo "the CRD is gone"; return 1; }
  kubectl -n "${helm_ns}" get post2log charted >/dev/null || { echo "the Post2Log is gone"; return 1; }
}
check "the operator is gone; the CRD and the Post2Log are kept" wait_until 60 uninstalled
check "its receiver still takes POSTs with no operator running" \
  post "http://${helm_ip}:80/postback?via=after-uninstall"
check "the kustomize-installed operator back at 1 replica" \
  run helm-scale-up.log bash -c "kubectl -n post2log-system scale deploy/post2log-operator --replicas=1 &&
    kubectl -n post2log-system rollout status deploy/post2log-operator --timeout=120s"
check "kubectl delete namespace ${helm_ns}" \
  run helm-ns-delete.log kubectl delete namespace "${helm_ns}" --wait=true --timeout=180s

# ------------------------------------------------------------------ down
kubectl -n post2log-system logs deploy/post2log-operator >"${logs}/operator.log" 2>&1 || true
if ((reusing)); then
  progress "removing the test's namespaces; the demo's cluster stays up"
  check "kubectl delete namespace ${ns} ${sample_ns}" \
    run namespaces-delete.log kubectl delete namespace "${ns}" "${sample_ns}" --wait=true --timeout=180s
  check "the demo's operator is running" \
    run operator-after.log kubectl -n post2log-system rollout status deploy/post2log-operator --timeout=60s
else
  progress "taking the cluster down"
  cp -r "${dir}/logs" "${logs}/cluster" 2>/dev/null || true
  cluster_up=0
  check "down.sh succeeds" run down.log "${root}/scripts/cluster/down.sh" "${dir}" --remove
  no_process() { ! pgrep -f -- "${dir}/" >/dev/null; }
  check "no process of the cluster is left" no_process
  check "no mount under the cluster directory is left" bash -c "! grep -q ' ${dir}/' /proc/mounts"
  check "the bridge is gone" bash -c "! ip link show p2l0 >/dev/null 2>&1"
  check "the cluster directory is gone" test ! -e "${dir}"
  check "net.ipv4.ip_forward is 0" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 0
fi

progress "done; logs in ${logs}"
summary
