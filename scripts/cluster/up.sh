#!/usr/bin/env bash
# Starts a real single-node Kubernetes cluster on this machine for end-to-end tests.
#
# Usage:
#   scripts/cluster/up.sh DIR       start it; everything it makes lives in DIR
#   scripts/cluster/down.sh DIR     stop it and remove what it made (see there)
#
# Parts: the control plane of scripts/kube/control-plane.sh (etcd,
# kube-apiserver, kube-controller-manager) plus kube-scheduler, kubelet and
# kube-proxy (Kubernetes 1.34.4 from scripts/kube/build-binaries.sh), Debian's
# containerd with runc, the CNI bridge plugin, and CoreDNS (scripts/tools/build.sh
# coredns) for cluster.local behind the Service kube-system/kube-dns at 10.96.0.10.
#
# Network: a bridge p2l0 with 10.244.0.1/24 is the node's only network; pods
# get 10.244.0.10 and up on it. The API server and the kubelet bind to
# 10.244.0.1, everything else to 127.0.0.1. No IP forwarding, no masquerading:
# pods reach each other on the bridge and the node's own address, nothing else.
# CoreDNS answers on 10.244.0.1:53 for cluster.local only and forwards nothing.
#
# DIR after `up`:
#   kubeconfig     admin kubeconfig (system:masters)
#   env            KUBECONFIG, PATH (kubectl), addresses, for `eval "$(cat DIR/env)"`
#   logs/          one log per component
#   volumes/pv-NN  the directories behind the local PersistentVolumes
#
# Also: StorageClass `local` (the default, local PVs), the images in
# P2L_IMAGE_ARCHIVES imported into containerd (k8s.io namespace), and a PV
# recycler that wipes and frees a PV once its claim is deleted.
#
# Environment:
#   P2L_CLUSTER_TIMEOUT  seconds to wait for each readiness step (default 300)
#   P2L_IMAGE_ARCHIVES   image archives to import (default
#                        /var/cache/post2log/images/archives; built by
#                        scripts/images/build.sh --export when the pause image is missing)
#   P2L_PV_COUNT, P2L_PV_SIZE   local PVs (default 20 of 10Gi)
#   P2L_NODE_NAME        the node's name (default post2log-node)
#   P2L_KUBE_VERBOSITY   klog -v of the Kubernetes components (default 2)
#   P2L_BRIDGE_DNAT      1: let a pod reach another pod through a ClusterIP (off by
#                        default). kube-proxy's DNAT of a bridged packet to a pod on
#                        the same bridge needs the bridge's own forwarding flag for
#                        the kernel's route check; the packet is then bridged, not
#                        routed. net.ipv4.ip_forward stays 0 and the guard table drops
#                        anything routed off the bridge. Without it, ClusterIPs work
#                        from the node and from pods to the API server, and pods
#                        reach each other by pod IP.
set -euo pipefail

# shellcheck source=common.sh
# shellcheck source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

