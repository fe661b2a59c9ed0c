#!/usr/bin/env bash
# The operator on a real single-node Kubernetes cluster, from a fresh clone:
# installs the packages, builds the Kubernetes binaries, CoreDNS and the images, starts
# the cluster of scripts/cluster/, installs the operator (kubectl apply -k
# scripts/cluster/operator/: manifests/ plus --allow-node-port and the Fluentd image
# post2log-fluentd), creates the Post2Log of manifests/samples/local-cluster.yaml, POSTs
# to its Service with curl, shows the line the receiver wrote and the record coming out
# of the Fluentd sidecar (kubectl logs POD -c fluentd). The cluster keeps running.
#
# Usage:
#   scripts/cluster-demo.sh          build what is missing, start (or reuse) the cluster, demo
#   scripts/cluster-demo.sh --down   take the cluster down and remove its directory
#
# Needs root (the cluster makes a bridge, mounts and cgroups) and a Go toolchain
# (scripts/kube/setup.sh says which). Everything lives in P2L_DEMO_DIR (default
# /var/tmp/post2log): the cluster in cluster/, the output of every step in logs/.
# The Fluentd image is built from Debian's Ruby and the vendored Fluentd sources
# (../shared/vendor next to the repository, or P2L_FLUENTD_SOURCE).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# For wait_until, the polling helper of the tests.
# shellcheck source=../tests/lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "${root}/tests/lib/checks.sh"
base="${P2L_DEMO_DIR:-/var/tmp/post2log}"
cluster="${base}/cluster"
logs="${base}/logs"
cache_dir="${P2L_CACHE_DIR:-/var/cache/post2log}"
archives="${P2L_IMAGE_ARCHIVES:-${cache_dir}/images/archives}"
kube_bin="${cache_dir}/kube-v1.34.4/bin"
name=postbacks
started=${SECONDS}

say() { printf '%s\n' "$*"; }
die() { printf 'cluster-demo: error: %s\n' "$*" >&2; exit 1; }

[[ "$(id -u)" -eq 0 ]] || die "run as root, e.g. sudo $0 (the cluster makes a bridge, mounts and cgroups)"

if [[ "${1:-}" == --down ]]; then
  say "taking the cluster in ${cluster} down (about 30 s)"
  "${root}/scripts/cluster/down.sh" "${cluster}" --remove
  rm -rf "${base}"
  say "done: ${base} removed"
  exit 0
