#!/usr/bin/env bash
# Builds the project's container images without any registry:
#
#   base      debian:bookworm-slim, made with debootstrap (variant minbase, the
#             mirror of this machine's APT sources) and trimmed like Debian's
#             slim images; cached as a tarball outside the work tree
#   receiver  post2log-receiver:VERSION from Dockerfile.receiver
#   operator  post2log-operator:VERSION from Dockerfile.operator
#   fluentd   post2log-fluentd:VERSION from Dockerfile.fluentd: Debian's Ruby and the
#             vendored Fluentd and serverengine sources (build context `vendor`:
#             P2L_FLUENTD_SOURCE, default ../shared/vendor next to the repository)
#   pause     post2log-pause:VERSION, the pod sandbox image of the test cluster
#             (scripts/images/pause/)
#
# Usage:
#   scripts/images/build.sh [OPTIONS] [IMAGE...]    (default: receiver operator fluentd pause)
#
# Options:
#   --export DIR      also write each built image to DIR/NAME-VERSION.tar, for
#                     `ctr -n k8s.io images import` or `docker load`
#   --format FORMAT   archive format for --export: docker (default) or oci
#   --rebuild-base    make the debootstrap base again even if it is cached
#   --no-cache        build the images without buildah's layer cache
#
# Environment:
#   P2L_CACHE_DIR       cache root (default /var/cache/post2log); the base goes to
#                       P2L_CACHE_DIR/images/
#   P2L_DEBIAN_MIRROR   Debian mirror for the base (default: from /etc/apt/sources.list(.d))
#   P2L_DEBIAN_SECURITY Debian security mirror written into the base's APT sources
#   P2L_FLUENTD_SOURCE  directory with fluentd-1.17.1/ and serverengine-2.3.2/ (default
#                       ../shared/vendor next to the repository, as scripts/fluentd/run.sh)
#
# Images are built from the unchanged Dockerfiles with `buildah build
# --pull=never --network=host`: the base resolves from local storage, and the
# builder stages' apt-get runs in the host's network namespace (no build bridge,
# no NAT, no IP forwarding).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "${script_dir}/../.." && pwd)

SUITE=bookworm
BASE_REF=docker.io/library/debian:bookworm-slim
cache_root="${P2L_CACHE_DIR:-/var/cache/post2log}/images"

log() { printf 'images: %s\n' "$*" >&2; }
die() { printf 'images: error: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

version=$(sed -n 's/^project(post2log VERSION \([0-9.]*\).*/\1/p' "${repo}/CMakeLists.txt")
[[ -n "${version}" ]] || die "cannot read the project version from CMakeLists.txt"

export_dir="" format=docker rebuild_base=0 no_cache=0
targets=()
while (($#)); do
  case "$1" in
    --export) (($# >= 2)) || die "--export needs a directory"; export_dir=$2; shift 2 ;;
    --format) (($# >= 2)) || die "--format needs docker or oci"; format=$2; shift 2 ;;
    --rebuild-base) rebuild_base=1; shift ;;
    --no-cache) no_cache=1; shift ;;
    -h|--help) usage; exit 0 ;;
    base|receiver|operator|fluentd|pause) targets+=("$1"); shift ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
((${#targets[@]})) || targets=(receiver operator fluentd pause)
[[ "${format}" == docker || "${format}" == oci ]] || die "--format must be docker or oci"
[[ "$(id -u)" -eq 0 ]] || die "run as root (debootstrap and rootful buildah)"

"${script_dir}/setup.sh" >&2

# ---------------------------------------------------------------- base image

# The first Debian mirror of this machine's APT sources that carries SUITE,
# and the security mirror that carries SUITE-security.
apt_uri_for() {
  local suite=$1 f
  {
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -r "${f}" ]] || continue
      # deb822: one stanza per paragraph.
      awk -v want="${suite}" 'BEGIN { RS = ""; FS = "\n" }
        {
          types = ""; uris = ""; suites = ""
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^Types:/) types = substr($i, 7)
            else if ($i ~ /^URIs:/) uris = substr($i, 6)
            else if ($i ~ /^Suites:/) suites = substr($i, 8)
          }
          if (types !~ /(^| )deb( |$)/) next
          n = split(suites, s, " ")
          for (j = 1; j <= n; j++) if (s[j] == want) { split(uris, u, " "); print u[1]; next }
        }' "${f}"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -r "${f}" ]] || continue
      awk -v want="${suite}" '$1 == "deb" {
          i = 2
          if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
          if ($(i + 1) == want) print $i
        }' "${f}"
    done
  } | head -n1
}

