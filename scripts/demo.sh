#!/usr/bin/env bash
# The main job, standalone: set up, build, start the receiver with the
# original's defaults (on a free loopback port instead of 80, so no root is
# needed), POST one postback with curl and show the line it logged.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target post2log-receiver -j"$(nproc)"

work=$(mktemp -d)
receiver_pid=""
cleanup() {
  [ -n "$receiver_pid" ] && kill -TERM "$receiver_pid" 2>/dev/null && wait "$receiver_pid" || true
  rm -rf "$work"
}
trap cleanup EXIT

P2L_HOST=127.0.0.1 P2L_PORT=0 P2L_LOG_DIR="$work/logs" P2L_LOGLEVEL=info \
  build/receiver/post2log-receiver 2>"$work/receiver.log" &
receiver_pid=$!

port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$work/receiver.log" | head -n1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the receiver did not start:"; cat "$work/receiver.log"; exit 1; }

url="http://127.0.0.1:$port/postback?p1=v1&p2=v2"
echo "\$ curl -X POST '$url' -H 'Content-Type: application/json' -d '{\"event\":\"install\"}'"
curl -sS -X POST "$url" -H 'Content-Type: application/json' -d '{"event":"install"}'
echo
echo
echo "logged to $work/logs/post2log-1.log:"
cat "$work/logs/post2log-1.log"
