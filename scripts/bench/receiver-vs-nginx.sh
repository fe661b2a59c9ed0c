#!/usr/bin/env bash
# Benchmark: post2log-receiver against two nginx peers writing a JSON access-log
# line, all on 127.0.0.1, loaded by wrk with the same small JSON postback:
#   nginx       reads the body (through a mirror subrequest) and logs it with the
#               query string: the same work as the receiver (nginx.conf.in);
#   nginx-lean  returns 200 at once, discarding the body, and logs the query
#               string: the least nginx can do (nginx-lean.conf.in).
# Prints the median req/s and p99 latency of each server and the receiver's
# ratios against both.
# A benchmark, not a test: it never fails on numbers, only on broken setups.
#
# Usage: scripts/bench/receiver-vs-nginx.sh
# Environment (defaults in brackets):
#   P2L_RECEIVER_BIN   receiver binary; unset: Release build in build-bench/
#   BENCH_DURATION     seconds per measured wrk run [10]
#   BENCH_ROUNDS       runs per server and worker count, alternating [3]
#   BENCH_WORKERS      worker counts to measure, space separated ["1 2"]
#   BENCH_CONNECTIONS  wrk connections [32]
#   BENCH_THREADS      wrk threads [1]
#   BENCH_WARMUP       seconds of unmeasured load after each start, 0 none [1]
#   BENCH_ROTBYTES     receiver P2L_ROTBYTES [1073741824]
#   BENCH_TMPDIR       parent of the scratch directory [${TMPDIR:-/tmp}]
# See scripts/bench/README.md for how to read the output.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

duration="${BENCH_DURATION:-10}"
rounds="${BENCH_ROUNDS:-3}"
worker_counts="${BENCH_WORKERS:-1 2}"
connections="${BENCH_CONNECTIONS:-32}"
threads="${BENCH_THREADS:-1}"
warmup="${BENCH_WARMUP:-1}"
rotbytes="${BENCH_ROTBYTES:-1073741824}"
lua="$here/postback.lua"

die() {
  echo "receiver-vs-nginx: $*" >&2
  exit 1
}

for number in "$duration" "$rounds" "$connections" "$threads" "$warmup" "$rotbytes"; do
  [[ "$number" =~ ^[0-9]+$ ]] || die "expected a whole number, got '$number'"
done
((duration > 0 && rounds > 0 && connections > 0 && threads > 0)) ||
  die "BENCH_DURATION, BENCH_ROUNDS, BENCH_CONNECTIONS and BENCH_THREADS must be positive"