elif [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
elif (($#)); then
  die "unknown argument $1 (try --help)"
fi

mkdir -p "${logs}"

# step LABEL LOG CMD...: runs CMD with its output in logs/LOG; prints one progress
# line, or the end of the log and where it is when CMD fails.
step() {
  local label=$1 log="${logs}/$2" t0=${SECONDS} rc=0
  shift 2
  printf '%-58s' "${label} ..."
  "$@" >"${log}" 2>&1 || rc=$?
  if ((rc != 0)); then
    say " FAILED (exit ${rc})"
    say "----- the end of ${log} -----"
    tail -n 40 "${log}"
    say "-----"
    exit 1
  fi
  say " done ($((SECONDS - t0)) s)"
}

# fail MESSAGE: prints what the cluster knows about the operator and the sample, then exits.
fail() {
  say " FAILED"
  say "cluster-demo: $*"
  {
    say "----- kubectl get post2logs,deploy,pods,pvc,svc -----"
    kubectl get post2logs,deploy,pods,pvc,svc -o wide 2>&1
    say "----- kubectl describe pods -----"
    kubectl describe pods -l "app.kubernetes.io/instance=${name}" 2>&1 | tail -n 40
    kubectl -n post2log-system describe pods 2>&1 | tail -n 40
    say "----- operator log (last 40 lines) -----"
    kubectl -n post2log-system logs deploy/post2log-operator --tail=40 2>&1
  } | tee "${logs}/failure.log"
  say "(saved in ${logs}/failure.log; component logs in ${cluster}/logs)"
  exit 1
}

say "post2log on a single-node Kubernetes cluster (the output of each step: ${logs})"
first_run=0
for b in kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet kube-proxy; do
  [[ -x "${kube_bin}/${b}" ]] || first_run=1
done
for i in receiver operator fluentd pause; do
  [[ -s "${archives}/post2log-${i}-0.1.0.tar" ]] || first_run=1
done
if ((first_run)); then
  say "First run: it builds Kubernetes 1.34.4 from source and the images, about 25 minutes"
  say "on a 2-core machine, plus the apt and Go module downloads. Later runs take under a minute."
fi

# ---------------------------------------------------------------- build
step "installing packages (apt; quick when present)" setup.log \
  bash -c "'${root}/scripts/setup.sh' && '${root}/scripts/kube/setup.sh' &&
           '${root}/scripts/cluster/setup.sh' && '${root}/scripts/images/setup.sh'"
step "building the Kubernetes binaries (cached)" kube-binaries.log \
  nice -n 10 "${root}/scripts/kube/build-binaries.sh" \
  kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet kube-proxy
step "building CoreDNS, the cluster's DNS (cached)" coredns.log \
  "${root}/scripts/tools/build.sh" coredns
step "building and exporting the images (cached layers)" images.log \
  "${root}/scripts/images/build.sh" --export "${archives}"

# ---------------------------------------------------------------- cluster
reused=0
if [[ -r "${cluster}/env" ]] && ip link show p2l0 >/dev/null 2>&1; then reused=1; fi
step "starting the cluster in ${cluster}" cluster-up.log \
  env P2L_IMAGE_ARCHIVES="${archives}" "${root}/scripts/cluster/up.sh" "${cluster}"
# shellcheck disable=SC1091
source "${cluster}/env"
if ((reused)); then
  # up.sh imports the archives only when it starts the cluster; bring in rebuilt images.
  import_all() {
    local f
    for f in "${archives}"/*.tar; do
      ctr --address "${P2L_CONTAINERD_ADDRESS}" -n k8s.io images import "${f}" || return 1
    done
  }
  step "importing the images into the running cluster" images-import.log import_all
fi

# ---------------------------------------------------------------- operator
printf '%-58s' "installing the operator (kubectl apply -k) ..."
t0=${SECONDS}
# manifests/ plus --allow-node-port (scripts/cluster/operator/kustomization.yaml).
kubectl apply -k "${root}/scripts/cluster/operator/" >"${logs}/operator-install.log" 2>&1 \
  || fail "kubectl apply -k scripts/cluster/operator/ failed: $(tail -n 5 "${logs}/operator-install.log")"
# A rebuilt operator image replaces the running pod.
operator_sum=$(sha256sum "${archives}/post2log-operator-0.1.0.tar" | cut -d' ' -f1)
if ((reused)) && [[ "$(cat "${base}/operator-image.sha256" 2>/dev/null)" != "${operator_sum}" ]]; then
  kubectl -n post2log-system rollout restart deploy/post2log-operator >>"${logs}/operator-install.log" 2>&1
fi
echo "${operator_sum}" >"${base}/operator-image.sha256"
kubectl -n post2log-system rollout status deploy/post2log-operator --timeout=180s \
  >>"${logs}/operator-install.log" 2>&1 || fail "the operator did not become available within 180 s"
kubectl wait --for=condition=Established crd/post2logs.post2log.io --timeout=60s \
  >>"${logs}/operator-install.log" 2>&1 || fail "the Post2Log CRD is not established"
say " done ($((SECONDS - t0)) s)"

printf '%-58s' "creating Post2Log ${name} (local-cluster.yaml) ..."
t0=${SECONDS}
kubectl apply -f "${root}/manifests/samples/local-cluster.yaml" >"${logs}/sample.log" 2>&1 \
  || fail "kubectl apply failed: $(cat "${logs}/sample.log")"
is_ready() {
  [[ "$(kubectl get post2log "${name}" -o jsonpath='{.status.ready}')" == 1/1 ]] &&
    [[ "$(kubectl get post2log "${name}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}
wait_until 180 is_ready || fail "${name} is not Ready (READY 1/1) after 180 s"
say " ready ($((SECONDS - t0)) s)"

# ---------------------------------------------------------------- the demo
say ""
say "\$ kubectl get post2logs"
kubectl get post2logs
svc_ip=$(kubectl get svc "${name}" -o jsonpath='{.spec.clusterIP}')
svc_port=$(kubectl get svc "${name}" -o jsonpath='{.spec.ports[0].port}')
url="http://${svc_ip}:${svc_port}/postback?p1=v1&p2=v2"
body='{"event":"install"}'
# kube-proxy programs a new Service about a second after its endpoint is ready.
post() { curl -sS --max-time 5 -X POST "${url}" -H 'Content-Type: application/json' -d "${body}"; }
answer=""
for _ in $(seq 1 30); do
  answer=$(post 2>&1) && [[ "${answer}" == *success* ]] && break
  sleep 1
done
say ""
say "\$ curl -X POST '${url}' -H 'Content-Type: application/json' -d '${body}'"
say "${answer}"
[[ "${answer}" == *success* ]] || fail "the POST to the Service ${svc_ip}:${svc_port} failed"

pod=$(kubectl get pods -l "app.kubernetes.io/instance=${name}" \
  --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')
say ""
say "\$ kubectl exec ${pod} -- tail -n 1 /data/logs/post2log-1.log"
line=$(kubectl exec "${pod}" -- tail -n 1 /data/logs/post2log-1.log) || fail "cannot read the log file in ${pod}"
say "${line}"

# The Fluentd sidecar tails the file and prints each record (the sample's output is
# @type stdout); it looks for new files every 5 s.
shipped() { kubectl logs "${pod}" -c fluentd | grep -F " post2log: ${line}"; }
wait_until 60 shipped || fail "the record did not come out of the Fluentd sidecar of ${pod} within 60 s"
say ""
say "\$ kubectl logs ${pod} -c fluentd | grep 'post2log: ' | tail -n 1"
shipped | tail -n 1

# ---------------------------------------------------------------- how to go on
cat <<EOF

The cluster keeps running (ready after $((SECONDS - started)) s). To use it:
  export KUBECONFIG=${cluster}/kubeconfig PATH=${kube_bin}:\$PATH
  kubectl get post2logs
  kubectl edit post2log ${name}          # e.g. replicas: 2, nodePort: 30080
  curl -X POST 'http://${svc_ip}:${svc_port}/postback?p1=v1'
  kubectl -n post2log-system logs deploy/post2log-operator
  kubectl logs deploy/${name}-0 -c fluentd   # what Fluentd ships (outputConfig: stdout)
NodePorts answer on the bridge address only: http://${P2L_NODE_IP}:NODEPORT/postback.
Fluentd sidecars run post2log-fluentd:0.1.0; outputs reach in-cluster Services by DNS
name (<service>.<namespace>.svc.cluster.local, CoreDNS), nothing beyond the machine.
Take it down (stops everything and removes ${base}):
  scripts/cluster-demo.sh --down
EOF
