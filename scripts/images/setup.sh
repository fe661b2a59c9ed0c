#!/usr/bin/env bash
# Installs what scripts/images/build.sh needs from Debian: debootstrap (the base
# image), buildah (the image builds), gcc and the static C library (the pause
# image). Idempotent: when every package is present it only checks and returns.
set -euo pipefail

packages=(buildah debootstrap debian-archive-keyring gcc libc6-dev ca-certificates)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "${p}" 2>/dev/null | grep -q 'install ok installed' || missing+=("${p}")
done

if ((${#missing[@]})); then
  echo "images/setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "images/setup: all packages present"
fi