for workers in $worker_counts; do
  [[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "BENCH_WORKERS: '$workers' is not a worker count"
done
for tool in nginx wrk taskset ss awk pgrep getconf; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

# ---------------------------------------------------------------- cleanup

scratch=""
started_pids=()

# The state letter of a process, empty once it is gone (reaped).
process_state() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  echo "${stat%% *}"
}

# Sends a signal to one of our children and waits until it has exited,
# escalating to SIGKILL after ten seconds.
stop_process() {
  local pid="$1" signal="$2" tries state
  kill -s "$signal" "$pid" 2>/dev/null || true
  for ((tries = 0; tries < 100; tries++)); do
    state="$(process_state "$pid")"
    [[ -z "$state" || "$state" == Z ]] && break
    sleep 0.1
  done
  state="$(process_state "$pid")"
  if [[ -n "$state" && "$state" != Z ]]; then
    echo "WARNING: process $pid ignored SIG$signal for 10 s; killing it" >&2
    kill -s KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

forget_pid() {
  local kept=() pid
  for pid in "${started_pids[@]}"; do
    [[ "$pid" == "$1" ]] || kept+=("$pid")
  done
  started_pids=("${kept[@]}")
}

cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do
    stop_process "$pid" TERM
  done
  started_pids=()
  if [[ -n "$scratch" && -d "$scratch" ]]; then
    rm -rf -- "$scratch"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- binary

if [[ -n "${P2L_RECEIVER_BIN:-}" ]]; then
  receiver_bin="$P2L_RECEIVER_BIN"
else
  echo "Building post2log-receiver (Release) in build-bench/ ..."
  cmake -S "$repo" -B "$repo/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DP2L_WITH_OPERATOR=OFF -DP2L_BUILD_TESTS=OFF >/dev/null
  cmake --build "$repo/build-bench" --target post2log-receiver >/dev/null
  receiver_bin="$repo/build-bench/receiver/post2log-receiver"
fi
[[ -x "$receiver_bin" ]] || die "receiver binary '$receiver_bin' is not executable"
receiver_bin="$(cd "$(dirname "$receiver_bin")" && pwd)/$(basename "$receiver_bin")"

clock_ticks="$(getconf CLK_TCK)"
scratch="$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/p2l-bench.XXXXXX")"

# ---------------------------------------------------------------- CPUs

# The CPUs this script may use, in order (from its affinity mask).
mapfile -t cpus < <(
  taskset -cp $$ | sed 's/.*: *//' | tr ',' '\n' |
    awk -F- 'NF == 2 { for (c = $1; c <= $2; c++) print c; next } NF == 1 { print $1 }'
)
((${#cpus[@]} > 0)) || die "cannot read this process's CPU affinity"

# Sets server_pin/client_pin (taskset prefixes, possibly empty) and
# pin_note for a server with $1 workers.
choose_pinning() {
  local workers="$1" server_cpus
  if ((${#cpus[@]} > workers)); then
    server_cpus="$(IFS=,; echo "${cpus[*]:0:workers}")"
    server_pin=(taskset -c "$server_cpus")
    client_pin=(taskset -c "${cpus[workers]}")
    pin_note="servers on CPU $server_cpus, wrk on CPU ${cpus[workers]}"
  else
    server_pin=()
    client_pin=()
    pin_note="not pinned: ${#cpus[@]} CPUs cannot hold $workers workers plus wrk apart"
  fi
}

# ---------------------------------------------------------------- servers

server_pid=""
server_port=""
server_dir=""

start_receiver() {
  local workers="$1" tries
  server_dir="$scratch/receiver"
  rm -rf "$server_dir"
  mkdir -p "$server_dir/logs"
  : >"$server_dir/stderr"
  "${server_pin[@]}" env P2L_HOST=127.0.0.1 P2L_PORT=0 P2L_WORKERS="$workers" \
    P2L_LOGLEVEL=info P2L_LOG_DIR="$server_dir/logs" P2L_ROTBYTES="$rotbytes" \
    P2L_ROTBACKUPS=100 POD_NAME=bench-7bcd9d6cdf-bench NODE_NAME=bench \
    "$receiver_bin" 2>"$server_dir/stderr" &
  server_pid=$!
  started_pids+=("$server_pid")
  server_port=""
  for ((tries = 0; tries < 100; tries++)); do
    server_port="$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' \
      "$server_dir/stderr" | head -n 1)"
    [[ -n "$server_port" ]] && return 0
    [[ -n "$(process_state "$server_pid")" && "$(process_state "$server_pid")" != Z ]] || break
    sleep 0.1
  done
  cat "$server_dir/stderr" >&2
  die "the receiver did not start"
}

# A TCP port on 127.0.0.1 nothing listens on or connects from, below the
# ephemeral range so that wrk's own connections cannot take it meanwhile.
pick_port() {
  local port used
  used="$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)"
  while :; do
    port=$((20000 + RANDOM % 12000))
    grep -qx "$port" <<<"$used" || break
  done
  echo "$port"
}

start_nginx() { start_nginx_from "$here/nginx.conf.in" "$1"; }
start_nginx-lean() { start_nginx_from "$here/nginx-lean.conf.in" "$1"; }

# start_nginx_from TEMPLATE WORKERS
start_nginx_from() {
  local template="$1" workers="$2" attempt tries user_line=""
  server_dir="$scratch/nginx"
  if ((EUID == 0)); then
    # Workers run as the invoking user so that they can use the scratch dir.
    user_line="user $(id -un) $(id -gn);"
  fi
  for ((attempt = 0; attempt < 5; attempt++)); do
    rm -rf "$server_dir"
    mkdir -p "$server_dir/html" "$server_dir/tmp"
    : >"$server_dir/stderr"
    server_port="$(pick_port)"
    sed -e "s|@DIR@|$server_dir|g" -e "s|@PORT@|$server_port|g" \
      -e "s|@WORKERS@|$workers|g" -e "s|@USER_LINE@|$user_line|g" \
      "$template" >"$server_dir/nginx.conf"
    "${server_pin[@]}" nginx -p "$server_dir/" -e "$server_dir/error.log" \
      -c "$server_dir/nginx.conf" 2>>"$server_dir/stderr" &
    server_pid=$!
    started_pids+=("$server_pid")
    for ((tries = 0; tries < 100; tries++)); do
      if (: <>"/dev/tcp/127.0.0.1/$server_port") 2>/dev/null; then
        return 0
      fi
      [[ -n "$(process_state "$server_pid")" && "$(process_state "$server_pid")" != Z ]] || break
      sleep 0.1
    done
    stop_process "$server_pid" TERM
    forget_pid "$server_pid"
    grep -q "Address already in use" "$server_dir/error.log" "$server_dir/stderr" 2>/dev/null ||
      break
  done
  cat "$server_dir/stderr" "$server_dir/error.log" >&2 2>/dev/null || true
  die "nginx did not start"
}

stop_server() {
  local server="$1"
  # nginx finishes (and logs) requests in flight on SIGQUIT; the receiver
  # does so on SIGTERM.
  if [[ "$server" == nginx* ]]; then
    stop_process "$server_pid" QUIT
  else
    stop_process "$server_pid" TERM
  fi
  forget_pid "$server_pid"
  server_pid=""
}

# CPU time (user + system, clock ticks) used so far by the running server:
# the receiver process (all threads), or the nginx master and its workers.
server_cpu_ticks() {
  local pid stat fields total=0
  for pid in "$server_pid" $(pgrep -P "$server_pid" || true); do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    read -ra fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# Lines written so far by the running server.
count_lines() {
  local server="$1" files=()
  if [[ "$server" == nginx* ]]; then
    files=("$server_dir/access.log")
  else
    shopt -s nullglob
    files=("$server_dir"/logs/*.log "$server_dir"/logs/*.log.*)
    shopt -u nullglob
  fi
  ((${#files[@]} > 0)) || {
    echo 0
    return
  }
  cat -- "${files[@]}" | wc -l
}

# ---------------------------------------------------------------- one run

warnings=()

warn() {
  echo "  WARNING: $*"
  warnings+=("$*")
}

# Field $2 of a wrk BENCH summary line $1.
field() {
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

run_wrk() {
  local seconds="$1"
  "${client_pin[@]}" wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
    -s "$lua" "http://127.0.0.1:$server_port"
}

# Stops the benchmark if the server has exited. That is also what an
# interrupt (Ctrl-C) looks like: wrk catches SIGINT and exits normally, so
# the shell carries on, but the servers in the same process group exit.
require_server() {
  local state
  state="$(process_state "$server_pid")"
  if [[ -z "$state" || "$state" == Z ]]; then
    tail -n 5 "$server_dir/stderr" "$server_dir/error.log" >&2 2>/dev/null || true
    die "$1 exited during the run (interrupted?)"
  fi
}

# One round of one server: start, warm up, measure, stop, check.
# Appends "rps p99_us" to $scratch/results-<workers>-<server>.
measure() {
  local server="$1" workers="$2" round="$3" output summary before after
  local requests rps p99 lines errors kind value cpu_before cpu_after busy per_cpu
  "start_$server" "$workers"
  if ((warmup > 0)); then
    run_wrk "$warmup" >/dev/null
    sleep 0.2
    require_server "$server"
  fi
  before="$(count_lines "$server")"
  cpu_before="$(server_cpu_ticks)"
  output="$(run_wrk "$duration")"
  cpu_after="$(server_cpu_ticks)"
  sleep 0.2
  require_server "$server"
  stop_server "$server"
  after="$(count_lines "$server")"
  summary="$(grep '^BENCH ' <<<"$output" || true)"
  if [[ -z "$summary" ]]; then
    echo "$output"
    die "wrk printed no summary for $server"
  fi
  requests="$(field "$summary" requests)"
  rps="$(field "$summary" rps)"
  p99="$(field "$summary" p99_us)"
  lines=$((after - before))
  # CPUs the server kept busy, and requests per second of its CPU time.
  busy="$(awk -v t=$((cpu_after - cpu_before)) -v hz="$clock_ticks" -v s="$(field "$summary" seconds)" \
    'BEGIN { printf "%.2f", t / hz / s }')"
  per_cpu="$(awk -v r="$requests" -v t=$((cpu_after - cpu_before)) -v hz="$clock_ticks" \
    'BEGIN { printf "%.0f", (t > 0 ? r / (t / hz) : 0) }')"
  printf '  round %d  %-10s  %8.0f req/s  p99 %6.2f ms  %4s CPUs  %8d req/CPU-s  %8d responses  %8d log lines\n' \
    "$round" "$server" "$rps" "$(awk -v us="$p99" 'BEGIN { print us / 1000 }')" \
    "$busy" "$per_cpu" "$requests" "$lines"
  echo "$rps $p99 $per_cpu" >>"$scratch/results-$workers-$server"

  errors=""
  for kind in connect read write timeout status; do
    value="$(field "$summary" "$kind")"
    if ((value != 0)); then
      errors+=" $kind=$value"
    fi
  done
  if [[ -n "$errors" ]]; then
    warn "$server, $workers worker(s), round $round: wrk reported errors:$errors" \
      "(status = non-2xx/3xx responses)"
  fi
  # Each server writes a line per answered request; up to one request per
  # connection may be in flight (written, unanswered) when wrk stops.
  if ((lines < requests || lines > requests + connections)); then
    warn "$server, $workers worker(s), round $round: $lines log lines for $requests" \
      "responses (expected $requests to $((requests + connections)))"
  fi
  if [[ "$server" == receiver ]] &&
    grep -q '"level":"\(warning\|error\|critical\)"' "$server_dir/stderr"; then
    warn "receiver, $workers worker(s), round $round: the receiver logged problems:" \
      "$(grep '"level":"\(warning\|error\|critical\)"' "$server_dir/stderr" | head -n 3)"
  fi
  rm -rf "$server_dir"
}

# ---------------------------------------------------------------- report

median() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "post2log receiver vs nginx"
echo "  machine:   $(nproc) CPUs (this script may use ${cpus[*]}), ${cpu_model:-unknown CPU}"
echo "  kernel:    $(uname -srm)"
echo "  load avg:  $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "  nginx:     $(nginx -v 2>&1 | sed 's/^nginx version: //')"
echo "  wrk:       $({ wrk -v 2>&1 || true; } | head -n 1 | sed 's/ Copyright.*//')"
echo "  receiver:  $receiver_bin"
echo "  load:      wrk -t$threads -c$connections -d${duration}s, POST /postback?p1=v1&p2=v2" \
  "with a $(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$lua" | tr -d '\n' | wc -c)-byte JSON body"
echo "  rounds:    $rounds per server and worker count, alternating, warm-up ${warmup}s"

declare -A pin_notes
for workers in $worker_counts; do
  choose_pinning "$workers"
  pin_notes[$workers]="$pin_note"
  echo
  echo "== $workers worker(s): $pin_note"
  for ((round = 1; round <= rounds; round++)); do
    # Alternate which server goes first so that slow drifts in background
    # load hit both alike.
    if ((round % 2)); then
      measure receiver "$workers" "$round"
      measure nginx "$workers" "$round"
      measure nginx-lean "$workers" "$round"
    else
      measure nginx-lean "$workers" "$round"
      measure nginx "$workers" "$round"
      measure receiver "$workers" "$round"
    fi
  done
done

echo
echo "== Results (median of $rounds rounds of ${duration}s; ratio = receiver / peer)"
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? a / b : 0) }'
}
printf '%-8s %-20s %12s %12s %12s\n' workers server "req/s" "p99 ms" "req/CPU-s"
for workers in $worker_counts; do
  declare -A rps_of p99_of per_cpu_of
  for server in receiver nginx nginx-lean; do
    rps_of[$server]="$(awk '{ print $1 }' "$scratch/results-$workers-$server" | median)"
    p99_of[$server]="$(awk '{ print $2 }' "$scratch/results-$workers-$server" | median)"
    per_cpu_of[$server]="$(awk '{ print $3 }' "$scratch/results-$workers-$server" | median)"
    printf '%-8s %-20s %12.0f %12.2f %12.0f\n' "$workers" "$server" "${rps_of[$server]}" \
      "$(awk -v us="${p99_of[$server]}" 'BEGIN { print us / 1000 }')" "${per_cpu_of[$server]}"
  done
  for peer in nginx nginx-lean; do
    printf '%-8s %-20s %11.2fx %11.2fx %11.2fx   (%s)\n' "$workers" "receiver/$peer" \
      "$(ratio "${rps_of[receiver]}" "${rps_of[$peer]}")" \
      "$(ratio "${p99_of[receiver]}" "${p99_of[$peer]}")" \
      "$(ratio "${per_cpu_of[receiver]}" "${per_cpu_of[$peer]}")" \
      "${pin_notes[$workers]}"
  done
  unset rps_of p99_of per_cpu_of
done
echo "load avg at the end: $(cut -d' ' -f1-3 /proc/loadavg) (high values: other work competed; rerun)"
echo "req/s and req/CPU-s: higher is better (ratio > 1: the receiver is faster);" \
  "p99: lower is better (ratio < 1: the receiver answers faster)."

if ((${#warnings[@]} > 0)); then
  echo
  echo "== ${#warnings[@]} warning(s)"
  printf '  %s\n' "${warnings[@]}"
fi
