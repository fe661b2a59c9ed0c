# Settings and helpers shared by scripts/cluster/up.sh and down.sh (sourced).
# shellcheck shell=bash
# The constants are used by the scripts that source this file; `dir` is theirs.
# shellcheck disable=SC2034,SC2154

cluster_script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "${cluster_script_dir}/../.." && pwd)

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
NFT_TABLE=post2log
NODE_NAME="${P2L_NODE_NAME:-post2log-node}"
MARKER=.post2log-cluster

# Settings the kubelet changes on start (setupKernelTunables); up.sh saves them
# and down.sh puts them back.
KUBELET_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

# cluster_dir ARG: the absolute path of DIR (not created).
cluster_dir() {
  local arg=$1 parent
  parent=$(dirname -- "${arg}")
  [[ -d "${parent}" ]] || mkdir -p "${parent}"
  parent=$(cd "${parent}" && pwd)
  local d
  d="${parent}/$(basename -- "${arg}")"
  [[ "${d}" != / && "$(basename -- "${d}")" != . && "$(basename -- "${d}")" != .. ]] \
    || die "refusing DIR ${arg}"
  printf '%s\n' "${d}"
}

# alive PID: exists and is not a zombie.
alive() {
  local pid=$1 stat
  [[ -n "${pid}" ]] || return 1
  { read -r stat <"/proc/${pid}/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ "${stat%% *}" != Z ]]
}

# ours PID: alive and started for this DIR (its command line names DIR).
ours() {
  local pid=$1 cmdline
  alive "${pid}" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) || return 1
  [[ "${cmdline}" == *"${dir}/"* ]]
}

pid_of() {
  local f="${dir}/pids/$1.pid"
  if [[ -r "${f}" ]]; then cat "${f}"; fi
}

# stop_component NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 20).
stop_component() {
  local name=$1 secs=${2:-20} pid i
  pid=$(pid_of "${name}")
  [[ -n "${pid}" ]] || return 0
  if ours "${pid}"; then
    log "stopping ${name} (pid ${pid})"
    kill -TERM "${pid}" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
      alive "${pid}" || break
      sleep 0.1
    done
    if alive "${pid}"; then
      log "${name} (pid ${pid}) did not exit after SIGTERM; sending SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        alive "${pid}" || break
        sleep 0.1
      done
    fi
    for ((i = 0; i < 50; i++)); do
      [[ -e "/proc/${pid}" ]] || break
      sleep 0.1
    done
  fi
  rm -f "${dir}/pids/${name}.pid"
}

ip_forward() { cat /proc/sys/net/ipv4/ip_forward; }