timeout_s="${P2L_CLUSTER_TIMEOUT:-300}"
bridge_dnat=0
[[ "${P2L_BRIDGE_DNAT:-0}" == 1 ]] && bridge_dnat=1
verbosity="${P2L_KUBE_VERBOSITY:-2}"
pv_count="${P2L_PV_COUNT:-20}"
pv_size="${P2L_PV_SIZE:-10Gi}"
cache_dir="${P2L_CACHE_DIR:-/var/cache/post2log}"
image_archives="${P2L_IMAGE_ARCHIVES:-${cache_dir}/images/archives}"

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  "") die "usage: $0 DIR" ;;
esac
(($# == 1)) || die "usage: $0 DIR"
dir=$(resolve_dir "$1")
[[ "$(id -u)" -eq 0 ]] || die "run as root (network, mounts, cgroups)"

kubectl_() { "${bin}/kubectl" --kubeconfig "${dir}/kubeconfig" "$@"; }

# ---------------------------------------------------------------- state

all_running() {
  local name
  for name in containerd kubelet kube-proxy kube-scheduler coredns pv-recycler; do
    ours "$(pid_of "${name}")" || return 1
  done
  "${cluster_script_dir}/../kube/control-plane.sh" status "${dir}/control-plane" >/dev/null 2>&1 || return 1
  [[ -r "${dir}/env" ]]
}

# check_forwarding STAGE: IPv4 forwarding must still be off.
check_forwarding() {
  if [[ "$(ip_forward)" != 0 ]]; then
    echo 0 >/proc/sys/net/ipv4/ip_forward
    die "net.ipv4.ip_forward was switched on (${1}); switched it off again"
  fi
}

# wait_for WHAT NAME CMD...: polls CMD every second for up to timeout_s while
# component NAME runs.
wait_for() {
  local what=$1 name=$2 deadline pid
  shift 2
  pid=$(pid_of "${name}")
  deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    [[ -z "${pid}" ]] || alive "${pid}" || die "${name} exited while waiting for ${what} (log: ${dir}/logs/${name}.log)"
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "timed out after ${timeout_s} s waiting for ${what}"
}

# ---------------------------------------------------------------- checks

find_binaries() {
  bin=$("${cluster_script_dir}/../kube/build-binaries.sh" \
    kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet kube-proxy | tail -n1)
  local b
  for b in kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet kube-proxy; do
    [[ -x "${bin}/${b}" ]] || die "${bin}/${b} is missing (scripts/kube/build-binaries.sh ${b})"
  done
  coredns=$("${repo_dir}/scripts/tools/build.sh" coredns | tail -n1)
  [[ -x "${coredns}" ]] || die "CoreDNS is missing (scripts/tools/build.sh coredns)"
  for b in containerd ctr runc iptables nft ip jq openssl; do
    command -v "${b}" >/dev/null || die "${b} not found (run scripts/cluster/setup.sh)"
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] \
    || die "CNI plugins not found in /usr/lib/cni (run scripts/cluster/setup.sh)"
}

preflight() {
  [[ "$(ip_forward)" == 0 ]] \
    || die "net.ipv4.ip_forward is 1 on this machine; the cluster needs it off (sysctl -w net.ipv4.ip_forward=0)"
  [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/pids ]] || die "expected cgroup v1 hierarchies under /sys/fs/cgroup"
  if ip link show "${BRIDGE}" >/dev/null 2>&1; then
    die "${BRIDGE} exists: another cluster runs on this machine (scripts/cluster/down.sh ITS_DIR)"
  fi
  if ip -4 route show to match "${NODE_IP}" | grep -qv '^default'; then
    die "${POD_CIDR} overlaps a route of this machine: $(ip -4 route show to match "${NODE_IP}" | grep -v '^default')"
  fi
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] \
    || die "bridge netfilter is missing (kernel module br_netfilter)"
}

# ---------------------------------------------------------------- host state

# What down.sh must restore or remove: settings, directories and firewall
# state as they were before up.
save_host_state() {
  local s f="${dir}/state/sysctl.saved"
  : >"${f}"
  for s in "${KUBELET_SYSCTLS[@]}"; do
    printf '%s=%s\n' "${s}" "$(sysctl -n "${s}")" >>"${f}"
  done
  printf 'net.bridge.bridge-nf-call-iptables=%s\n' "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" >>"${f}"
  : >"${dir}/state/created-dirs"
  local d
  for d in /run/netns /var/log/containers /run/containerd; do
    [[ -e "${d}" ]] || echo "${d}" >>"${dir}/state/created-dirs"
  done
  ip netns list 2>/dev/null | awk '{print $1}' >"${dir}/state/netns.before" || true
  nft list tables 2>/dev/null >"${dir}/state/nft-tables.before" || true
  { iptables-save 2>/dev/null || true; } | grep -o '^:[^ ]*' >"${dir}/state/iptables-chains.before" || true
  { ip6tables-save 2>/dev/null || true; } | grep -o '^:[^ ]*' >"${dir}/state/ip6tables-chains.before" || true
}

