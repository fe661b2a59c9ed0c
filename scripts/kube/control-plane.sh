#!/usr/bin/env bash
# Runs a real Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager) on loopback for the operator's integration tests.
#
# Usage:
#   scripts/kube/control-plane.sh up DIR [--address IP]
#                                              start it; state, certificates and logs go to DIR
#   scripts/kube/control-plane.sh down DIR [--remove]
#                                              stop everything started in DIR (and delete DIR)
#   scripts/kube/control-plane.sh env DIR      print the environment (eval "$(... env DIR)")
#   scripts/kube/control-plane.sh status DIR   exit 0 when every component is running
#
# DIR after `up`:
#   kubeconfig      admin kubeconfig (system:masters), server https://127.0.0.1:PORT
#   env             KUBECONFIG, PATH (for kubectl), ports and PIDs, in shell syntax
#   pki/            a fresh CA, the API server's serving certificate, client
#                   certificates and the service-account key pair
#   etcd/           etcd's data
#   logs/*.log      one log per component
#   pids/*.pid      the processes `down` stops
#
# Everything listens on 127.0.0.1 only, on free ports picked at start. With
# --address IP the API server binds to and advertises IP instead (an address on
# an interface the caller created, e.g. a node's pod bridge), so that pods can
# reach it through the `kubernetes` Service; etcd and the controller manager
# stay on 127.0.0.1.
#
# Environment:
#   P2L_KUBE_BIN       directory with kube-apiserver, kube-controller-manager and
#                      kubectl (default: scripts/kube/build-binaries.sh, which
#                      builds them once and then answers from its cache)
#   P2L_ETCD           etcd binary (default: etcd on PATH, from Debian's etcd-server)
#   P2L_KUBE_TIMEOUT   seconds to wait for the control plane (default 180)
#   P2L_KUBE_VERBOSITY klog -v level of the Kubernetes components (default 2)
#   P2L_KUBE_SERVICE_CIDR  the Service range (default 10.96.0.0/24: 253 Services)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log_name=control-plane
# shellcheck source=../lib/common.sh
# shellcheck source-path=SCRIPTDIR
source "${script_dir}/../lib/common.sh"

# Cluster settings. The service range holds the in-cluster address of the API
# server (its first address), which the serving certificate names too. A /24
# holds 253 Services besides `kubernetes`; P2L_KUBE_SERVICE_CIDR widens it
# (keep 10.96.0.0 as its network address, e.g. 10.96.0.0/20).
SERVICE_CIDR=${P2L_KUBE_SERVICE_CIDR:-10.96.0.0/24}
SERVICE_APISERVER_IP=10.96.0.1
CLUSTER_DOMAIN=cluster.local
LOOPBACK=127.0.0.1
# The API server's address: LOOPBACK unless `up --address IP`.
api_address=${LOOPBACK}
MARKER=.post2log-control-plane

timeout_s="${P2L_KUBE_TIMEOUT:-180}"
verbosity="${P2L_KUBE_VERBOSITY:-2}"

