#!/usr/bin/env bash
# Every sample in manifests/samples/, rendered by `post2log-operator render`: the fluent.conf
# of its ConfigMap passes the real Fluentd's `--dry-run` (scripts/fluentd/run.sh). An output
# whose plugin this Fluentd lacks (kafka2: the sample names an image that has it) is swapped
# for stdout, and the test says so. Fails, never skips, when no Fluentd can be found.
# Usage: dry_run_samples_test.sh OPERATOR_BINARY
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
operator=${1:?usage: $0 OPERATOR_BINARY}
# shellcheck source=../lib/checks.sh
source "$repo/tests/lib/checks.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/p2l-fluentd-dry-run-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Plugins the vendored Fluentd does not have, which samples may use in their outputs.
missing_plugins='kafka2|kafka|kafka_buffered|s3|elasticsearch|opensearch'

checked=0
for sample in "$repo"/manifests/samples/*.yaml; do
  name=$(basename "$sample" .yaml)
  conf=$work/$name.conf
  # What the samples need the policy to allow: the Kafka sample's image, a node port.
  "$operator" render --allowed-image-prefix registry.example.com/ --allow-node-port -f "$sample" >"$work/$name.yaml"
  ruby -ryaml -e '
    YAML.load_stream(File.read(ARGV[0])).each do |doc|
      print doc["data"]["fluent.conf"] if doc && doc["kind"] == "ConfigMap" && doc["data"]
    end' "$work/$name.yaml" >"$conf"
  if [[ ! -s "$conf" ]]; then
    echo "--   $name: no Fluentd ConfigMap (fluentd.enabled: false), nothing to check"
    continue
  fi
  if plugin=$(grep -oE "@type ($missing_plugins)\$" "$conf" | head -1) && [[ -n "$plugin" ]]; then
    echo "--   $name: output '${plugin}' needs a plugin this Fluentd lacks; checking it with" \
      "that output section swapped for '@type stdout'"
    ruby -e '
      text = File.read(ARGV[0])
      marker = "# Output: spec.fluentd.outputConfig"
      head = text[0...text.index(marker)]
      File.write(ARGV[0], head + "# Output swapped for the check\n<match post2log>\n  @type stdout\n</match>\n")
    ' "$conf"
  fi
  check "$name: fluentd --dry-run accepts the rendered fluent.conf" \
    "$repo/scripts/fluentd/run.sh" --dry-run -c "$conf"
  checked=$((checked + 1))
done
check "at least one sample has a fluent.conf" test "$checked" -gt 0
summary
