#!/usr/bin/env bash
# Runs every test: sets up the machine, builds, then runs CTest.
# Usage: scripts/test.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# Real Kubernetes parts for the integration tests: etcd from Debian, and
# kube-apiserver, kube-controller-manager and kubectl built from source
# (cached outside the tree; the first build takes several minutes).
scripts/kube/setup.sh
scripts/kube/build-binaries.sh
# Pinned Go tools, cached like the Kubernetes binaries: the kstatus checker
# (sigs.k8s.io/cli-utils) the status tests judge the status with, Helm for
# the chart tests, and CoreDNS for the end-to-end tests' cluster.
scripts/tools/build.sh kstatus
scripts/tools/build.sh helm
scripts/tools/build.sh coredns
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure --timeout 900 "$@"
