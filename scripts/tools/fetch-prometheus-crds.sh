#!/usr/bin/env bash
# Fetches the Prometheus operator's CRDs (monitoring.coreos.com/v1 PodMonitor and
# ServiceMonitor), as that project publishes them in its Go module
# (example/prometheus-operator-crd/), at a pinned version, into a cache outside the
# work tree:
#
#   ${P2L_CACHE_DIR:-/var/cache/post2log}/prometheus-operator-crds-<version>/
#
# The tests apply them to check the PodMonitor a Post2Log renders and the chart's
# ServiceMonitor. The last line on stdout is the directory. Environment: P2L_CACHE_DIR,
# P2L_GO (go command, default go on PATH, else /usr/local/go/bin/go).
set -euo pipefail
log_name=fetch-prometheus-crds
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "${script_dir}/../lib/common.sh"

module=github.com/prometheus-operator/prometheus-operator
version=v0.85.0
crds=(monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_servicemonitors.yaml)
out="${P2L_CACHE_DIR:-/var/cache/post2log}/prometheus-operator-crds-${version}"
complete=true
for crd in "${crds[@]}"; do [[ -s "${out}/${crd}" ]] || complete=false; done
if ${complete}; then
  echo "${out}"
  exit 0
fi

go_cmd="${P2L_GO:-}"
[[ -n "${go_cmd}" ]] || { command -v go >/dev/null 2>&1 && go_cmd=go; } || go_cmd=/usr/local/go/bin/go
command -v "${go_cmd}" >/dev/null 2>&1 || die "no Go toolchain (go on PATH or /usr/local/go/bin/go; set P2L_GO)"

log "fetching ${module}@${version} (checked against the Go checksum database)"
# `go mod download` verifies the module's hash like any dependency.
module_dir=$(cd /tmp && GOTOOLCHAIN=local GOFLAGS=-mod=mod "${go_cmd}" mod download -json "${module}@${version}" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d "${module_dir}" ]] || die "go mod download ${module}@${version} failed"
mkdir -p "${out}.tmp.$$"
for crd in "${crds[@]}"; do
  cp "${module_dir}/example/prometheus-operator-crd/${crd}" "${out}.tmp.$$/" ||
    die "${crd} is not in ${module}@${version}"
done
rm -rf "${out}"
mv "${out}.tmp.$$" "${out}"
echo "${out}"
