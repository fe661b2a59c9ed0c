#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine.
# Idempotent: when every package is present it only checks and returns.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config clang clang-format libclang-rt-14-dev
  # libraries
  libboost-dev libboost-system-dev libcpprest-dev libssl-dev nlohmann-json3-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  # test and benchmark tools
  curl jq wrk nginx-light util-linux procps
  # a real Fluentd for the tests, run from the vendored sources (../shared/vendor/README.md)
  # through scripts/fluentd/run.sh: Debian's Ruby and the gems Fluentd needs at run time
  ruby ruby-msgpack ruby-yajl ruby-cool.io ruby-http-parser.rb ruby-sigdump ruby-tzinfo
  ruby-strptime ruby-webrick ruby-concurrent
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts nginx on install; our benchmark runs its own instance.
  if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
    "${sudo_cmd[@]}" systemctl disable --now nginx >/dev/null 2>&1 || "${sudo_cmd[@]}" service nginx stop >/dev/null 2>&1 || true
  fi
else
  echo "setup: all packages present"
fi
