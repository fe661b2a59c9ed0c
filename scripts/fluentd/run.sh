#!/usr/bin/env bash
# Runs a real Fluentd with the given arguments (--dry-run -c FILE, -c FILE, --version, ...).
#
# Which Fluentd:
#   1. P2L_FLUENTD_SOURCE, when set: a directory holding fluentd-1.17.1/ and
#      serverengine-2.3.2/ (the unmodified upstream sources), run with Debian's Ruby;
#   2. else ../shared/vendor next to the repository, when it exists (the same layout);
#   3. else a `fluentd` on PATH (`gem install fluentd -v 1.17.1`).
# With none of them it stops with exit status 127 and says how to get one.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() {
  echo "scripts/fluentd/run.sh: $*" >&2
  exit 127
}

source_dir=${P2L_FLUENTD_SOURCE:-}
if [[ -z "$source_dir" && -d "$repo_root/../shared/vendor" ]]; then
  source_dir=$repo_root/../shared/vendor
fi

if [[ -n "$source_dir" ]]; then
  fluentd_dir=$source_dir/fluentd-1.17.1
  serverengine_dir=$source_dir/serverengine-2.3.2
  [[ -f "$fluentd_dir/bin/fluentd" && -d "$serverengine_dir/lib" ]] ||
    die "$source_dir holds no fluentd-1.17.1/bin/fluentd and serverengine-2.3.2/lib" \
      "(P2L_FLUENTD_SOURCE names a directory with the upstream sources of both)"
  command -v ruby >/dev/null ||
    die "no ruby: run scripts/setup.sh (it installs Debian's Ruby and the gems Fluentd needs)"
  # serverengine's path first, so it wins over an older copy Debian may have installed.
  # RUBYLIB rather than -I: the supervisor starts its worker as `ruby bin/fluentd ...`
  # without the options it was started with, and the worker needs these paths too.
  RUBYLIB="$serverengine_dir/lib:$fluentd_dir/lib${RUBYLIB:+:$RUBYLIB}" \
    exec ruby "$fluentd_dir/bin/fluentd" "$@"
fi

if command -v fluentd >/dev/null; then
  exec fluentd "$@"
fi

die "no Fluentd found. Either set P2L_FLUENTD_SOURCE to a directory holding the sources
of fluentd-1.17.1/ and serverengine-2.3.2/ (and run scripts/setup.sh for Debian's Ruby
packages), put them in ../shared/vendor next to the repository, or install one on PATH
with 'gem install fluentd -v 1.17.1'."
