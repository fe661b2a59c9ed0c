#include "p2l/controller/resource_types.hpp"

#include <gtest/gtest.h>

#include <set>

#include "p2l/decode.hpp"
#include "p2l/render.hpp"

namespace p2l::controller {
namespace {

TEST(ResourceTypes, EveryChildKindHasItsOwnRow) {
  std::set<std::string> resources;
  for (const ChildKind kind : kAllChildKinds) {
    const ChildResource& resource = child_resource(kind);
    EXPECT_EQ(resource.kind, kind) << kind_name(kind);
    EXPECT_TRUE(resources.insert(resource.type.resource).second) << resource.type.resource;
    EXPECT_TRUE(resource.type.namespaced) << resource.type.resource;
  }
}

TEST(ResourceTypes, OnlyThePodMonitorMayBeUnserved) {
  for (const ChildKind kind : kAllChildKinds)
    EXPECT_EQ(child_resource(kind).may_be_unserved, kind == ChildKind::pod_monitor);
}

TEST(ResourceTypes, EachKindIsAddressedAtTheApiVersionItsRenderedObjectsCarry) {
  const nlohmann::json object{
      {"apiVersion", "post2log.io/v1alpha1"},
      {"kind", "Post2Log"},
      {"metadata", {{"name", "web"}, {"namespace", "shop"}, {"uid", "u-1"}}},
      {"spec",
       {{"ingress", nlohmann::json::object()},
        {"networkPolicy", nlohmann::json::object()},
        {"monitoring", {{"podMonitor", nlohmann::json::object()}}}}}};
  const DecodeResult decoded = decode_post2log(object);
  ASSERT_TRUE(decoded.resource);
  std::vector<Child> children = render_children(*decoded.resource);
  children.push_back(
      {ChildKind::fluentd_check_job, render_fluentd_config_check_job(*decoded.resource, {})});
  std::set<ChildKind> seen;
  for (const Child& child : children) {
    EXPECT_EQ(child_resource(child.kind).type.api_version(), child.object.at("apiVersion"))
        << kind_name(child.kind);
    seen.insert(child.kind);
  }
  EXPECT_EQ(seen.size(), kAllChildKinds.size());
}

}  // namespace
}  // namespace p2l::controller
