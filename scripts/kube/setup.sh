#!/usr/bin/env bash
# Installs what scripts/kube/control-plane.sh and build-binaries.sh need on a
# Debian 12 machine: etcd (etcd-server), openssl, curl, flock (util-linux), and
# checks that a Go toolchain is present for building the Kubernetes binaries.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

# tinyproxy: a real HTTP proxy for the client's proxy-url test.
packages=(etcd-server openssl curl util-linux procps tinyproxy)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

if ((${#missing[@]})); then
  echo "kube setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts a system-wide etcd on install; the tests run their own
  # instances on free loopback ports, so keep the system one off.
  if [[ " ${missing[*]} " == *" tinyproxy "* ]]; then
    "${sudo_cmd[@]}" systemctl disable --now tinyproxy >/dev/null 2>&1 \
      || "${sudo_cmd[@]}" service tinyproxy stop >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" etcd-server "* ]]; then
    "${sudo_cmd[@]}" systemctl disable --now etcd >/dev/null 2>&1 \
      || "${sudo_cmd[@]}" service etcd stop >/dev/null 2>&1 || true
  fi
else
  echo "kube setup: all packages present"
fi

go_cmd="${P2L_GO:-}"
if [[ -z "${go_cmd}" ]]; then
  if command -v go >/dev/null 2>&1; then go_cmd=go
  elif [[ -x /usr/local/go/bin/go ]]; then go_cmd=/usr/local/go/bin/go
  fi
fi
if [[ -z "${go_cmd}" ]] || ! command -v "${go_cmd}" >/dev/null 2>&1; then
  echo "kube setup: error: no Go toolchain (go on PATH or /usr/local/go/bin/go);" \
       "scripts/kube/build-binaries.sh needs Go 1.24 or newer" >&2
  exit 1
fi
echo "kube setup: $(GOTOOLCHAIN=local "${go_cmd}" version)"