usage() {
  sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- processes

# Called by stop_component when a process outlives SIGKILL.
still_running() { die "$1 (pid $2) is still running"; }

stop_all() {
  local name
  for name in kube-controller-manager kube-apiserver etcd; do
    stop_component "${name}"
  done
}

# wait_until NAME SECONDS CMD...: polls CMD once a second while NAME runs.
# Returns 0 when CMD succeeds, 1 on timeout, 2 when NAME exited.
wait_until() {
  local name=$1 secs=$2; shift 2
  local pid deadline
  pid=$(pid_of "${name}")
  deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    alive "${pid}" || return 2
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

# bind_clash NAME: the last start of NAME failed to bind its port.
bind_clash() {
  tail -c "+${log_start[$1]:-1}" "${dir}/logs/$1.log" | grep -qi 'address already in use'
}

# ---------------------------------------------------------------- certificates

# make_cert NAME SUBJECT EXT [CA]: key and certificate in pki/, signed by CA (default: the
# cluster CA, "ca").
make_cert() {
  local ca=${4:-ca}
  sign_cert "${dir}/pki" "$1" "$2" "$3" "${dir}/pki/${ca}.crt" "${dir}/pki/${ca}.key"
}

# make_ca NAME CN: a self-signed CA, key (ECDSA P-256) and certificate.
make_ca() {
  local pki="${dir}/pki"
  openssl ecparam -name prime256v1 -genkey -noout -out "${pki}/$1.key" 2>/dev/null
  openssl req -x509 -new -key "${pki}/$1.key" -sha256 -days 365 \
    -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "${pki}/$1.crt" 2>/dev/null
}

make_pki() {
  local pki="${dir}/pki"
  rm -rf "${pki}"
  mkdir -p "${pki}"
  chmod 700 "${pki}"
  make_ca ca post2log-test-ca

  local client_ext
  client_ext=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'

  local extra_san=""
  [[ "${api_address}" == "${LOOPBACK}" ]] || extra_san="IP:${api_address},"
  make_cert apiserver "/CN=kube-apiserver" \
    "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:${LOOPBACK},${extra_san}IP:${SERVICE_APISERVER_IP},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}"
  make_cert admin "/O=system:masters/CN=post2log-admin" "${client_ext}"
  make_cert kube-controller-manager "/CN=system:kube-controller-manager" "${client_ext}"
  # For the API server's calls to kubelets (logs, exec) once a node joins.
  make_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "${client_ext}"

  # The aggregation layer: a separate CA for the front proxy's client
  # certificate. Components that delegate authentication to the API server
  # (kube-controller-manager here) read it from the extension-apiserver-authentication
  # ConfigMap and complain while it is missing.
  make_ca front-proxy-ca post2log-test-front-proxy-ca
  make_cert front-proxy-client "/CN=front-proxy-client" "${client_ext}" front-proxy-ca

  # Service-account token signing key pair.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${pki}/sa.key" 2>/dev/null
  openssl pkey -in "${pki}/sa.key" -pubout -out "${pki}/sa.pub" 2>/dev/null
  rm -f "${pki}"/*.srl
  chmod 600 "${pki}"/*.key
}

# make_kubeconfig FILE USER CERTNAME
make_kubeconfig() {
  local pki="${dir}/pki"
  write_kubeconfig "$1" post2log-test "https://${api_address}:${apiserver_port}" "${pki}/ca.crt" \
    "$2" "${pki}/$3.crt" "${pki}/$3.key"
}

# ---------------------------------------------------------------- probes

etcd_healthy() { curl -sSf --max-time 5 "http://${LOOPBACK}:${etcd_client_port}/health" | grep -q '"health":"true"'; }
apiserver_ready() { [[ "$(curl_admin "${dir}/pki" --max-time 5 "https://${api_address}:${apiserver_port}/readyz")" == ok ]]; }
kcm_healthy() { [[ "$(curl -sSfk --max-time 5 "https://${LOOPBACK}:${kcm_port}/healthz")" == ok ]]; }
# The service-account controller of kube-controller-manager creates this.
default_sa_exists() {
  curl_admin "${dir}/pki" --max-time 5 -o /dev/null "https://${api_address}:${apiserver_port}/api/v1/namespaces/default/serviceaccounts/default"
}

show_logs() {
  local f
  for f in "${dir}"/logs/*.log; do
    [[ -e "${f}" ]] || continue
    printf '\n----- %s (last 80 lines) -----\n' "${f}" >&2
    tail -n 80 "${f}" >&2
  done
}

# ---------------------------------------------------------------- components

start_etcd() {
  local attempt rc
  for attempt in 1 2 3 4 5; do
    free_port etcd_client_port
    free_port etcd_peer_port
    rm -rf "${dir}/etcd"
    mkdir -p "${dir}/etcd"
    chmod 700 "${dir}/etcd"
    start_component etcd "${etcd_bin}" \
      --name post2log-test \
      --data-dir "${dir}/etcd" \
      --listen-client-urls "http://${LOOPBACK}:${etcd_client_port}" \
      --advertise-client-urls "http://${LOOPBACK}:${etcd_client_port}" \
      --listen-peer-urls "http://${LOOPBACK}:${etcd_peer_port}" \
      --initial-advertise-peer-urls "http://${LOOPBACK}:${etcd_peer_port}" \
      --initial-cluster "post2log-test=http://${LOOPBACK}:${etcd_peer_port}" \
      --initial-cluster-state new \
      --initial-cluster-token "post2log-test-$$" \
      --logger zap --log-outputs stderr
    rc=0
    wait_until etcd "${timeout_s}" etcd_healthy || rc=$?
    case "${rc}" in
      0) log "etcd is healthy on ${LOOPBACK}:${etcd_client_port}"; return 0 ;;
      2) if bind_clash etcd && ((attempt < 5)); then
           log "etcd lost a port race; retrying with other ports"
           stop_component etcd
           continue
         fi
         die "etcd exited" ;;
      *) die "etcd was not healthy after ${timeout_s} s" ;;
    esac
  done
}

# By default the API server advertises 127.0.0.1. Endpoints may not hold
# loopback addresses, so it cannot publish itself behind the `kubernetes`
# Service (10.96.0.1); --endpoint-reconciler-type=none leaves that Service
# without endpoints instead of failing to write them every 10 s. Clients on this
# machine use https://127.0.0.1:PORT. With --address IP (an address on an
# interface the caller created) it binds to and advertises IP, and the default
# lease reconciler publishes IP:PORT as the `kubernetes` Service's endpoint.
# Kubelets are reached at their InternalIP (node names need not resolve).
start_apiserver() {
  local attempt rc pki="${dir}/pki" reconciler=()
  [[ "${api_address}" == "${LOOPBACK}" ]] && reconciler=(--endpoint-reconciler-type=none)
  for attempt in 1 2 3 4 5; do
    free_port apiserver_port
    start_component kube-apiserver "${bin}/kube-apiserver" \
      --bind-address="${api_address}" \
      --advertise-address="${api_address}" \
      "${reconciler[@]}" \
      --secure-port="${apiserver_port}" \
      --cert-dir="${pki}/kube-apiserver" \
      --tls-cert-file="${pki}/apiserver.crt" \
      --tls-private-key-file="${pki}/apiserver.key" \
      --client-ca-file="${pki}/ca.crt" \
      --etcd-servers="http://${LOOPBACK}:${etcd_client_port}" \
      --service-cluster-ip-range="${SERVICE_CIDR}" \
      --service-account-issuer="https://kubernetes.default.svc.${CLUSTER_DOMAIN}" \
      --service-account-key-file="${pki}/sa.pub" \
      --service-account-signing-key-file="${pki}/sa.key" \
      --authorization-mode=Node,RBAC \
      --enable-admission-plugins=NodeRestriction \
      --allow-privileged=true \
      --kubelet-client-certificate="${pki}/apiserver-kubelet-client.crt" \
      --kubelet-preferred-address-types=InternalIP \
      --kubelet-client-key="${pki}/apiserver-kubelet-client.key" \
      --requestheader-client-ca-file="${pki}/front-proxy-ca.crt" \
      --requestheader-allowed-names=front-proxy-client \
      --requestheader-username-headers=X-Remote-User \
      --requestheader-group-headers=X-Remote-Group \
      --requestheader-extra-headers-prefix=X-Remote-Extra- \
      --proxy-client-cert-file="${pki}/front-proxy-client.crt" \
      --proxy-client-key-file="${pki}/front-proxy-client.key" \
      --profiling=false \
      --v="${verbosity}"
    rc=0
    wait_until kube-apiserver "${timeout_s}" apiserver_ready || rc=$?
    case "${rc}" in
      0) log "kube-apiserver is ready on https://${api_address}:${apiserver_port}"; return 0 ;;
      2) if bind_clash kube-apiserver && ((attempt < 5)); then
           log "kube-apiserver lost a port race; retrying with another port"
           stop_component kube-apiserver
           continue
         fi
         die "kube-apiserver exited" ;;
      *) die "kube-apiserver was not ready after ${timeout_s} s" ;;
    esac
  done
}

start_kcm() {
  local attempt rc pki="${dir}/pki" kc="${dir}/kube-controller-manager.kubeconfig"
  make_kubeconfig "${kc}" system:kube-controller-manager kube-controller-manager
  for attempt in 1 2 3 4 5; do
    free_port kcm_port
    start_component kube-controller-manager "${bin}/kube-controller-manager" \
      --kubeconfig="${kc}" \
      --authentication-kubeconfig="${kc}" \
      --authorization-kubeconfig="${kc}" \
      --bind-address="${LOOPBACK}" \
      --secure-port="${kcm_port}" \
      --cert-dir="${pki}/kube-controller-manager" \
      --controllers='*' \
      --use-service-account-credentials=true \
      --service-account-private-key-file="${pki}/sa.key" \
      --root-ca-file="${pki}/ca.crt" \
      --cluster-signing-cert-file="${pki}/ca.crt" \
      --cluster-signing-key-file="${pki}/ca.key" \
      --service-cluster-ip-range="${SERVICE_CIDR}" \
      --leader-elect=false \
      --profiling=false \
      --v="${verbosity}"
    rc=0
    wait_until kube-controller-manager "${timeout_s}" kcm_healthy || rc=$?
    case "${rc}" in
      0) break ;;
      2) if bind_clash kube-controller-manager && ((attempt < 5)); then
           log "kube-controller-manager lost a port race; retrying with another port"
           stop_component kube-controller-manager
           continue
         fi
         die "kube-controller-manager exited" ;;
      *) die "kube-controller-manager was not healthy after ${timeout_s} s" ;;
    esac
  done
  rc=0
  wait_until kube-controller-manager "${timeout_s}" default_sa_exists || rc=$?
  ((rc == 0)) || die "kube-controller-manager did not create the default service account in ${timeout_s} s"
  log "kube-controller-manager is running (healthz on https://${LOOPBACK}:${kcm_port})"
}

write_env() {
  local f="${dir}/env" tmp="${dir}/env.tmp"
  {
    echo "# post2log test control plane in ${dir}"
    printf 'export KUBECONFIG=%q\n' "${dir}/kubeconfig"
    # shellcheck disable=SC2016 # PATH expands when the file is sourced
    printf 'export PATH=%q:"${PATH}"\n' "${bin}"
    printf 'export P2L_KUBE_DIR=%q\n' "${dir}"
    printf 'export P2L_KUBE_BIN=%q\n' "${bin}"
    printf 'export P2L_APISERVER_URL=%q\n' "https://${api_address}:${apiserver_port}"
    printf 'export P2L_APISERVER_PORT=%q\n' "${apiserver_port}"
    printf 'export P2L_ETCD_URL=%q\n' "http://${LOOPBACK}:${etcd_client_port}"
    printf 'export P2L_ETCD_CLIENT_PORT=%q\n' "${etcd_client_port}"
    printf 'export P2L_ETCD_PEER_PORT=%q\n' "${etcd_peer_port}"
    printf 'export P2L_KCM_PORT=%q\n' "${kcm_port}"
    printf 'export P2L_ETCD_PID=%q\n' "$(pid_of etcd)"
    printf 'export P2L_APISERVER_PID=%q\n' "$(pid_of kube-apiserver)"
    printf 'export P2L_KCM_PID=%q\n' "$(pid_of kube-controller-manager)"
    printf 'export P2L_CA_CERT=%q\n' "${dir}/pki/ca.crt"
  } >"${tmp}"
  mv -f "${tmp}" "${f}"
}

all_running() {
  local name pid
  for name in etcd kube-apiserver kube-controller-manager; do
    pid=$(pid_of "${name}")
    ours "${pid}" || return 1
  done
  [[ -r "${dir}/env" && -r "${dir}/kubeconfig" ]]
}

find_binaries() {
  if [[ -n "${P2L_KUBE_BIN:-}" ]]; then
    bin=$(cd "${P2L_KUBE_BIN}" && pwd) || die "P2L_KUBE_BIN=${P2L_KUBE_BIN} is not a directory"
  else
    bin=$("${script_dir}/build-binaries.sh" kube-apiserver kube-controller-manager kubectl | tail -n1)
  fi
  local b
  for b in kube-apiserver kube-controller-manager kubectl; do
    [[ -x "${bin}/${b}" ]] || die "${bin}/${b} is missing (run scripts/kube/build-binaries.sh)"
  done
  etcd_bin="${P2L_ETCD:-}"
  if [[ -z "${etcd_bin}" ]]; then
    etcd_bin=$(command -v etcd || true)
    [[ -n "${etcd_bin}" ]] || etcd_bin=/usr/bin/etcd
  fi
  [[ -x "${etcd_bin}" ]] || die "etcd not found (run scripts/kube/setup.sh, which installs etcd-server)"
  command -v openssl >/dev/null || die "openssl not found (run scripts/kube/setup.sh)"
  command -v curl >/dev/null || die "curl not found (run scripts/kube/setup.sh)"
  command -v setsid >/dev/null || die "setsid not found (util-linux)"
}

# ---------------------------------------------------------------- commands

up_done=0
on_up_exit() {
  local rc=$?
  ((up_done)) && return 0
  if ((rc == 130 || rc == 143)); then
    log "interrupted; stopping what was started (logs are in ${dir}/logs)"
  else
    log "start failed; component logs follow (all of them are in ${dir}/logs)"
    show_logs
  fi
  stop_all || true
  rm -f "${dir}/env"
  exit $((rc == 0 ? 1 : rc))
}

cmd_up() {
  if all_running; then
    log "already running in ${dir}"
    cat "${dir}/env"
    return 0
  fi
  # Leftovers of an earlier run that did not stop cleanly.
  stop_all
  find_binaries

  mkdir -p "${dir}"
  touch "${dir}/${MARKER}"
  rm -rf "${dir}/logs" "${dir}/pids" "${dir}/env"
  mkdir -p "${dir}/logs" "${dir}/pids"

  trap on_up_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  log "generating certificates in ${dir}/pki"
  make_pki
  start_etcd
  start_apiserver
  make_kubeconfig "${dir}/kubeconfig" post2log-admin admin
  start_kcm
  write_env
  up_done=1
  trap - EXIT INT TERM
  log "control plane is up: kubectl --kubeconfig ${dir}/kubeconfig get ns"
  log "environment: eval \"\$(${BASH_SOURCE[0]} env ${dir})\""
  cat "${dir}/env"
}

cmd_down() {
  local remove=$1
  if [[ ! -d "${dir}" ]]; then
    log "${dir} does not exist; nothing to stop"
    return 0
  fi
  [[ -e "${dir}/${MARKER}" ]] || die "${dir} was not created by this script; not touching it"
  stop_all
  rm -f "${dir}/env"
  if ((remove)); then
    rm -rf "${dir}"
    log "stopped and removed ${dir}"
  else
    log "stopped; state and logs kept in ${dir}"
  fi
}

cmd_env() {
  all_running || die "no control plane is running in ${dir} (start it with: $0 up ${dir})"
  cat "${dir}/env"
}

cmd_status() {
  local name pid rc=0
  for name in etcd kube-apiserver kube-controller-manager; do
    pid=$(pid_of "${name}")
    if ours "${pid}"; then
      echo "${name}: running (pid ${pid})"
    else
      echo "${name}: not running"
      rc=1
    fi
  done
  return "${rc}"
}

(($# >= 1)) || { usage >&2; exit 2; }
command=$1; shift
case "${command}" in
  -h|--help|help) usage; exit 0 ;;
esac
(($# >= 1)) || die "missing DIR (try --help)"
dir_arg=$1; shift
dir=$(resolve_dir "${dir_arg}")

# Set by `up` (and read from DIR/env otherwise).
bin="" etcd_bin="" etcd_client_port="" etcd_peer_port="" apiserver_port="" kcm_port=""

case "${command}" in
  up)
    while (($#)); do
      case "$1" in
        --address)
          (($# >= 2)) || die "--address needs an IPv4 address"
          [[ "$2" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "--address: not an IPv4 address: $2"
          ip -4 -o addr show 2>/dev/null | awk '{print $4}' | grep -q "^$2/" \
            || die "--address $2 is not assigned to any interface"
          api_address=$2; shift 2 ;;
        *) die "unknown option for up: $1" ;;
      esac
    done
    cmd_up ;;
  down)
    remove=0
    for a in "$@"; do
      case "${a}" in
        --remove) remove=1 ;;
        *) die "unknown option for down: ${a}" ;;
      esac
    done
    cmd_down "${remove}" ;;
  env) (($# == 0)) || die "env takes only DIR"; cmd_env ;;
  status) cmd_status ;;
  *) die "unknown command ${command} (try --help)" ;;
esac
