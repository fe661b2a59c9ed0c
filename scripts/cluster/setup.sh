#!/usr/bin/env bash
# Installs what scripts/cluster/up.sh needs from Debian: the container runtime
# (containerd, runc), the CNI plugins, iptables (kube-proxy) and nftables (the
# cluster's guard rules), plus the control plane's own packages
# (scripts/kube/setup.sh). Debian's containerd service is left stopped: up.sh
# runs its own containerd with its own configuration and state in the cluster
# directory. Idempotent: when every package is present it only checks and returns.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

packages=(containerd runc containernetworking-plugins iptables nftables iproute2 jq
  curl openssl util-linux procps)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "${p}" 2>/dev/null | grep -q 'install ok installed' || missing+=("${p}")
done

sudo_cmd=()
[[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
if ((${#missing[@]})); then
  echo "cluster/setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "cluster/setup: all packages present"
fi

# Where systemd runs, keep Debian's own containerd service off: it would use
# /var/lib/containerd and its own socket, which the cluster does not need.
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
  "${sudo_cmd[@]}" systemctl disable --now containerd.service >/dev/null 2>&1 || true
fi

"${script_dir}/../kube/setup.sh"
