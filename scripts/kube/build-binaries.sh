#!/usr/bin/env bash
# Builds Kubernetes binaries from the k8s.io/kubernetes Go module pinned in
# tools/kube/go.mod, into a cache outside the work tree:
#
#   ${P2L_CACHE_DIR:-/var/cache/post2log}/kube-<version>/bin/
#
# Usage: scripts/kube/build-binaries.sh [--force] [NAME...]
#   NAME: kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet
#         kube-proxy (default: kube-apiserver kube-controller-manager kubectl)
#   --force: rebuild even when the binary is already in the cache
#
# A binary already in the cache for the pinned version is not built again, so
# the script is cheap to call before every test run. Progress goes to stderr;
# the last line on stdout is the bin directory, e.g.
#   bin=$(scripts/kube/build-binaries.sh | tail -n1)
#
# Environment:
#   P2L_CACHE_DIR   cache root (default /var/cache/post2log)
#   P2L_GO          go command (default: go on PATH, else /usr/local/go/bin/go)
#   P2L_GO_PARALLEL go build -p value (default 2)
set -euo pipefail

# The pinned release. tools/kube/go.mod must require k8s.io/kubernetes at this
# version (checked below).
KUBE_VERSION=v1.34.4

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "${script_dir}/../.." && pwd)
module_dir="${repo_root}/tools/kube"
cache_root="${P2L_CACHE_DIR:-/var/cache/post2log}"
bin_dir="${cache_root}/kube-${KUBE_VERSION}/bin"

known=(kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet kube-proxy)
defaults=(kube-apiserver kube-controller-manager kubectl)

log() { printf 'build-binaries: %s\n' "$*" >&2; }
die() { printf 'build-binaries: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

force=0
names=()
for arg in "$@"; do
  case "${arg}" in
    -h|--help) usage; exit 0 ;;
    --force) force=1 ;;
    -*) die "unknown option ${arg} (try --help)" ;;
    *)
      ok=0
      for k in "${known[@]}"; do [[ "${arg}" == "${k}" ]] && ok=1; done
      ((ok)) || die "unknown binary '${arg}'; known: ${known[*]}"
      names+=("${arg}")
      ;;
  esac
done
((${#names[@]})) || names=("${defaults[@]}")

# The pin in go.mod and the one above must agree, or the version stamped into
# the binaries would lie.
grep -Eq "^require k8s\.io/kubernetes ${KUBE_VERSION//./\\.}\$|^[[:space:]]k8s\.io/kubernetes ${KUBE_VERSION//./\\.}\$" \
  "${module_dir}/go.mod" \
  || die "tools/kube/go.mod does not require k8s.io/kubernetes ${KUBE_VERSION}; update KUBE_VERSION or go.mod"

todo=()
for n in "${names[@]}"; do
  if ((force)) || [[ ! -x "${bin_dir}/${n}" ]]; then todo+=("${n}"); fi
done

if ((${#todo[@]} == 0)); then
  log "cached (${KUBE_VERSION}): ${names[*]}"
  echo "${bin_dir}"
  exit 0
fi

go_cmd="${P2L_GO:-}"
if [[ -z "${go_cmd}" ]]; then
  if command -v go >/dev/null 2>&1; then
    go_cmd=go
  elif [[ -x /usr/local/go/bin/go ]]; then
    go_cmd=/usr/local/go/bin/go
  fi
fi
if [[ -z "${go_cmd}" ]] || ! command -v "${go_cmd}" >/dev/null 2>&1; then
  die "the go toolchain was not found (looked for 'go' on PATH and /usr/local/go/bin/go; set P2L_GO to override). Kubernetes ${KUBE_VERSION} needs Go 1.24 or newer."
fi

mkdir -p "${bin_dir}"
# One build at a time per cache: a second caller waits, then finds the binaries.
exec 9>"${bin_dir}/.build.lock"
if ! flock -n 9; then
  log "another build is running in ${bin_dir}; waiting for it"
  flock 9
fi
todo2=()
for n in "${todo[@]}"; do
  if ((force)) || [[ ! -x "${bin_dir}/${n}" ]]; then todo2+=("${n}"); fi
done
if ((${#todo2[@]} == 0)); then
  log "cached (${KUBE_VERSION}): ${names[*]}"
  echo "${bin_dir}"
  exit 0
fi

# Never let go fetch another toolchain: there is none to fetch here.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-}"
log "using $("${go_cmd}" version)"

ver="${KUBE_VERSION#v}"
major="${ver%%.*}"
minor="${ver#*.}"; minor="${minor%%.*}"
# The release's publication time, so that repeated builds stamp the same date.
build_date=$(cd "${module_dir}" && { "${go_cmd}" list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes 2>/dev/null || true; })
[[ -n "${build_date}" ]] || build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)

ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=${KUBE_VERSION}"
  ldflags+=" -X ${pkg}.gitMajor=${major}"
  ldflags+=" -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean"
  ldflags+=" -X ${pkg}.buildDate=${build_date}"
done

# Same tags as the upstream release build (hack/lib/golang.sh).
tags="selinux,notest,grpcnotrace"

for n in "${todo2[@]}"; do
  # Upstream links every binary statically except the kubelet.
  cgo=0
  [[ "${n}" == kubelet ]] && cgo=1
  log "building ${n} ${KUBE_VERSION} (CGO_ENABLED=${cgo}); the first build takes a long time"
  start=$(date +%s)
  tmp="${bin_dir}/.${n}.tmp.$$"
  rm -f "${tmp}"
  if ! (cd "${module_dir}" && CGO_ENABLED="${cgo}" nice -n 19 "${go_cmd}" build \
          -p "${P2L_GO_PARALLEL:-2}" -mod=readonly -buildvcs=false -trimpath \
          -tags "${tags}" -ldflags "${ldflags}" \
          -o "${tmp}" "k8s.io/kubernetes/cmd/${n}"); then
    rm -f "${tmp}"
    die "go build of ${n} failed"
  fi
  mv -f "${tmp}" "${bin_dir}/${n}"
  log "built ${n} in $(( $(date +%s) - start )) s"
done

log "binaries for ${KUBE_VERSION} are in ${bin_dir}"
echo "${bin_dir}"
