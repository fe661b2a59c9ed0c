#!/bin/sh
# The entrypoint of the post2log-fluentd image, with the interface of the
# fluent/fluentd images' entrypoint.sh, so a pod spec written for
# fluent/fluentd:v1.17-debian-1 runs unchanged:
#   - no arguments: the image's CMD, `fluentd`;
#   - arguments that start with `-` are Fluentd's: `fluentd` is put in front;
#   - for `fluentd`, without -c/--config: --config /fluentd/etc/${FLUENTD_CONF}
#     (FLUENTD_CONF defaults to fluent.conf), and without -p/--plugin:
#     --plugin /fluentd/plugins;
#   - anything else runs as given (e.g. `ruby -e ...`);
#   - TMPDIR: see below.
set -eu

# Ruby (Dir.tmpdir: serverengine's socket, Fluentd's supervisor) refuses a temporary
# directory that is world-writable without the sticky bit, which is what an emptyDir
# mounted at /tmp is, and the root file system is read-only: use a private directory
# inside it.
if [ -z "${TMPDIR:-}" ] && [ -d /tmp ] && [ -w /tmp ] && [ ! -k /tmp ]; then
  mkdir -p -m 0700 /tmp/fluentd
  export TMPDIR=/tmp/fluentd
fi

if [ "${1#-}" != "$1" ]; then
  set -- fluentd "$@"
fi

if [ "$1" = fluentd ]; then
  has_config=0
  has_plugin=0
  for arg in "$@"; do
    case "$arg" in
      -c | -c?* | --config | --config=*) has_config=1 ;;
      -p | -p?* | --plugin | --plugin=*) has_plugin=1 ;;
    esac
  done
  if [ "$has_config" = 0 ]; then
    set -- "$@" --config "/fluentd/etc/${FLUENTD_CONF:-fluent.conf}"
  fi
  if [ "$has_plugin" = 0 ]; then
    set -- "$@" --plugin /fluentd/plugins
  fi
fi

exec "$@"