# ---------------------------------------------------------------- network

setup_network() {
  log "creating bridge ${BRIDGE} with ${NODE_IP}/${POD_CIDR#*/}"
  ip link add "${BRIDGE}" type bridge
  echo "${BRIDGE}" >"${dir}/state/bridge"
  # Forwarding stays off, globally and on the bridge, unless P2L_BRIDGE_DNAT=1
  # (see the environment above).
  sysctl -qw "net.ipv4.conf.${BRIDGE}.forwarding=$((bridge_dnat ? 1 : 0))"
  ip addr add "${NODE_IP}/${POD_CIDR#*/}" dev "${BRIDGE}"
  ip link set "${BRIDGE}" up
  # The service range goes to the bridge too: a ClusterIP that kube-proxy does
  # not (yet) translate stays on the bridge instead of following the default route.
  ip route add "${SERVICE_CIDR}" dev "${BRIDGE}" src "${NODE_IP}"
  # Bridged pod traffic passes iptables: kube-proxy's DNAT for pod -> Service -> pod
  # on the same bridge, which then stays bridged (no routing, no forwarding).
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables

  # Guard rules in a table of our own (removed whole by down.sh): from the pod
  # network the node accepts only what is addressed to the node's bridge
  # address, and nothing is routed between the bridge and other interfaces.
  nft -f - <<EOF
table inet ${NFT_TABLE} {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "${BRIDGE}" meta nfproto ipv4 ip daddr != ${NODE_IP} counter drop
    iifname "${BRIDGE}" meta nfproto ipv6 meta l4proto != ipv6-icmp counter drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "${BRIDGE}" oifname != "${BRIDGE}" counter drop
    oifname "${BRIDGE}" iifname != "${BRIDGE}" counter drop
  }
}
EOF

  mkdir -p "${dir}/cni/net.d" "${dir}/cni/ipam"
  # isGateway false: the plugin neither puts an address on the bridge nor turns
  # on IP forwarding (it does both for a gateway); the node's address is set above.
  cat >"${dir}/cni/net.d/10-post2log.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "post2log",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "${BRIDGE}",
      "isGateway": false,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "${dir}/cni/ipam",
        "ranges": [[{ "subnet": "${POD_CIDR}", "rangeStart": "${POD_RANGE_START}", "gateway": "${NODE_IP}" }]],
        "routes": [{ "dst": "0.0.0.0/0", "gw": "${NODE_IP}" }]
      }
    }
  ]
}
EOF
}

# ---------------------------------------------------------------- certificates

ca_dir() { echo "${dir}/control-plane/pki"; }

# make_cert NAME SUBJECT EXT: key and certificate in pki/, signed by the control plane's CA.
make_cert() {
  sign_cert "${dir}/pki" "$1" "$2" "$3" "$(ca_dir)/ca.crt" "$(ca_dir)/ca.key"
}

# make_kubeconfig FILE USER CERT
make_kubeconfig() {
  write_kubeconfig "$1" post2log-e2e "${apiserver_url}" "$(ca_dir)/ca.crt" \
    "$2" "${dir}/pki/$3.crt" "${dir}/pki/$3.key"
}

make_node_pki() {
  mkdir -p "${dir}/pki"
  chmod 700 "${dir}/pki"
  local client=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
  make_cert kubelet "/O=system:nodes/CN=system:node:${NODE_NAME}" "${client}"
  make_cert kubelet-serving "/CN=${NODE_NAME}" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:${NODE_IP},DNS:${NODE_NAME}"
  make_cert kube-proxy "/CN=system:kube-proxy" "${client}"
  make_cert kube-scheduler "/CN=system:kube-scheduler" "${client}"
  make_cert coredns "/CN=post2log:coredns" "${client}"
  make_kubeconfig "${dir}/kubelet.kubeconfig" "system:node:${NODE_NAME}" kubelet
  make_kubeconfig "${dir}/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
  make_kubeconfig "${dir}/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler
  make_kubeconfig "${dir}/coredns.kubeconfig" post2log:coredns coredns
}

