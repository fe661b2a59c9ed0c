#!/usr/bin/env bash
# Builds the libFuzzer target with clang (ASan + UBSan on the receiver core as
# well) and runs it for a bounded time from the seed corpus. Fails on any
# crash, sanitizer report or oracle mismatch.
# Usage: run-fuzzer.sh BUILD_DIR [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build_dir=${1:?usage: run-fuzzer.sh BUILD_DIR [SECONDS]}
seconds=${2:-60}

command -v clang++ >/dev/null || { echo "clang++ is missing: run scripts/setup.sh" >&2; exit 1; }
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DP2L_FUZZ=ON -DP2L_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" >/dev/null
cmake --build "$build_dir" --target record_fuzzer

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/corpus/* "$work"/
cd "$work"
# New inputs go to $work (thrown away); the seeds stay as committed. The
# progress log is long: keep it in a file and show its end.
if "$build_dir/tests/fuzz/record_fuzzer" -max_total_time="$seconds" -max_len=4096 \
  -timeout=10 -print_final_stats=1 "$work" >"$work/fuzz.log" 2>&1; then
  grep -E '^stat::' "$work/fuzz.log"
  echo "fuzzing found nothing in ${seconds}s"
else
  tail -n 60 "$work/fuzz.log"
  for crash in "$work"/crash-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$crash" ] && echo "input: $(base64 -w0 "$crash")"
  done
  exit 1
fi
