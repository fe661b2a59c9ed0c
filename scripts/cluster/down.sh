#!/usr/bin/env bash
# Stops the cluster that scripts/cluster/up.sh started in DIR and removes what
# it made on the machine: pods (and with them their network namespaces and
# veths), the Kubernetes components, containerd and its shims, mounts under
# DIR, the bridge, the guard table, the iptables chains of kube-proxy and the
# kubelet, the kubepods cgroups, and the kernel settings the kubelet changed
# (put back as they were). Idempotent: nothing to do for a stopped or missing DIR.
#
# Usage:
#   scripts/cluster/down.sh DIR [--remove]
#
# DIR keeps its logs, kubeconfig and the PV directories (volumes/) for
# inspection; containerd's and the kubelet's state go. --remove deletes DIR.
set -euo pipefail

# shellcheck source=common.sh
# shellcheck source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

remove=0
args=()
for a in "$@"; do
  case "${a}" in
    --remove) remove=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("${a}") ;;
  esac
done
((${#args[@]} == 1)) || die "usage: $0 DIR [--remove]"
dir=$(resolve_dir "${args[0]}")
[[ "$(id -u)" -eq 0 ]] || die "run as root"

if [[ ! -d "${dir}" ]]; then
  log "${dir} does not exist; nothing to stop"
  exit 0
fi
[[ -e "${dir}/${MARKER}" ]] || die "${dir} was not made by scripts/cluster/up.sh; not touching it"

bin="${P2L_CACHE_DIR:-/var/cache/post2log}/kube-v1.34.4/bin"
sock="${dir}/containerd/containerd.sock"
ctr_() { timeout 30 ctr --address "${sock}" -n k8s.io "$@"; }
kubectl_() { timeout 60 "${bin}/kubectl" --kubeconfig "${dir}/kubeconfig" --request-timeout=20s "$@"; }

# ---------------------------------------------------------------- pods

# With the API server and the kubelet still running, let the kubelet stop every
# pod: that runs the CNI teardown (veth and network namespace go) and unmounts
# the volumes. The node is cordoned first, so replacements stay Pending.
drain_pods() {
  ours "$(pid_of kubelet)" || return 0
  [[ -r "${dir}/kubeconfig" ]] || return 0
  kubectl_ get --raw /readyz >/dev/null 2>&1 || return 0
  log "cordoning ${NODE_NAME} and deleting its pods"
  kubectl_ cordon "${NODE_NAME}" >/dev/null 2>&1 || true
  kubectl_ delete pods --all --all-namespaces --grace-period=5 --wait=false >/dev/null 2>&1 || true
  local deadline=$((SECONDS + 90)) left
  while ((SECONDS < deadline)); do
    left=$(kubectl_ get pods --all-namespaces --field-selector "spec.nodeName=${NODE_NAME}" \
      -o name 2>/dev/null | wc -l) || left=1
    ((left == 0)) && break
    sleep 1
  done
  ((left == 0)) || log "${left} pods were still on the node after 90 s; stopping them through containerd"
}

# Whatever still runs in containerd: kill and delete its tasks and containers.
remove_containers() {
  [[ -S "${sock}" ]] || return 0
  ours "$(pid_of containerd)" || return 0
  local id
  for id in $(ctr_ tasks ls -q 2>/dev/null); do
    ctr_ tasks kill -s SIGKILL "${id}" >/dev/null 2>&1 || true
  done
  sleep 1
  for id in $(ctr_ tasks ls -q 2>/dev/null); do
    ctr_ tasks delete -f "${id}" >/dev/null 2>&1 || true
  done
  for id in $(ctr_ containers ls -q 2>/dev/null); do
    ctr_ containers delete "${id}" >/dev/null 2>&1 || true
  done
}

# Processes that outlived the above: containerd's shims for this DIR and
# anything left in the kubepods cgroups.
kill_leftovers() {
  local pid cmdline pids=()
  for pid in $(pgrep -f containerd-shim 2>/dev/null || true); do
    cmdline=$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) || continue
    [[ "${cmdline}" == *"${sock}"* ]] && pids+=("${pid}")
  done
  local f
  while read -r f; do
    while read -r pid; do [[ -n "${pid}" ]] && pids+=("${pid}"); done <"${f}"
  done < <(find /sys/fs/cgroup/*/kubepods -name cgroup.procs 2>/dev/null)
  ((${#pids[@]})) || return 0
  log "killing ${#pids[@]} leftover processes: ${pids[*]}"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 1
}

# ---------------------------------------------------------------- host state

unmount_under() {
  local root=$1 m i
  for ((i = 0; i < 3; i++)); do
    mapfile -t mounts < <(awk -v r="${root}/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r)
    ((${#mounts[@]})) || return 0
    for m in "${mounts[@]}"; do
      m=$(printf '%b' "${m}")   # /proc/mounts escapes spaces as \040
      umount "${m}" 2>/dev/null || umount -l "${m}" 2>/dev/null || true
    done
  done
}

remove_netns() {
  local ns
  [[ -d /run/netns ]] || return 0
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ "${ns}" == cni-* ]] || continue
    grep -qx "${ns}" "${dir}/state/netns.before" 2>/dev/null && continue
    log "removing network namespace ${ns}"
    ip netns delete "${ns}" 2>/dev/null || { umount -l "/run/netns/${ns}" 2>/dev/null; rm -f "/run/netns/${ns}"; }
  done
}

remove_bridge() {
  ip link show "${BRIDGE}" >/dev/null 2>&1 || return 0
  [[ -e "${dir}/state/bridge" ]] || { log "${BRIDGE} exists but was not made for ${dir}; leaving it"; return 0; }
  local port
  for port in $(ip -o link show master "${BRIDGE}" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link delete "${port}" 2>/dev/null || true
  done
  ip link delete "${BRIDGE}"
  log "removed bridge ${BRIDGE}"
}

# iptables chains named KUBE-* that were not there before up (kube-proxy's and
# the kubelet's), with the rules that jump to them.
remove_kube_chains() {
  local cmd=$1 before=$2 table chain rule
  command -v "${cmd}" >/dev/null || return 0
  for table in filter nat mangle raw; do
    "${cmd}" -t "${table}" -S >/dev/null 2>&1 || continue
    local new=()
    for chain in $("${cmd}" -t "${table}" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
      grep -qx ":${chain}" "${before}" 2>/dev/null || new+=("${chain}")
    done
    ((${#new[@]})) || continue
    for chain in "${new[@]}"; do
      while read -r rule; do
        [[ -n "${rule}" ]] || continue
        # shellcheck disable=SC2086 # the rule's words, as iptables -S prints them
        eval "\"${cmd}\" -t ${table} -D ${rule#-A }" 2>/dev/null || true
      done < <("${cmd}" -t "${table}" -S 2>/dev/null | grep -E -- "^-A [A-Z]+ .*-j ${chain}( |$)" || true)
    done
    for chain in "${new[@]}"; do "${cmd}" -t "${table}" -F "${chain}" 2>/dev/null || true; done
    for chain in "${new[@]}"; do "${cmd}" -t "${table}" -X "${chain}" 2>/dev/null || true; done
    log "removed ${#new[@]} ${cmd} chains from table ${table}"
  done
}

remove_nft_tables() {
  command -v nft >/dev/null || return 0
  nft delete table inet "${NFT_TABLE}" 2>/dev/null || true
  local family name
  while read -r _ family name; do
    [[ -n "${name}" ]] || continue
    grep -qx "table ${family} ${name}" "${dir}/state/nft-tables.before" 2>/dev/null && continue
    case "${name}" in
      kube-proxy|kubelet*|KUBE-*)
        nft delete table "${family}" "${name}" 2>/dev/null && log "removed nft table ${family} ${name}" ;;
      *)
        # iptables (nft backend) made this table for the cluster's rules; once
        # they are gone it holds only empty built-in chains.
        if ! nft list table "${family}" "${name}" 2>/dev/null \
            | grep -vqE '^[[:space:]]*(table |chain |type |}|$)'; then
          nft delete table "${family}" "${name}" 2>/dev/null && log "removed empty nft table ${family} ${name}"
        fi ;;
    esac
  done < <(nft list tables 2>/dev/null)
}

remove_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/kubepods; do
    [[ -d "${h}" ]] || continue
    find "${h}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ -d "${h}" ]] && log "could not remove ${h} (processes left?)"
  done
  return 0
}

restore_sysctls() {
  local f="${dir}/state/sysctl.saved" line key value
  [[ -r "${f}" ]] || return 0
  while IFS= read -r line; do
    key=${line%%=*} value=${line#*=}
    [[ "$(sysctl -n "${key}" 2>/dev/null)" == "${value}" ]] || sysctl -qw "${key}=${value}" 2>/dev/null || true
  done <"${f}"
}

remove_created_dirs() {
  local d f
  # The kubelet links each container's log from /var/log/containers.
  if [[ -d /var/log/containers ]]; then
    for f in /var/log/containers/*; do
      [[ -L "${f}" ]] || continue
      [[ "$(readlink "${f}")" == "${dir}/"* ]] && rm -f "${f}"
    done
  fi
  [[ -r "${dir}/state/created-dirs" ]] || return 0
  while read -r d; do
    [[ -d "${d}" ]] || continue
    # Only empty directories (and empty subdirectories), nothing another user put there.
    find "${d}" -depth -type d -empty -delete 2>/dev/null || true
  done <"${dir}/state/created-dirs"
}

# ---------------------------------------------------------------- main

drain_pods
# The recycler is a shell loop: stop its whole process group (it leads one).
recycler=$(pid_of pv-recycler)
if [[ -n "${recycler}" ]] && ours "${recycler}"; then kill -TERM -- "-${recycler}" 2>/dev/null || true; fi
stop_component pv-recycler 5
stop_component kube-scheduler
stop_component kubelet
stop_component kube-proxy
stop_component coredns
remove_containers
stop_component containerd
kill_leftovers
"${cluster_script_dir}/../kube/control-plane.sh" down "${dir}/control-plane" >/dev/null 2>&1 \
  || log "control-plane.sh down failed (see ${dir}/control-plane/logs)"

# kube-proxy removes its own rules with --cleanup; the sweep below catches the rest.
if [[ -x "${bin}/kube-proxy" && -e "${dir}/kube-proxy.yaml" ]]; then
  "${bin}/kube-proxy" --cleanup >>"${dir}/logs/kube-proxy-cleanup.log" 2>&1 || true
fi
remove_kube_chains iptables "${dir}/state/iptables-chains.before"
remove_kube_chains ip6tables "${dir}/state/ip6tables-chains.before"
remove_nft_tables

unmount_under "${dir}"
remove_netns
remove_bridge
remove_cgroups
restore_sysctls
remove_created_dirs
rm -rf --one-file-system "${dir}/containerd" "${dir}/kubelet" "${dir}/cni" "${dir}/pod-logs" "${dir}/env"

if [[ "$(ip_forward)" != 0 ]]; then
  echo 0 >/proc/sys/net/ipv4/ip_forward
  log "warning: net.ipv4.ip_forward was on; switched it off"
fi

# The record of the machine's state before up has served its purpose.
rm -rf "${dir}/state"

if ((remove)); then
  rm -rf --one-file-system "${dir}"
  log "stopped and removed ${dir}"
else
  rm -rf "${dir}/pids"
  log "stopped; logs, kubeconfig and volumes/ kept in ${dir}"
fi
