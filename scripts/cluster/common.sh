# Settings and helpers shared by scripts/cluster/up.sh and down.sh (sourced).
# shellcheck shell=bash
# The constants are used by the scripts that source this file; `dir` is theirs.
# shellcheck disable=SC2034,SC2154

cluster_script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "${cluster_script_dir}/../.." && pwd)
log_name=cluster
# log, die, resolve_dir and the process helpers: alive, ours, pid_of,
# start_component, stop_component NAME [SECONDS], free_port.
# shellcheck source=../lib/common.sh
# shellcheck source-path=SCRIPTDIR
source "${cluster_script_dir}/../lib/common.sh"

# The node's network. The bridge and its address exist only while the cluster
# runs; the node's IP is the bridge's address, so every component that must be
# reachable from pods (the API server, the kubelet) binds to an interface the
# script created, never to the machine's own address.
BRIDGE=p2l0
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
POD_RANGE_START=10.244.0.10
# scripts/kube/control-plane.sh uses this service range; 10.96.0.1 is the API server.
SERVICE_CIDR=10.96.0.0/24
CLUSTER_DOMAIN=cluster.local
# The Service kube-system/kube-dns (CoreDNS on NODE_IP:53), the kubelet's clusterDNS.
CLUSTER_DNS_IP=10.96.0.10
NFT_TABLE=post2log
NODE_NAME="${P2L_NODE_NAME:-post2log-node}"
MARKER=.post2log-cluster

# Settings the kubelet changes on start (setupKernelTunables); up.sh saves them
# and down.sh puts them back.
KUBELET_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)

ip_forward() { cat /proc/sys/net/ipv4/ip_forward; }
