#!/usr/bin/env bash
# The release artifacts of scripts/release.sh, as a user takes them: install.yaml holds
# the namespace, the CRD (the same as crds/) and the cluster-wide operator at the project
# version; the packaged chart has that version, passes `helm lint`, and renders the same
# objects as install.yaml's operator. No cluster needed.
# Usage: release_test.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/checks.sh
# shellcheck source-path=SCRIPTDIR
source "$here/../lib/checks.sh"
need_tools jq ruby
need_helm
kube_bin=$("$root/scripts/kube/build-binaries.sh" | tail -n1) && [ -x "$kube_bin/kubectl" ] ||
  { echo "kubectl could not be built (scripts/kube/build-binaries.sh)"; exit 1; }
PATH=$kube_bin:$PATH
version=$(sed -n 's/^project(post2log VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The YAML documents of FILE as one JSON object each (Ruby's YAML library: no cluster here).
as_json() {
  ruby -ryaml -rjson -e 'YAML.load_stream(File.read(ARGV[0])).compact.each { |d| puts JSON.generate(d) }' "$1"
}

check "scripts/release.sh builds install.yaml and the chart package" \
  env P2L_HELM="$helm" P2L_KUBECTL="$kube_bin/kubectl" "$root/scripts/release.sh" "$work/dist"
package=$work/dist/post2log-operator-$version.tgz
check "the package is named for the project version ($version)" test -s "$package"

install_yaml_complete() {
  local kinds image
  kinds=$(grep -E '^kind: ' "$work/dist/install.yaml" | sort -u | tr '\n' ' ')
  for kind in Namespace CustomResourceDefinition ServiceAccount ClusterRole ClusterRoleBinding Deployment Service NetworkPolicy; do
    grep -q "kind: $kind " <<<"$kinds " || { echo "no $kind in install.yaml ($kinds)"; return 1; }
  done
  image=$(grep -E '^ +image: post2log-operator:' "$work/dist/install.yaml" | awk '{ print $2 }')
  [ "$image" = "post2log-operator:$version" ] || { echo "operator image $image, want post2log-operator:$version"; return 1; }
}
check "install.yaml: namespace, CRD, RBAC, operator at $version, metrics Service, NetworkPolicy" install_yaml_complete

chart_metadata() {
  local chart
  chart=$(h show chart "$package") || return 1
  grep -qx "version: $version" <<<"$chart" && grep -qx "appVersion: $version" <<<"$chart" ||
    { echo "$chart"; return 1; }
}
check "the packaged chart's version and appVersion are $version" chart_metadata
check "helm lint --strict on the package" h lint --strict "$package"

crd_is_the_one_source() {
  mkdir -p "$work/show"
  h show crds "$package" >"$work/show/crds.yaml" || return 1
  local shown source
  shown=$(as_json "$work/show/crds.yaml" | jq -S -s .) && source=$(as_json "$root/crds/post2log.io_post2logs.yaml" | jq -S -s .) || return 1
  [ "$(jq length <<<"$shown")" = 1 ] || { echo "the package holds $(jq length <<<"$shown") CRDs"; return 1; }
  diff <(echo "$shown") <(echo "$source")
}
check "the package's CRD is crds/post2log.io_post2logs.yaml" crd_is_the_one_source

same_operator() {
  h template post2log-operator "$package" --namespace post2log-system >"$work/chart.yaml" || return 1
  local from_chart from_install
  from_chart=$(as_json "$work/chart.yaml" | jq -S -s 'sort_by(.kind, .metadata.name)') || return 1
  # install.yaml without the Namespace and the CRD, which the chart does not template.
  from_install=$(as_json "$work/dist/install.yaml" | jq -S -s \
    '[.[] | select(.kind != "Namespace" and .kind != "CustomResourceDefinition")] | sort_by(.kind, .metadata.name)') || return 1
  [ "$(jq length <<<"$from_chart")" -ge 6 ] || { echo "helm template gave $(jq length <<<"$from_chart") objects"; return 1; }
  diff <(echo "$from_chart") <(echo "$from_install")
}
check "helm template of the package and install.yaml give the same operator objects" same_operator

summary
