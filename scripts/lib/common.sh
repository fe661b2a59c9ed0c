# Helpers shared by scripts/kube/control-plane.sh, scripts/cluster/ and scripts/bench/ (sourced).
# shellcheck shell=bash
# The caller sets log_name, the prefix of its messages, and `dir`, the directory
# its processes belong to (with pids/NAME.pid and logs/NAME.log); log_start is
# for the caller to read.
# shellcheck disable=SC2034,SC2154

log() { printf '%s: %s\n' "${log_name}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${log_name}" "$*" >&2; exit 1; }

# resolve_dir ARG: the absolute path of DIR (its parent is created, DIR is not).
resolve_dir() {
  local arg=$1 parent
  parent=$(dirname -- "${arg}")
  [[ -d "${parent}" ]] || mkdir -p "${parent}"
  parent=$(cd "${parent}" && pwd)
  local d
  d="${parent}/$(basename -- "${arg}")"
  [[ "${d}" != / && "$(basename -- "${d}")" != . && "$(basename -- "${d}")" != .. ]] \
    || die "refusing DIR ${arg}"
  printf '%s\n' "${d}"
}

# ---------------------------------------------------------------- processes

# alive PID: the process exists and is not a zombie.
alive() {
  local pid=$1 stat
  [[ -n "${pid}" ]] || return 1
  { read -r stat <"/proc/${pid}/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ "${stat%% *}" != Z ]]
}

# ours PID: the process is alive and was started for this DIR (guards against
# a recycled PID).
ours() {
  local pid=$1 cmdline
  alive "${pid}" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) || return 1
  [[ "${cmdline}" == *"${dir}/"* ]]
}

pid_of() {
  local f="${dir}/pids/$1.pid"
  if [[ -r "${f}" ]]; then cat "${f}"; fi
}

# exited_within PID TENTHS: waits up to TENTHS tenths of a second for PID to exit.
exited_within() {
  local i
  for ((i = 0; i < $2; i++)); do
    alive "$1" || return 0
    sleep 0.1
  done
  ! alive "$1"
}

# stop_component NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default
# 20) and wait again. A process that outlives SIGKILL goes to the caller's
# still_running NAME PID, when it defines one.
stop_component() {
  local name=$1 secs=${2:-20} pid i
  pid=$(pid_of "${name}")
  [[ -n "${pid}" ]] || return 0
  if ours "${pid}"; then
    log "stopping ${name} (pid ${pid})"
    kill -TERM "${pid}" 2>/dev/null || true
    if ! exited_within "${pid}" $((secs * 10)); then
      log "${name} (pid ${pid}) did not exit after SIGTERM; sending SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      if ! exited_within "${pid}" 100 && declare -F still_running >/dev/null; then
        still_running "${name}" "${pid}"
      fi
    fi
    # Give its parent (init, once the starting script has returned) a moment to reap it.
    for ((i = 0; i < 50; i++)); do
      [[ -e "/proc/${pid}" ]] || break
      sleep 0.1
    done
  fi
  rm -f "${dir}/pids/${name}.pid"
}

# start_component NAME BINARY ARGS...: runs it in its own session (a Ctrl-C in
# the calling terminal does not reach it), output to logs/NAME.log.
# log_start[NAME] is the byte of that log where this start's output begins.
declare -A log_start=()
start_component() {
  local name=$1; shift
  local logf="${dir}/logs/${name}.log"
  log_start[${name}]=$(($(stat -c %s "${logf}" 2>/dev/null || echo 0) + 1))
  printf '=== %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"${logf}"
  setsid "$@" </dev/null >>"${logf}" 2>&1 &
  local pid=$!
  echo "${pid}" >"${dir}/pids/${name}.pid"
  log "started ${name} (pid ${pid})"
}

# A port that no socket on this machine uses, below the ephemeral range so that
# outgoing connections cannot take it between the pick and the bind. A clash
# with another starter is still possible; callers retry on "address in use".
# free_port VAR: stores the port in VAR. (The locals carry a prefix so that
# they cannot hide the caller's VAR.)
picked_ports=()
free_port() {
  local fp_var=$1 fp_lo fp_hi fp_port fp_hex fp_i fp_p fp_used
  read -r fp_lo _ </proc/sys/net/ipv4/ip_local_port_range
  if ((fp_lo > 12000)); then fp_hi=$((fp_lo - 1)); fp_lo=10000; else fp_lo=20000; fp_hi=60999; fi
  for ((fp_i = 0; fp_i < 200; fp_i++)); do
    fp_port=$((fp_lo + (RANDOM * 32768 + RANDOM) % (fp_hi - fp_lo + 1)))
    fp_used=0
    for fp_p in "${picked_ports[@]}"; do ((fp_p == fp_port)) && fp_used=1; done
    ((fp_used)) && continue
    printf -v fp_hex ':%04X ' "${fp_port}"
    if ! grep -qF -- "${fp_hex}" <<<"$(awk '{print $2" "}' /proc/net/tcp /proc/net/tcp6 2>/dev/null)"; then
      picked_ports+=("${fp_port}")
      printf -v "${fp_var}" '%s' "${fp_port}"
      return 0
    fi
  done
  die "found no free port"
}

# ---------------------------------------------------------------- certificates

# curl_admin PKI [CURL ARGS...]: curl as the control plane's admin (PKI/admin.crt and .key),
# trusting only its CA (PKI/ca.crt); fails on HTTP errors.
curl_admin() {
  local pki=$1
  shift
  curl -sSf --cacert "${pki}/ca.crt" --cert "${pki}/admin.crt" --key "${pki}/admin.key" "$@"
}

# sign_cert PKI NAME SUBJECT EXT CA_CRT CA_KEY: PKI/NAME.key (ECDSA P-256, mode 600) and
# PKI/NAME.crt signed by the CA, with the X.509 extensions EXT (one per line).
sign_cert() {
  local pki=$1 name=$2 subj=$3 ext=$4 ca_crt=$5 ca_key=$6
  openssl ecparam -name prime256v1 -genkey -noout -out "${pki}/${name}.key" 2>/dev/null
  openssl req -new -key "${pki}/${name}.key" -subj "${subj}" -out "${pki}/${name}.csr" 2>/dev/null
  printf '%s\n' "${ext}" >"${pki}/${name}.ext"
  openssl x509 -req -in "${pki}/${name}.csr" -CA "${ca_crt}" -CAkey "${ca_key}" \
    -CAcreateserial -CAserial "${pki}/$(basename "${ca_crt}" .crt).srl" -days 365 -sha256 \
    -extfile "${pki}/${name}.ext" -out "${pki}/${name}.crt" 2>/dev/null
  rm -f "${pki}/${name}.csr" "${pki}/${name}.ext"
  chmod 600 "${pki}/${name}.key"
}

# write_kubeconfig FILE CLUSTER SERVER CA_CRT USER CLIENT_CRT CLIENT_KEY: a kubeconfig (mode
# 600) with everything inline, for one user of one cluster.
write_kubeconfig() {
  local file=$1 cluster=$2 server=$3 ca_crt=$4 user=$5 client_crt=$6 client_key=$7
  cat >"${file}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: ${cluster}
  cluster:
    server: ${server}
    certificate-authority-data: $(base64 -w0 <"${ca_crt}")
users:
- name: ${user}
  user:
    client-certificate-data: $(base64 -w0 <"${client_crt}")
    client-key-data: $(base64 -w0 <"${client_key}")
contexts:
- name: ${cluster}
  context:
    cluster: ${cluster}
    user: ${user}
current-context: ${cluster}
EOF
  chmod 600 "${file}"
}
