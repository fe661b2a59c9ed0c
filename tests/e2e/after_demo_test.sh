#!/usr/bin/env bash
# The README's two commands one after the other: `scripts/cluster-demo.sh` leaves
# its cluster running, and the test command's end-to-end tier must then pass on
# that cluster (tests/e2e/e2e_test.sh runs in namespaces of its own there and
# leaves the cluster up). When no demo cluster was up before, this test starts
# one with the README's first command and takes it down again at the end
# (`scripts/cluster-demo.sh --down`); a demo cluster that was up stays up.
#
# Usage: tests/e2e/after_demo_test.sh DIR   (CTest: e2e.after_demo; needs root)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${1:?usage: after_demo_test.sh DIR}
demo_env="${P2L_DEMO_DIR:-/var/tmp/post2log}/cluster/env"
mkdir -p "${dir}"

was_up=0
if [[ -r "${demo_env}" ]] && ip link show p2l0 >/dev/null 2>&1; then was_up=1; fi
if [[ ! -r "${demo_env}" ]] && ip link show p2l0 >/dev/null 2>&1; then
  echo "FAIL: a cluster that is not the demo's runs on this machine (bridge p2l0)"
  exit 1
fi

echo "== scripts/cluster-demo.sh (the README's first command; output in ${dir}/demo.log)"
if ! "${root}/scripts/cluster-demo.sh" >"${dir}/demo.log" 2>&1; then
  echo "FAIL: scripts/cluster-demo.sh"; tail -n 40 "${dir}/demo.log"
  exit 1
fi
grep -E '^(NAME|postbacks|\{"p1")' "${dir}/demo.log" | sed 's/^/   /'

echo "== the end-to-end test on the demo's cluster"
rc=0
P2L_E2E_REQUIRE_DEMO=1 "${root}/tests/e2e/e2e_test.sh" "${dir}/e2e" || rc=$?

demo_still_serves() {
  # shellcheck disable=SC1090
  source "${demo_env}"
  [[ "$(kubectl get post2log postbacks -o jsonpath='{.status.ready}')" == 1/1 ]]
}
if demo_still_serves; then
  echo "ok: the demo's Post2Log postbacks is still READY 1/1"
else
  echo "FAIL: the demo's Post2Log postbacks is not READY 1/1 after the test"; rc=1
fi

if ((was_up == 0)); then
  echo "== scripts/cluster-demo.sh --down (this test started the demo cluster)"
  "${root}/scripts/cluster-demo.sh" --down >"${dir}/demo-down.log" 2>&1 ||
    { echo "FAIL: scripts/cluster-demo.sh --down"; tail -n 20 "${dir}/demo-down.log"; rc=1; }
fi
exit "${rc}"
