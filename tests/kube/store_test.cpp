#include <gtest/gtest.h>

#include "p2l/kube/store.hpp"

namespace p2l::kube {
namespace {

using nlohmann::json;

json object(const std::string& ns, const std::string& name, const std::string& rv,
            const std::string& controller = "") {
  json metadata{{"name", name}, {"resourceVersion", rv}};
  if (!ns.empty()) metadata["namespace"] = ns;
  if (!controller.empty()) {
    metadata["ownerReferences"] =
        json::array({{{"kind", "Other"}, {"uid", "not-the-controller"}},
                     {{"kind", "Post2Log"}, {"uid", controller}, {"controller", true}}});
  }
  return {{"metadata", metadata}};
}

ObjectPtr shared(json value) {
  return std::make_shared<const json>(std::move(value));
}

std::vector<std::string> names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> result;
  for (const ObjectPtr& item : objects)
    result.push_back(item->at("metadata").at("name").get<std::string>());
  return result;
}

TEST(Store, KeysAndUpdates) {
  EXPECT_EQ(object_key(object("ns", "a", "1")), "ns/a");
  EXPECT_EQ(object_key(object("", "node-1", "1")), "node-1");

  Store store;
  EXPECT_FALSE(store.upsert(shared(object("ns", "a", "1"))));
  const auto previous = store.upsert(shared(object("ns", "a", "2")));
  ASSERT_TRUE(previous);
  EXPECT_EQ(previous->at("metadata").at("resourceVersion"), "1");
  EXPECT_EQ(store.get("ns/a")->at("metadata").at("resourceVersion"), "2");
  EXPECT_EQ(store.size(), 1U);
  EXPECT_TRUE(store.erase(object("ns", "a", "3")));
  EXPECT_FALSE(store.erase(object("ns", "a", "3")));
  EXPECT_FALSE(store.get("ns/a"));
}

TEST(Store, ReadersShareTheStoredObject) {
  Store store;
  const ObjectPtr stored = shared(object("ns", "a", "1"));
  store.upsert(stored);
  EXPECT_EQ(store.get("ns/a").get(), stored.get());
  EXPECT_EQ(store.list().at(0).get(), stored.get());
  // A reader keeps what it read, whatever the store does next.
  const ObjectPtr read = store.get("ns/a");
  store.upsert(shared(object("ns", "a", "2")));
  store.erase(object("ns", "a", "2"));
  EXPECT_EQ(read->at("metadata").at("resourceVersion"), "1");
}

TEST(Store, ReplaceReturnsThePreviousContent) {
  Store store;
  store.upsert(shared(object("ns", "a", "1")));
  store.upsert(shared(object("ns", "b", "1")));
  const auto previous = store.replace({{"ns/c", shared(object("ns", "c", "5"))}});
  EXPECT_EQ(previous.size(), 2U);
  EXPECT_TRUE(previous.contains("ns/a"));
  EXPECT_EQ(names(store.list()), std::vector<std::string>{"c"});
}

TEST(Store, SelectReturnsOnlyTheWantedObjects) {
  Store store;
  store.upsert(shared(object("ns", "a", "1")));
  store.upsert(shared(object("other", "b", "1")));
  store.upsert(shared(object("ns", "c", "1")));
  const auto selected = store.select(
      [](const json& candidate) { return candidate["metadata"]["namespace"] == "ns"; });
  EXPECT_EQ(names(selected), (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(store.select([](const json&) { return false; }).empty());
}

TEST(Store, ControllerUidIsTheControllingReferencesOnly) {
  EXPECT_EQ(controller_uid(object("ns", "a", "1", "uid-1")), "uid-1");
  EXPECT_EQ(controller_uid(object("ns", "a", "1")), "");
  json owned_not_controlled = object("ns", "a", "1");
  owned_not_controlled["metadata"]["ownerReferences"] = json::array({{{"uid", "uid-1"}}});
  EXPECT_EQ(controller_uid(owned_not_controlled), "");
  EXPECT_EQ(controller_uid(json(nullptr)), "");
  EXPECT_EQ(controller_uid(json{{"metadata", {{"ownerReferences", "garbage"}}}}), "");
}

TEST(Store, IndexesObjectsByTheirController) {
  Store store;
  store.upsert(shared(object("ns", "a-config", "1", "uid-a")));
  store.upsert(shared(object("ns", "b-config", "1", "uid-b")));
  store.upsert(shared(object("ns", "a-0", "1", "uid-a")));
  store.upsert(shared(object("ns", "orphan", "1")));
  EXPECT_EQ(names(store.controlled_by("uid-a")), (std::vector<std::string>{"a-0", "a-config"}));
  EXPECT_EQ(names(store.controlled_by("uid-b")), std::vector<std::string>{"b-config"});
  EXPECT_TRUE(store.controlled_by("uid-none").empty());
  EXPECT_TRUE(store.controlled_by("").empty()) << "no owner is not an owner";

  // A new controller moves the object; losing it leaves the index.
  store.upsert(shared(object("ns", "a-0", "2", "uid-b")));
  EXPECT_EQ(names(store.controlled_by("uid-a")), std::vector<std::string>{"a-config"});
  EXPECT_EQ(names(store.controlled_by("uid-b")), (std::vector<std::string>{"a-0", "b-config"}));
  store.upsert(shared(object("ns", "a-config", "2")));
  EXPECT_TRUE(store.controlled_by("uid-a").empty());
  // The index returns the current state.
  EXPECT_EQ(store.controlled_by("uid-b").at(0)->at("metadata").at("resourceVersion"), "2");

  store.erase(object("ns", "a-0", "3"));
  EXPECT_EQ(names(store.controlled_by("uid-b")), std::vector<std::string>{"b-config"});

  store.replace({{"ns/x", shared(object("ns", "x", "9", "uid-x"))}});
  EXPECT_TRUE(store.controlled_by("uid-b").empty());
  EXPECT_EQ(names(store.controlled_by("uid-x")), std::vector<std::string>{"x"});
}

TEST(Store, KeepsObjectsPackedOnceNobodyHoldsThem) {
  Store store;
  json original = object("ns", "a", "1", "uid-a");
  original["spec"] = {{"replicas", 3}, {"ratio", 0.5}, {"name", "x"}, {"list", {1, -2, "z"}}};
  store.upsert(shared(original));
  // Nobody holds what was stored: a read parses the packed form, which is the same object.
  const ObjectPtr first = store.get("ns/a");
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, original);
  // While a reader holds it, other readers share it (get, list and the owner index alike).
  EXPECT_EQ(store.get("ns/a").get(), first.get());
  EXPECT_EQ(store.list().at(0).get(), first.get());
  EXPECT_EQ(store.controlled_by("uid-a").at(0).get(), first.get());
  // A new state is not served from what a reader holds of the old one.
  store.upsert(shared(object("ns", "a", "2", "uid-a")));
  EXPECT_EQ(store.get("ns/a")->at("metadata").at("resourceVersion"), "2");
  EXPECT_EQ(first->at("metadata").at("resourceVersion"), "1");
}

TEST(Store, KeysNeedNoParse) {
  Store store;
  store.upsert(shared(object("ns", "b", "1")));
  store.upsert(shared(object("", "a", "1")));
  EXPECT_EQ(store.keys(), (std::vector<std::string>{"a", "ns/b"}));
  EXPECT_TRUE(Store().keys().empty());
}

TEST(Store, UpsertPackedReportsThePreviousStatePacked) {
  Store store;
  EXPECT_FALSE(store.upsert_packed(shared(object("ns", "a", "1", "uid-a"))));
  const std::optional<PackedObject> previous =
      store.upsert_packed(shared(object("ns", "a", "2", "uid-b")));
  ASSERT_TRUE(previous);
  EXPECT_EQ(previous->resource_version(), "1");
  EXPECT_EQ(previous->controller_uid(), "uid-a");
  EXPECT_EQ(*previous->unpack(), object("ns", "a", "1", "uid-a"));
  EXPECT_EQ(names(store.controlled_by("uid-b")), std::vector<std::string>{"a"});
}

TEST(Store, ReplaceTakesPackedObjects) {
  Store store;
  store.upsert(shared(object("ns", "a", "1")));
  std::map<std::string, PackedObject> fresh;
  fresh.emplace("ns/b", PackedObject(object("ns", "b", "4", "uid-b")));
  const auto previous = store.replace(std::move(fresh));
  ASSERT_EQ(previous.size(), 1U);
  EXPECT_EQ(previous.at("ns/a").resource_version(), "1");
  EXPECT_EQ(names(store.controlled_by("uid-b")), std::vector<std::string>{"b"});
  EXPECT_FALSE(store.get("ns/a"));
}

TEST(StripForCache, DropsManagedFieldsAndTheLastAppliedAnnotation) {
  json deployment = json::parse(R"({
    "kind": "Deployment",
    "metadata": {
      "name": "a", "namespace": "ns", "resourceVersion": "7",
      "labels": {"app": "a"},
      "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": "{\"big\": true}",
        "post2log.io/config-hash": "abc"
      },
      "managedFields": [{"manager": "post2log-operator", "operation": "Apply"}]
    },
    "spec": {"template": {"metadata": {"annotations": {"keep": "me"}}}}
  })");
  strip_for_cache(deployment);
  EXPECT_EQ(deployment, json::parse(R"({
    "kind": "Deployment",
    "metadata": {
      "name": "a", "namespace": "ns", "resourceVersion": "7",
      "labels": {"app": "a"},
      "annotations": {"post2log.io/config-hash": "abc"}
    },
    "spec": {"template": {"metadata": {"annotations": {"keep": "me"}}}}
  })"));
}

TEST(StripForCache, LeavesOddShapesAlone) {
  for (json odd : {json(nullptr), json::array({1}), json{{"metadata", "x"}},
                   json{{"metadata", {{"annotations", "x"}}}}, json{{"spec", {}}}}) {
    const json before = odd;
    strip_for_cache(odd);
    EXPECT_EQ(odd, before);
  }
}

}  // namespace
}  // namespace p2l::kube