# ---------------------------------------------------------------- components

start_control_plane() {
  log "starting the control plane (API server on ${NODE_IP})"
  P2L_KUBE_BIN="${bin}" P2L_KUBE_TIMEOUT="${timeout_s}" P2L_KUBE_VERBOSITY="${verbosity}" \
    "${cluster_script_dir}/../kube/control-plane.sh" up "${dir}/control-plane" --address "${NODE_IP}" >/dev/null
  apiserver_url=$(sed -n "s/^export P2L_APISERVER_URL=//p" "${dir}/control-plane/env")
  apiserver_url=${apiserver_url//\'/}
  cp "${dir}/control-plane/kubeconfig" "${dir}/kubeconfig"
  chmod 600 "${dir}/kubeconfig"
}

start_containerd() {
  local c="${dir}/containerd"
  mkdir -p "${c}/root" "${c}/state"
  # Containers get exactly these limits (the machine's hard limits allow no more).
  ctr oci spec | jq '.process.rlimits = [
      {"type": "RLIMIT_NOFILE", "hard": 20000, "soft": 20000},
      {"type": "RLIMIT_NPROC", "hard": 32768, "soft": 32768}]' >"${c}/base-runtime-spec.json"
  cat >"${c}/config.toml" <<EOF
version = 2
root = "${c}/root"
state = "${c}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${c}/containerd.sock"

[ttrpc]
  address = "${c}/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${c}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/library/post2log-pause:${image_version}"
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  max_container_log_line_size = 16384

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      base_runtime_spec = "${c}/base-runtime-spec.json"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni/net.d"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
EOF
  start_component containerd containerd --config "${c}/config.toml" --log-level info
  wait_for "containerd" containerd ctr --address "${c}/containerd.sock" version
}

ctr_() { ctr --address "${dir}/containerd/containerd.sock" -n k8s.io "$@"; }

