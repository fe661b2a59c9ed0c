#!/usr/bin/env bash
# Checks the end-to-end cluster of scripts/cluster/ by hand-made steps: up, a
# node that is Ready, a receiver pod with a PVC on a local PV, a POST to its pod
# IP and through a ClusterIP Service, the record read back (kubectl exec, kubectl
# cp and the PV's directory), the `kubernetes` Service from a pod, the PV
# recycled after its claim is deleted, then down and nothing left behind.
#
# Usage: tests/e2e/cluster-smoke.sh [DIR]     (default: a new temporary directory)
# Needs root, scripts/cluster/setup.sh, the cached Kubernetes binaries and the
# image archives (scripts/images/build.sh --export ...). Prints `N passed, N failed`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "${root}/tests/lib/checks.sh"
check_style=live
dir=${1:-$(mktemp -d /tmp/p2l-e2e-smoke.XXXXXX)}
rmdir "${dir}" 2>/dev/null || true   # up.sh wants a new or its own directory

finish() {
  "${root}/scripts/cluster/down.sh" "${dir}" --remove >/dev/null 2>&1 || true
}
trap finish EXIT

# ------------------------------------------------------------------ up
"${root}/scripts/cluster/up.sh" "${dir}" >"${dir}.up.log" 2>&1 || {
  tail -n 40 "${dir}.up.log"; give_up "up.sh"; }
rm -f "${dir}.up.log"
# shellcheck disable=SC1091
source "${dir}/env"

node_ready() {
  [[ "$(kubectl get node "${P2L_NODE_NAME}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}
check "the node is Ready" node_ready
check "net.ipv4.ip_forward is 0 while the cluster runs" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 0

kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: smoke-data, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 4Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: smoke, namespace: default, labels: {app: smoke}}
spec:
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532}
  containers:
    - name: receiver
      image: post2log-receiver:0.1.0
      imagePullPolicy: Never
      env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: NODE_NAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
      ports: [{name: http, containerPort: 8080}]
      readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 2}
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      volumeMounts: [{name: data, mountPath: /data/logs}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: smoke-data}
---
apiVersion: v1
kind: Service
metadata: {name: smoke, namespace: default}
spec:
  selector: {app: smoke}
  ports: [{name: http, port: 80, targetPort: http}]
EOF
pod_ready() { kubectl wait pod/smoke --for=condition=Ready --timeout=180s >/dev/null; }
check "the receiver pod becomes Ready" pod_ready
pv=$(kubectl get pvc smoke-data -o jsonpath='{.spec.volumeName}')
check "the PVC is bound to a local PV" test -n "${pv}"
pod_ip=$(kubectl get pod smoke -o jsonpath='{.status.podIP}')
svc_ip=$(kubectl get svc smoke -o jsonpath='{.spec.clusterIP}')

post() { [[ "$(curl -sS --max-time 5 -X POST "$1")" == '{"status":"success"}' ]]; }
check "POST to the pod IP ${pod_ip}" post "http://${pod_ip}:8080/postback?x=1"
# kube-proxy programs a new Service about a second after its endpoint is ready.
post_retry() { local _i; for _i in $(seq 1 30); do post "$1" 2>/dev/null && return 0; sleep 1; done; return 1; }
check "POST through the ClusterIP ${svc_ip}" post_retry "http://${svc_ip}/postback?x=2"

check "kubectl exec reads both records" \
  bash -c "[[ \$(kubectl exec smoke -- cat /data/logs/post2log-1.log | grep -c '\"_nodeName\":\"${P2L_NODE_NAME}\"') == 2 ]]"
copy=$(mktemp)
check "kubectl cp copies the log file" \
  bash -c "kubectl cp default/smoke:/data/logs/post2log-1.log '${copy}' >/dev/null && grep -q '\"x\":\"1\"' '${copy}'"
rm -f "${copy}"
pv_path=$(kubectl get pv "${pv}" -o jsonpath='{.spec.local.path}')
check "the record is in the PV's directory on the node" grep -q '"x":"2"' "${pv_path}/post2log-1.log"
check "containers run with nofile 20000 and nproc 32768" \
  bash -c "kubectl exec smoke -- cat /proc/1/limits | grep -Eq 'open files +20000 +20000' &&
           kubectl exec smoke -- cat /proc/1/limits | grep -Eq 'processes +32768 +32768'"

kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: smoke-probe, namespace: default}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true, runAsUser: 65532}
  containers:
    - name: probe
      image: post2log-receiver:0.1.0
      imagePullPolicy: Never
      command: [bash, -c, 'timeout 5 bash -c "exec 3<>/dev/tcp/10.96.0.1/443" && echo api-reachable']
EOF
probe_done() { [[ "$(kubectl get pod smoke-probe -o jsonpath='{.status.phase}')" == Succeeded ]]; }
wait_probe() { local _i; for _i in $(seq 1 60); do probe_done && return 0; sleep 1; done; return 1; }
check "a pod reaches the API server through the kubernetes Service" wait_probe

kubectl delete pod smoke smoke-probe --wait=true --timeout=60s >/dev/null
kubectl delete pvc smoke-data --wait=true --timeout=60s >/dev/null
pv_available() { local _i; for _i in $(seq 1 30); do
  [[ "$(kubectl get pv "${pv}" -o jsonpath='{.status.phase}')" == Available ]] && return 0; sleep 1; done; return 1; }
check "the PV is recycled after its claim is deleted" pv_available
check "the recycled PV's directory is empty" test -z "$(ls -A "${pv_path}")"

# ------------------------------------------------------------------ down
trap - EXIT
check "down.sh succeeds" bash -c "'${root}/scripts/cluster/down.sh' '${dir}' --remove >/dev/null 2>&1"
no_process() { ! pgrep -f -- "${dir}/" >/dev/null; }
check "no process of the cluster is left" no_process
check "no mount under the cluster directory is left" bash -c "! grep -q ' ${dir}/' /proc/mounts"
check "the bridge is gone" bash -c "! ip link show p2l0 >/dev/null 2>&1"
check "no cni network namespace is left" bash -c "! ip netns list | grep -q '^cni-'"
check "no KUBE- iptables chain is left" bash -c "! { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -q KUBE-"
check "the guard table is gone" bash -c "! nft list table inet post2log >/dev/null 2>&1"
check "net.ipv4.ip_forward is 0" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 0

summary