base_present() { buildah inspect --type image "${BASE_REF}" >/dev/null 2>&1; }

rootfs=""
cleanup_rootfs() {
  [[ -n "${rootfs}" && -d "${rootfs}" ]] || return 0
  # debootstrap mounts /proc and /sys inside the target while it runs.
  local m
  while read -r m; do
    umount -l "${m}" 2>/dev/null || true
  done < <(awk -v r="${rootfs}" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "${rootfs}"
}

make_base_tarball() {
  local tarball=$1 mirror security
  mirror="${P2L_DEBIAN_MIRROR:-$(apt_uri_for "${SUITE}")}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  security="${P2L_DEBIAN_SECURITY:-$(apt_uri_for "${SUITE}-security")}"
  security="${security:-http://deb.debian.org/debian-security}"
  log "debootstrap ${SUITE} (minbase) from ${mirror}"

  mkdir -p "${cache_root}/debs"
  rootfs=$(mktemp -d "${cache_root}/rootfs.XXXXXX")
  trap cleanup_rootfs EXIT
  local started=${SECONDS}
  nice -n 10 debootstrap --variant=minbase --arch="$(dpkg --print-architecture)" \
    --cache-dir="${cache_root}/debs" \
    "${SUITE}" "${rootfs}" "${mirror}" >"${cache_root}/debootstrap.log" 2>&1 \
    || { tail -n 30 "${cache_root}/debootstrap.log" >&2; die "debootstrap failed (log: ${cache_root}/debootstrap.log)"; }
  log "debootstrap took $((SECONDS - started)) s"

  # APT sources like the official image: the release, its updates and security.
  rm -f "${rootfs}/etc/apt/sources.list"
  cat >"${rootfs}/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security}
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

  # Slim: packages installed later leave out documentation, manuals and translations.
  cat >"${rootfs}/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# Keep images small: no documentation, manuals or translations (copyright files stay).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  # No package caches or translation indexes in image layers.
  cat >"${rootfs}/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf 'Acquire::Languages "none";\n' >"${rootfs}/etc/apt/apt.conf.d/docker-no-languages"
  printf 'Acquire::GzipIndexes "true";\n' >"${rootfs}/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf 'APT::AutoRemove::SuggestsImportant "false";\n' >"${rootfs}/etc/apt/apt.conf.d/docker-autoremove-suggests"
  # Package scripts must not start services inside an image build.
  printf '#!/bin/sh\nexit 101\n' >"${rootfs}/usr/sbin/policy-rc.d"
  chmod 755 "${rootfs}/usr/sbin/policy-rc.d"

  # Trim what is already there.
  (
    cd "${rootfs}"
    find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
    find usr/share/doc -mindepth 1 -type d -empty -delete
    find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf usr/share/man/* usr/share/groff/* usr/share/info/* usr/share/lintian/* usr/share/linda/*
    rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb \
      var/cache/apt/archives/partial/* var/cache/debconf/*-old var/lib/dpkg/*-old
    find var/log -type f -delete
    # Files the container runtime provides or that must differ per container.
    : >etc/machine-id
    : >etc/resolv.conf
    : >etc/hostname
  )

  local tmp="${tarball}.tmp"
  tar --numeric-owner --xattrs --acls --one-file-system -C "${rootfs}" -cf "${tmp}" .
  mv -f "${tmp}" "${tarball}"
  cleanup_rootfs
  trap - EXIT
  rootfs=""
}

build_base() {
  local ctx="${cache_root}/base" tarball
  tarball="${ctx}/debian-${SUITE}-slim.tar"
  if ((!rebuild_base)) && base_present; then
    log "base ${BASE_REF} is present"
    return 0
  fi
  mkdir -p "${ctx}"
  if ((rebuild_base)) || [[ ! -s "${tarball}" ]]; then
    make_base_tarball "${tarball}"
  else
    log "using the cached base tarball ${tarball}"
  fi
  cat >"${ctx}/Containerfile" <<'EOF'
FROM scratch
ADD debian-bookworm-slim.tar /
CMD ["bash"]
EOF
  log "importing the base as ${BASE_REF}"
  buildah build --quiet --pull=never --layers=false -f "${ctx}/Containerfile" -t "${BASE_REF}" "${ctx}" >/dev/null
}

# ---------------------------------------------------------------- images

build_args=(--pull=never --network=host --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

# build_image NAME CONTAINERFILE CONTEXT [BUILDAH OPTION...]
build_image() {
  local name=$1 file=$2 ctx=$3 started=${SECONDS} layers=(--layers)
  shift 3
  ((no_cache)) && layers=(--no-cache)
  log "building ${name}:${version} from ${file#"${repo}/"}"
  nice -n 10 buildah build "${build_args[@]}" "${layers[@]}" "$@" \
    -f "${file}" -t "localhost/${name}:${version}" "${ctx}" >"${cache_root}/build-${name}.log" 2>&1 \
    || { tail -n 40 "${cache_root}/build-${name}.log" >&2; die "building ${name} failed (log: ${cache_root}/build-${name}.log)"; }
  log "${name}:${version} built in $((SECONDS - started)) s"
}

build_pause() {
  local ctx
  ctx=$(mktemp -d)
  cp "${script_dir}/pause/Containerfile" "${ctx}/"
  gcc -static -Os -Wall -Wextra -Werror -o "${ctx}/pause" "${script_dir}/pause/pause.c"
  strip "${ctx}/pause"
  build_image post2log-pause "${ctx}/Containerfile" "${ctx}"
  rm -rf "${ctx}"
}

# The Fluentd image takes the vendored sources from a second build context.
build_fluentd() {
  local vendor="${P2L_FLUENTD_SOURCE:-${repo}/../shared/vendor}" d
  for d in fluentd-1.17.1/bin fluentd-1.17.1/lib serverengine-2.3.2/lib; do
    [[ -d "${vendor}/${d}" ]] || die "no ${vendor}/${d}: the Fluentd image needs the sources of \
fluentd-1.17.1/ and serverengine-2.3.2/ (set P2L_FLUENTD_SOURCE to their directory)"
  done
  vendor=$(cd "${vendor}" && pwd)
  build_image post2log-fluentd "${repo}/Dockerfile.fluentd" "${repo}" --build-context "vendor=${vendor}"
}

# export_image NAME: DIR/NAME-VERSION.tar, named docker.io/library/NAME:VERSION
# inside (the name a kubelet gives the image reference NAME:VERSION).
export_image() {
  local name=$1 out
  out="${export_dir}/${name}-${version}.tar"
  rm -f "${out}"
  if [[ "${format}" == docker ]]; then
    buildah push --quiet "localhost/${name}:${version}" \
      "docker-archive:${out}:docker.io/library/${name}:${version}" >/dev/null
  else
    buildah push --quiet "localhost/${name}:${version}" \
      "oci-archive:${out}:docker.io/library/${name}:${version}" >/dev/null
  fi
  log "exported ${out} ($(du -h "${out}" | cut -f1))"
}

mkdir -p "${cache_root}"
build_base
built=()
for t in "${targets[@]}"; do
  case "${t}" in
    base) ;;
    receiver) build_image post2log-receiver "${repo}/Dockerfile.receiver" "${repo}"; built+=(post2log-receiver) ;;
    operator) build_image post2log-operator "${repo}/Dockerfile.operator" "${repo}"; built+=(post2log-operator) ;;
    fluentd) build_fluentd; built+=(post2log-fluentd) ;;
    pause) build_pause; built+=(post2log-pause) ;;
  esac
done

if [[ -n "${export_dir}" ]]; then
  mkdir -p "${export_dir}"
  for n in "${built[@]}"; do export_image "${n}"; done
fi

# Sizes as buildah reports them (uncompressed).
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' \
  | grep -E "(debian:bookworm-slim|post2log-(receiver|operator|fluentd|pause):${version}) " >&2 || true