import_images() {
  if [[ ! -s "${image_archives}/post2log-pause-${image_version}.tar" ]]; then
    log "no pause image archive in ${image_archives}; building the images"
    "${repo_dir}/scripts/images/build.sh" --export "${image_archives}" receiver operator fluentd pause
  fi
  local f
  for f in "${image_archives}"/*.tar; do
    [[ -s "${f}" ]] || continue
    log "importing $(basename "${f}") into containerd (k8s.io)"
    ctr_ images import "${f}" >/dev/null
  done
  local names
  names=$(ctr_ images ls -q)
  grep -qx "docker.io/library/post2log-pause:${image_version}" <<<"${names}" \
    || die "the pause image is not in containerd after the import"
}

start_kubelet() {
  local k="${dir}/kubelet" healthz_port
  mkdir -p "${k}/pki" "${k}/volume-plugins" "${dir}/pod-logs"
  free_port healthz_port
  # The node's resolver configuration: no name servers, so nothing outside the machine
  # can be resolved. Pods (dnsPolicy ClusterFirst) get clusterDNS, CoreDNS, which
  # answers for cluster.local only.
  printf '# post2log e2e cluster: no name servers\noptions ndots:1\n' >"${k}/resolv.conf"
  cat >"${k}/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
port: ${kubelet_port}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${healthz_port}
tlsCertFile: ${dir}/pki/kubelet-serving.crt
tlsPrivateKeyFile: ${dir}/pki/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $(ca_dir)/ca.crt
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://${dir}/containerd/containerd.sock
clusterDomain: ${CLUSTER_DOMAIN}
clusterDNS: [${CLUSTER_DNS_IP}]
resolvConf: ${k}/resolv.conf
podLogsDir: ${dir}/pod-logs
volumePluginDir: ${k}/volume-plugins
failSwapOn: false
protectKernelDefaults: false
rotateCertificates: false
serverTLSBootstrap: false
# The images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
  imagefs.inodesFree: 1%
maxPods: 110
EOF
  start_component kubelet "${bin}/kubelet" \
    --config="${k}/config.yaml" \
    --kubeconfig="${dir}/kubelet.kubeconfig" \
    --root-dir="${k}/root" \
    --cert-dir="${k}/pki" \
    --hostname-override="${NODE_NAME}" \
    --node-ip="${NODE_IP}" \
    --v="${verbosity}"
  kubelet_healthz="http://127.0.0.1:${healthz_port}/healthz"
}

start_kube_proxy() {
  local healthz_port metrics_port
  free_port healthz_port
  free_port metrics_port
  cat >"${dir}/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${dir}/kube-proxy.kubeconfig
hostnameOverride: ${NODE_NAME}
bindAddress: ${NODE_IP}
healthzBindAddress: 127.0.0.1:${healthz_port}
metricsBindAddress: 127.0.0.1:${metrics_port}
mode: iptables
clusterCIDR: ${POD_CIDR}
# NodePorts only on the node's bridge address, never on the machine's own
# addresses or on loopback (which would need route_localnet).
nodePortAddresses: ["${NODE_IP}/32"]
iptables:
  localhostNodePorts: false
  masqueradeAll: false
  syncPeriod: 30s
  minSyncPeriod: 1s
# 0: leave the machine's conntrack settings as they are.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
  udpTimeout: 0s
  udpStreamTimeout: 0s
oomScoreAdj: 0
EOF
  start_component kube-proxy "${bin}/kube-proxy" --config="${dir}/kube-proxy.yaml" --v="${verbosity}"
  kube_proxy_healthz="http://127.0.0.1:${healthz_port}/healthz"
}

start_scheduler() {
  local port
  free_port port
  start_component kube-scheduler "${bin}/kube-scheduler" \
    --kubeconfig="${dir}/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="${dir}/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="${dir}/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="${port}" \
    --cert-dir="${dir}/pki/kube-scheduler" \
    --leader-elect=false \
    --profiling=false \
    --v="${verbosity}"
  scheduler_healthz="https://127.0.0.1:${port}/healthz"
}

# CoreDNS for cluster.local, a host process on the node's bridge address like the
# kubelet, reading Services and EndpointSlices as post2log:coredns (a certificate of
# its own and a read-only ClusterRole). Pods reach it through the Service kube-dns at
# CLUSTER_DNS_IP, which has no selector: its one endpoint is the node's address (the
# same path as the kubernetes Service's: a DNAT to a local address). There is no
# server block for other names, so they are refused: nothing leaves the machine.
start_coredns() {
  local c="${dir}/coredns" ready_port
  mkdir -p "${c}"
  free_port ready_port
  kubectl_ apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: post2log:coredns
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: post2log:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: post2log:coredns
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: post2log:coredns
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    kubernetes.io/name: CoreDNS
spec:
  clusterIP: ${CLUSTER_DNS_IP}
  ports:
    - { name: dns, port: 53, targetPort: 53, protocol: UDP }
    - { name: dns-tcp, port: 53, targetPort: 53, protocol: TCP }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-node
  namespace: kube-system
  labels:
    kubernetes.io/service-name: kube-dns
    endpointslice.kubernetes.io/managed-by: cluster-up.post2log.io
addressType: IPv4
ports:
  - { name: dns, port: 53, protocol: UDP }
  - { name: dns-tcp, port: 53, protocol: TCP }
endpoints:
  - addresses: ["${NODE_IP}"]
    conditions: { ready: true }
    nodeName: ${NODE_NAME}
EOF
  cat >"${c}/Corefile" <<EOF
# The local cluster's DNS (scripts/cluster/up.sh): ${CLUSTER_DOMAIN} only, on the
# node's bridge address. No other zone and no forward plugin: other names are
# refused, nothing leaves the machine.
${CLUSTER_DOMAIN}:53 {
    bind ${NODE_IP}
    errors
    kubernetes ${CLUSTER_DOMAIN} {
        kubeconfig ${dir}/coredns.kubeconfig post2log-e2e
    }
    cache 30
    ready 127.0.0.1:${ready_port}
}
EOF
  start_component coredns "${coredns}" -conf "${c}/Corefile"
  coredns_ready="http://127.0.0.1:${ready_port}/ready"
}

# The PV recycler: a PV whose claim was deleted (phase Released) gets its
# directory emptied and its claimRef removed, so it is Available again. Local
# PVs have no deleter; this does what a provisioner's Delete policy would.
start_pv_recycler() {
  cat >"${dir}/pv-recycler.sh" <<'EOF'
#!/usr/bin/env bash
# Started by scripts/cluster/up.sh; arguments: KUBECTL KUBECONFIG
set -uo pipefail
kubectl=$1 kubeconfig=$2
while sleep 3; do
  "${kubectl}" --kubeconfig "${kubeconfig}" get pv -l post2log.io/e2e-volume=true \
    -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name} {.spec.local.path}{"\n"}{end}' 2>/dev/null |
  while read -r name path; do
    [[ -n "${name}" && -d "${path}" ]] || continue
    find "${path}" -mindepth 1 -delete 2>/dev/null || true
    chmod 0777 "${path}"
    "${kubectl}" --kubeconfig "${kubeconfig}" patch pv "${name}" --type json \
      -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null 2>&1 \
      && echo "$(date -u +%H:%M:%S) recycled ${name}"
  done
done
EOF
  chmod +x "${dir}/pv-recycler.sh"
  start_component pv-recycler "${dir}/pv-recycler.sh" "${bin}/kubectl" "${dir}/kubeconfig"
}

create_storage() {
  local i name path
  mkdir -p "${dir}/volumes"
  {
    cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
    for ((i = 1; i <= pv_count; i++)); do
      printf -v name 'pv-%02d' "${i}"
      path="${dir}/volumes/${name}"
      mkdir -p "${path}"
      chmod 0777 "${path}"
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: post2log-${name}
  labels:
    post2log.io/e2e-volume: "true"
spec:
  capacity:
    storage: ${pv_size}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local
  volumeMode: Filesystem
  local:
    path: ${path}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - key: kubernetes.io/hostname
              operator: In
              values: [${NODE_NAME}]
EOF
    done
  } | kubectl_ apply -f - >/dev/null
  log "StorageClass local (default) with ${pv_count} PVs of ${pv_size} in ${dir}/volumes"
}

node_ready() {
  [[ "$(kubectl_ get node "${NODE_NAME}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

# A pod (the pause image, already in containerd) must start.
smoke_pod() {
  kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: post2log-cluster-check
  namespace: default
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  containers:
    - name: pause
      image: post2log-pause:${image_version}
      imagePullPolicy: Never
      securityContext:
        allowPrivilegeEscalation: false
        runAsNonRoot: true
        capabilities: { drop: [ALL] }
EOF
  wait_for "a test pod to run" kubelet \
    bash -c "[[ \"\$('${bin}/kubectl' --kubeconfig '${dir}/kubeconfig' get pod post2log-cluster-check -o jsonpath='{.status.phase}')\" == Running ]]"
  kubectl_ delete pod post2log-cluster-check --wait=true --timeout=60s >/dev/null
}

kubernetes_service_ready() {
  [[ -n "$(kubectl_ get endpointslices -n default -l kubernetes.io/service-name=kubernetes \
    -o jsonpath='{.items[*].endpoints[*].addresses[*]}')" ]]
}

write_env() {
  {
    echo "# post2log e2e cluster in ${dir}"
    printf 'export KUBECONFIG=%q\n' "${dir}/kubeconfig"
    # shellcheck disable=SC2016 # PATH expands when the file is sourced
    printf 'export PATH=%q:"${PATH}"\n' "${bin}"
    printf 'export P2L_CLUSTER_DIR=%q\n' "${dir}"
    printf 'export P2L_APISERVER_URL=%q\n' "${apiserver_url}"
    printf 'export P2L_NODE_NAME=%q\n' "${NODE_NAME}"
    printf 'export P2L_NODE_IP=%q\n' "${NODE_IP}"
    printf 'export P2L_POD_CIDR=%q\n' "${POD_CIDR}"
    printf 'export P2L_SERVICE_CIDR=%q\n' "${SERVICE_CIDR}"
    printf 'export P2L_CONTAINERD_ADDRESS=%q\n' "${dir}/containerd/containerd.sock"
  } >"${dir}/env.tmp"
  mv -f "${dir}/env.tmp" "${dir}/env"
}

# ---------------------------------------------------------------- main

bin="" coredns="" coredns_ready="" apiserver_url="" kubelet_port="" kubelet_healthz="" kube_proxy_healthz="" scheduler_healthz=""
image_version=$(sed -n 's/^project(post2log VERSION \([0-9.]*\).*/\1/p' "${repo_dir}/CMakeLists.txt")

if [[ -e "${dir}/${MARKER}" ]] && all_running; then
  log "already running in ${dir}"
  cat "${dir}/env"
  exit 0
fi
if [[ -e "${dir}/${MARKER}" ]]; then
  log "cleaning up an earlier run in ${dir}"
  "${cluster_script_dir}/down.sh" "${dir}"
fi
if [[ -d "${dir}" && -n "$(ls -A "${dir}")" && ! -e "${dir}/${MARKER}" ]]; then
  die "${dir} exists and was not made by this script"
fi

find_binaries
preflight
started=${SECONDS}

mkdir -p "${dir}"
touch "${dir}/${MARKER}"
rm -rf "${dir}/logs" "${dir}/pids" "${dir}/state" "${dir}/env"
mkdir -p "${dir}/logs" "${dir}/pids" "${dir}/state"
# A fresh cluster starts with empty volumes (the old PV objects went with etcd).
rm -rf --one-file-system "${dir}/volumes"

up_done=0
on_exit() {
  local rc=$?
  ((up_done)) && return 0
  log "start failed (exit ${rc}); the end of each log follows; all logs are in ${dir}/logs"
  local f
  for f in "${dir}"/logs/*.log "${dir}"/control-plane/logs/*.log; do
    [[ -e "${f}" ]] || continue
    printf '\n----- %s -----\n' "${f}" >&2
    tail -n 25 "${f}" >&2
  done
  "${cluster_script_dir}/down.sh" "${dir}" || true
  exit $((rc == 0 ? 1 : rc))
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

save_host_state
setup_network
start_control_plane
check_forwarding "control plane"
make_node_pki
kubelet_port=10250
if awk '{print $2}' /proc/net/tcp | grep -q ":$(printf '%04X' "${kubelet_port}")$"; then free_port kubelet_port; fi

wait_for "the namespace kube-system" kube-apiserver kubectl_ get namespace kube-system
start_coredns
start_containerd
import_images
check_forwarding "containerd"
start_scheduler
start_kube_proxy
start_kubelet
start_pv_recycler

wait_for "kube-scheduler" kube-scheduler curl -sfk --max-time 3 "${scheduler_healthz}"
wait_for "kube-proxy" kube-proxy curl -sf --max-time 3 "${kube_proxy_healthz}"
wait_for "CoreDNS" coredns curl -sf --max-time 3 "${coredns_ready}"
wait_for "the kubelet" kubelet curl -sf --max-time 3 "${kubelet_healthz}"
wait_for "node ${NODE_NAME} to be Ready" kubelet node_ready
log "node ${NODE_NAME} is Ready"
wait_for "the kubernetes Service endpoint" kube-apiserver kubernetes_service_ready
wait_for "the default service account" kubelet kubectl_ get serviceaccount default
create_storage
smoke_pod
check_forwarding "after the first pod"
write_env
up_done=1
trap - EXIT INT TERM

log "cluster is up in $((SECONDS - started)) s: kubectl --kubeconfig ${dir}/kubeconfig get nodes"
log "environment: eval \"\$(cat ${dir}/env)\"; stop: scripts/cluster/down.sh ${dir}"
cat "${dir}/env"
