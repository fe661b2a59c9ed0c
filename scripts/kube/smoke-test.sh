#!/usr/bin/env bash
# Checks that control-plane.sh gives a working control plane: starts one in a
# temporary directory, checks the version and the namespaces, lets the garbage
# collector of kube-controller-manager delete a ConfigMap whose owner is
# deleted, stops it, and checks that none of its processes is left.
#
# Usage: scripts/kube/smoke-test.sh [DIR]   (default: a new directory under /tmp)
# Exits 0 when every check passes.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../tests/lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "${script_dir}/../../tests/lib/checks.sh"
check_style=live check_fail_word=FAILED
cp="${script_dir}/control-plane.sh"
dir="${1:-$(mktemp -d /tmp/p2l-kube-smoke.XXXXXX)}"

cleanup() { "${cp}" down "${dir}" >/dev/null 2>&1 || true; }
trap cleanup EXIT

"${cp}" up "${dir}" >/dev/null
eval "$("${cp}" env "${dir}")"

server_version() { kubectl version -o json | grep -q '"gitVersion": "v1.34.4"'; }
check "kubectl and the API server report v1.34.4" server_version

namespaces() {
  local ns
  ns=$(kubectl get ns -o name)
  [[ "${ns}" == *namespace/default* && "${ns}" == *namespace/kube-system* ]]
}
check "kubectl get ns lists default and kube-system" namespaces

garbage_collected() {
  local uid i
  kubectl create namespace smoke >/dev/null
  kubectl -n smoke create configmap owner --from-literal=a=1 >/dev/null
  uid=$(kubectl -n smoke get configmap owner -o jsonpath='{.metadata.uid}')
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: dependent
  namespace: smoke
  ownerReferences:
  - apiVersion: v1
    kind: ConfigMap
    name: owner
    uid: ${uid}
data:
  b: "2"
EOF
  kubectl -n smoke get configmap dependent >/dev/null || return 1
  kubectl -n smoke delete configmap owner --wait=true >/dev/null
  for ((i = 0; i < 60; i++)); do
    kubectl -n smoke get configmap dependent >/dev/null 2>&1 || return 0
    sleep 1
  done
  return 1
}
check "the garbage collector deletes a dependent of a deleted owner" garbage_collected

"${cp}" down "${dir}" >/dev/null 2>&1
no_processes_left() {
  local pid cmdline
  for pid in /proc/[0-9]*; do
    cmdline=$(tr '\0' ' ' <"${pid}/cmdline" 2>/dev/null) || continue
    [[ "${cmdline}" == *"${dir}/"* && "${cmdline}" != *smoke-test.sh* ]] && return 1
  done
  return 0
}
check "down leaves no process of the control plane" no_processes_left

if ! summary; then
  echo "state and logs: ${dir}"
  exit 1
fi
[[ -n "${1:-}" ]] || rm -rf "${dir}"
