#include "p2l/child_kind.hpp"
#include "p2l/names.hpp"
#include "p2l/render.hpp"

namespace p2l {
namespace {

using nlohmann::json;

json claim(const Post2Log& resource, int shard, const std::string& claim_name,
           const std::string& size) {
  json spec{{"accessModes", json::array({"ReadWriteOnce"})},
            {"resources", {{"requests", {{"storage", size}}}}}};
  if (resource.spec.storage_class_name) {
    spec["storageClassName"] = *resource.spec.storage_class_name;
  }
  return json{{"apiVersion", "v1"},
              {"kind", kind_name(ChildKind::persistent_volume_claim)},
              {"metadata",
               child_metadata(resource, claim_name, shard_labels(resource.metadata.name, shard))},
              {"spec", std::move(spec)}};
}

}  // namespace

json render_data_claim(const Post2Log& resource, int shard) {
  return claim(resource, shard, data_claim_name(resource.metadata.name, shard),
               resource.spec.storage);
}

json render_fluentd_claim(const Post2Log& resource, int shard) {
  return claim(resource, shard, fluentd_claim_name(resource.metadata.name, shard),
               resource.spec.fluentd.storage);
}

}  // namespace p2l
