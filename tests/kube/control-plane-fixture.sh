#!/usr/bin/env bash
# CTest fixture for the client's integration tests: `up DIR` starts a control plane with
# scripts/kube/control-plane.sh, `down DIR` stops it. Missing Kubernetes binaries are a
# failure with a clear message, never a skip, and are not built here (that takes minutes).
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
control_plane="${repo_root}/scripts/kube/control-plane.sh"
(($# == 2)) || { echo "usage: $0 up|down DIR" >&2; exit 2; }
command=$1 dir=$2

case "${command}" in
  up)
    if [[ -z "${P2L_KUBE_BIN:-}" ]]; then
      version=$(sed -n 's/^KUBE_VERSION=//p' "${repo_root}/scripts/kube/build-binaries.sh")
      export P2L_KUBE_BIN="${P2L_CACHE_DIR:-/var/cache/post2log}/kube-${version}/bin"
    fi
    for b in kube-apiserver kube-controller-manager kubectl; do
      if [[ ! -x "${P2L_KUBE_BIN}/${b}" ]]; then
        echo "FAIL: ${P2L_KUBE_BIN}/${b} is missing; build it with scripts/kube/build-binaries.sh" >&2
        exit 1
      fi
    done
    # A stale control plane from an interrupted run would otherwise be reused.
    "${control_plane}" down "${dir}" --remove >/dev/null 2>&1 || true
    exec "${control_plane}" up "${dir}"
    ;;
  down)
    exec "${control_plane}" down "${dir}"
    ;;
  *) echo "unknown command ${command}" >&2; exit 2 ;;
esac
