#!/usr/bin/env bash
# Builds one of the pinned Go tools of tools/ into a cache outside the work
# tree, once per pinned version:
#
#   scripts/tools/build.sh kstatus   sigs.k8s.io/cli-utils's kstatus.Compute on
#                                    objects read from stdin (tools/kstatus)
#   scripts/tools/build.sh helm      Helm itself (tools/helm: helm.sh/helm/v3)
#   scripts/tools/build.sh coredns   CoreDNS (tools/coredns: github.com/coredns/coredns),
#                                    the local cluster's DNS (scripts/cluster/up.sh)
#
# A tool's go.mod pins it: a `tool` line names the command to build (helm, coredns);
# without one, the module's own main package is built (kstatus). The binary goes to
#
#   ${P2L_CACHE_DIR:-/var/cache/post2log}/<tool>-<pinned version>-<source hash>/<tool>
#
# The last line on stdout is the binary's path. Environment: P2L_CACHE_DIR,
# P2L_GO (go command, default go on PATH, else /usr/local/go/bin/go).
set -euo pipefail
log_name=build-tool
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "${script_dir}/../lib/common.sh"

tool=${1:-}
# The module each tool pins; its version names the cache directory.
case "${tool}" in
  kstatus) pinned_module=sigs.k8s.io/cli-utils ;;
  helm) pinned_module=helm.sh/helm/v3 ;;
  coredns) pinned_module=github.com/coredns/coredns ;;
  *) die "usage: scripts/tools/build.sh kstatus|helm|coredns" ;;
esac
module_dir=$(cd "${script_dir}/../../tools/${tool}" && pwd)

version=$(awk -v m="${pinned_module}" '$1 == m { print $2 } $1 == "require" && $2 == m { print $3 }' \
  "${module_dir}/go.mod" | head -n1)
[[ -n "${version}" ]] || die "tools/${tool}/go.mod does not require ${pinned_module}"
# The command to build: the go.mod's `tool` line, else the module's main package.
package=$(awk '$1 == "tool" { print $2 }' "${module_dir}/go.mod" | head -n1)
package=${package:-.}
# The hash of the sources and of this script in the path: a changed tool, or a changed way
# of building it, is built again.
shopt -s nullglob
source_hash=$(cat "${BASH_SOURCE[0]}" "${module_dir}"/go.mod "${module_dir}"/go.sum "${module_dir}"/*.go |
  sha256sum | cut -c1-12)
shopt -u nullglob
out="${P2L_CACHE_DIR:-/var/cache/post2log}/${tool}-${version}-${source_hash}/${tool}"
if [[ -x "${out}" ]]; then
  echo "${out}"
  exit 0
fi

go_cmd="${P2L_GO:-}"
[[ -n "${go_cmd}" ]] || { command -v go >/dev/null 2>&1 && go_cmd=go; } || go_cmd=/usr/local/go/bin/go
command -v "${go_cmd}" >/dev/null 2>&1 || die "no Go toolchain (go on PATH or /usr/local/go/bin/go; set P2L_GO)"

ldflags=""
if [[ "${tool}" == helm ]]; then
  # Helm takes its version, and the Kubernetes version that `helm template` and `helm lint`
  # assume, from the linker (as its Makefile sets them): the latter from client-go's v0.N.
  kube_minor=$(awk '$1 == "k8s.io/client-go" { split($2, v, "."); print v[2] }' "${module_dir}/go.mod")
  [[ -n "${kube_minor}" ]] || die "tools/helm/go.mod does not require k8s.io/client-go"
  ldflags="-X helm.sh/helm/v3/internal/version.version=${version}"
  for package_path in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X ${package_path}.k8sVersionMajor=1 -X ${package_path}.k8sVersionMinor=${kube_minor}"
  done
fi

mkdir -p "$(dirname "${out}")"
log "building ${tool} (${pinned_module} ${version}); the first build takes a few minutes"
(cd "${module_dir}" && GOTOOLCHAIN=local CGO_ENABLED=0 nice -n 10 "${go_cmd}" build -mod=readonly -trimpath \
  -ldflags "${ldflags}" -o "${out}.tmp.$$" "${package}") || { rm -f "${out}.tmp.$$"; die "go build of tools/${tool} failed"; }
mv -f "${out}.tmp.$$" "${out}"
echo "${out}"
