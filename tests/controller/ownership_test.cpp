#include "p2l/controller/ownership.hpp"

#include <gtest/gtest.h>

namespace p2l::controller {
namespace {

using nlohmann::json;

json child(json metadata) {
  return json{{"metadata", std::move(metadata)}};
}

json reference(const std::string& kind, const std::string& name, bool controller = true) {
  return {{"apiVersion", kind == "Post2Log" ? "post2log.io/v1alpha1" : "apps/v1"},
          {"kind", kind},
          {"name", name},
          {"uid", "uid-" + name},
          {"controller", controller}};
}

const json kOurLabels = {{"app.kubernetes.io/instance", "by-label"},
                         {"app.kubernetes.io/managed-by", "post2log-operator"}};

TEST(OwnerKey, TheControllerReferenceNamesTheOwner) {
  EXPECT_EQ(owner_key(child({{"namespace", "ns"},
                             {"labels", kOurLabels},
                             {"ownerReferences", {reference("Post2Log", "demo")}}})),
            "ns/demo");
}

TEST(OwnerKey, WithoutAReferenceTheInstanceLabelNamesTheOwner) {
  EXPECT_EQ(owner_key(child({{"namespace", "ns"}, {"labels", kOurLabels}})), "ns/by-label");
  // A non-controller reference does not count.
  EXPECT_EQ(owner_key(child({{"namespace", "ns"},
                             {"labels", kOurLabels},
                             {"ownerReferences", {reference("Post2Log", "other", false)}}})),
            "ns/by-label");
}

TEST(OwnerKey, ObjectsControlledByOthersOrUnlabelledHaveNoOwner) {
  EXPECT_EQ(owner_key(child({{"namespace", "ns"},
                             {"labels", kOurLabels},
                             {"ownerReferences", {reference("ReplicaSet", "rs")}}})),
            std::nullopt);
  EXPECT_EQ(
      owner_key(child({{"namespace", "ns"}, {"labels", {{"app.kubernetes.io/instance", "x"}}}})),
      std::nullopt);
  EXPECT_EQ(owner_key(child({{"namespace", "ns"}})), std::nullopt);
  EXPECT_EQ(owner_key(json(nullptr)), std::nullopt);
}

TEST(ControlledBy, MatchesTheControllerReferenceUid) {
  const json object = child({{"ownerReferences", {reference("Post2Log", "demo")}}});
  EXPECT_TRUE(controlled_by(object, "uid-demo"));
  EXPECT_FALSE(controlled_by(object, "uid-other"));
  EXPECT_FALSE(controlled_by(object, ""));
  EXPECT_FALSE(controlled_by(child({{"ownerReferences", {reference("Post2Log", "demo", false)}}}),
                             "uid-demo"));
}

}  // namespace
}  // namespace p2l::controller
