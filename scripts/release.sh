#!/usr/bin/env bash
# Builds the release artifacts of the operator's install, all at the project version
# (CMakeLists.txt), into OUTDIR (default dist/):
#   install.yaml                      what `kubectl apply -f` users apply: the namespace,
#                                     the CRD and the cluster-wide install (manifests/)
#   post2log-operator-VERSION.tgz     the Helm chart, as `helm package` makes it
# It refuses when the chart's version or appVersion is not the project version, or when
# manifests/generated/ is not what the chart renders.
# Usage: scripts/release.sh [OUTDIR]
set -euo pipefail
log_name=release
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "${root}/scripts/lib/common.sh"
out=$(resolve_dir "${1:-${root}/dist}")
chart=${root}/charts/post2log-operator

version=$(sed -n 's/^project(post2log VERSION \([0-9.]*\).*/\1/p' "${root}/CMakeLists.txt")
[[ -n "${version}" ]] || die "no project version in CMakeLists.txt"
chart_version=$(sed -n 's/^version: *//p' "${chart}/Chart.yaml")
app_version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "${chart}/Chart.yaml")
[[ "${chart_version}" == "${version}" && "${app_version}" == "${version}" ]] ||
  die "charts/post2log-operator/Chart.yaml has version ${chart_version}, appVersion ${app_version}; the project is ${version}"

helm=${P2L_HELM:-$("${root}/scripts/tools/build.sh" helm | tail -n1)}
# The pinned kubectl (built once, cached) for its kustomize.
kubectl=${P2L_KUBECTL:-$("${root}/scripts/kube/build-binaries.sh" | tail -n1)/kubectl}
[[ -x "${kubectl}" ]] || die "no kubectl at ${kubectl} (scripts/kube/build-binaries.sh; or set P2L_KUBECTL)"
P2L_HELM=${helm} "${root}/scripts/release/render-manifests.sh" --check

mkdir -p "${out}"
{
  echo "# post2log-operator ${version}: kubectl apply -f install.yaml"
  echo "# (the namespace post2log-system, the Post2Log CRD, and an operator that watches every"
  echo "# namespace). Made by scripts/release.sh from manifests/."
  "${kubectl}" kustomize "${root}/manifests"
} >"${out}/install.yaml"
"${helm}" package "${chart}" --version "${version}" --app-version "${version}" -d "${out}" >/dev/null
log "wrote ${out}/install.yaml and ${out}/post2log-operator-${version}.tgz"
