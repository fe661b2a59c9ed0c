#include <gtest/gtest.h>

#include "p2l/kube/store.hpp"

namespace p2l::kube {
namespace {

nlohmann::json object(const std::string& ns, const std::string& name, const std::string& rv) {
  nlohmann::json metadata{{"name", name}, {"resourceVersion", rv}};
  if (!ns.empty()) metadata["namespace"] = ns;
  return {{"metadata", metadata}};
}

TEST(Store, KeysAndUpdates) {
  EXPECT_EQ(object_key(object("ns", "a", "1")), "ns/a");
  EXPECT_EQ(object_key(object("", "node-1", "1")), "node-1");

  Store store;
  EXPECT_FALSE(store.upsert(object("ns", "a", "1")));
  const auto previous = store.upsert(object("ns", "a", "2"));
  ASSERT_TRUE(previous);
  EXPECT_EQ((*previous)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ((*store.get("ns/a"))["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(store.size(), 1U);
  EXPECT_TRUE(store.erase(object("ns", "a", "3")));
  EXPECT_FALSE(store.erase(object("ns", "a", "3")));
  EXPECT_FALSE(store.get("ns/a"));
}

TEST(Store, ReplaceReturnsThePreviousContent) {
  Store store;
  store.upsert(object("ns", "a", "1"));
  store.upsert(object("ns", "b", "1"));
  const auto previous = store.replace({{"ns/c", object("ns", "c", "5")}});
  EXPECT_EQ(previous.size(), 2U);
  EXPECT_TRUE(previous.contains("ns/a"));
  ASSERT_EQ(store.list().size(), 1U);
  EXPECT_EQ(store.list()[0]["metadata"]["name"], "c");
}

TEST(Store, SelectCopiesOnlyTheWantedObjects) {
  Store store;
  store.upsert(object("ns", "a", "1"));
  store.upsert(object("other", "b", "1"));
  store.upsert(object("ns", "c", "1"));
  const auto selected = store.select(
      [](const nlohmann::json& candidate) { return candidate["metadata"]["namespace"] == "ns"; });
  ASSERT_EQ(selected.size(), 2U);
  EXPECT_EQ(selected[0]["metadata"]["name"], "a");
  EXPECT_EQ(selected[1]["metadata"]["name"], "c");
  EXPECT_TRUE(store.select([](const nlohmann::json&) { return false; }).empty());
}

}  // namespace
}  // namespace p2l::kube
