#!/usr/bin/env bash
# Builds the kstatus checker (tools/kstatus: sigs.k8s.io/cli-utils's
# kstatus.Compute on objects read from stdin) into a cache outside the work
# tree, once per pinned version:
#
#   ${P2L_CACHE_DIR:-/var/cache/post2log}/kstatus-<cli-utils version>-<source hash>/kstatus
#
# The last line on stdout is the binary's path. Environment: P2L_CACHE_DIR,
# P2L_GO (go command, default go on PATH, else /usr/local/go/bin/go).
set -euo pipefail
log_name=build-kstatus
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "${script_dir}/../lib/common.sh"
module_dir=$(cd "${script_dir}/../../tools/kstatus" && pwd)

version=$(awk '$1 == "sigs.k8s.io/cli-utils" { print $2 }' "${module_dir}/go.mod")
[[ -n "${version}" ]] || die "tools/kstatus/go.mod does not require sigs.k8s.io/cli-utils"
# The source's hash in the path: a changed checker is built again.
source_hash=$(cat "${module_dir}"/main.go "${module_dir}"/go.mod "${module_dir}"/go.sum | sha256sum | cut -c1-12)
out="${P2L_CACHE_DIR:-/var/cache/post2log}/kstatus-${version}-${source_hash}/kstatus"
if [[ -x "${out}" ]]; then
  echo "${out}"
  exit 0
fi

go_cmd="${P2L_GO:-}"
[[ -n "${go_cmd}" ]] || { command -v go >/dev/null 2>&1 && go_cmd=go; } || go_cmd=/usr/local/go/bin/go
command -v "${go_cmd}" >/dev/null 2>&1 || die "no Go toolchain (go on PATH or /usr/local/go/bin/go; set P2L_GO)"

mkdir -p "$(dirname "${out}")"
log "building the kstatus checker (sigs.k8s.io/cli-utils ${version})"
(cd "${module_dir}" && GOTOOLCHAIN=local CGO_ENABLED=0 "${go_cmd}" build -mod=readonly -trimpath \
  -o "${out}.tmp.$$" .) || { rm -f "${out}.tmp.$$"; die "go build of tools/kstatus failed"; }
mv -f "${out}.tmp.$$" "${out}"
echo "${out}"
