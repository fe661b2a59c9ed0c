#include "p2l/controller/subset.hpp"

#include <gtest/gtest.h>

namespace p2l::controller {
namespace {

using nlohmann::json;

TEST(Subset, ExtraServerFieldsAreFine) {
  const json desired = {{"spec", {{"type", "ClusterIP"}, {"ports", {{{"port", 80}}}}}}};
  const json live = {{"metadata", {{"resourceVersion", "7"}}},
                     {"spec",
                      {{"type", "ClusterIP"},
                       {"clusterIP", "10.96.0.9"},
                       {"ports", {{{"port", 80}, {"protocol", "TCP"}, {"targetPort", "http"}}}}}}};
  EXPECT_TRUE(contains_subset(live, desired));
}

TEST(Subset, AChangedValueAnywhereIsADifference) {
  const json desired = {{"spec", {{"ports", {{{"port", 80}}}}}}};
  EXPECT_FALSE(contains_subset(json{{"spec", {{"ports", {{{"port", 8081}}}}}}}, desired));
  EXPECT_FALSE(contains_subset(json{{"spec", {{"ports", {{{"port", "80"}}}}}}}, desired));
  EXPECT_FALSE(contains_subset(json{{"spec", json::object()}}, desired));
  EXPECT_FALSE(contains_subset(json(nullptr), desired));
}

TEST(Subset, ArraysMustHaveTheSameLength) {
  const json desired = {{"ports", {{{"port", 80}}}}};
  EXPECT_FALSE(contains_subset(json{{"ports", {{{"port", 80}}, {{"port", 81}}}}}, desired));
  EXPECT_FALSE(contains_subset(json{{"ports", json::array()}}, desired));
  EXPECT_TRUE(contains_subset(json{{"args", {"a", "b"}}}, json{{"args", {"a", "b"}}}));
  EXPECT_FALSE(contains_subset(json{{"args", {"b", "a"}}}, json{{"args", {"a", "b"}}}));
}

TEST(Subset, DesiredZeroValuesMatchAbsentFields) {
  // The API server drops false, 0, "" and empty collections when it stores an object.
  const json desired = {{"readOnly", false},        {"replicas", 0},          {"name", ""},
                        {"labels", json::object()}, {"items", json::array()}, {"x", nullptr}};
  EXPECT_TRUE(contains_subset(json::object(), desired));
  EXPECT_FALSE(contains_subset(json{{"readOnly", true}}, json{{"readOnly", false}}));
  EXPECT_FALSE(contains_subset(json::object(), json{{"readOnly", true}}));
  EXPECT_FALSE(contains_subset(json{{"x", 1}}, json{{"x", nullptr}}));
}

TEST(Subset, NumbersCompareByValue) {
  EXPECT_TRUE(contains_subset(json{{"n", 3u}}, json{{"n", 3}}));
  EXPECT_TRUE(contains_subset(json{{"n", std::int64_t{10485760}}}, json{{"n", 10485760}}));
  EXPECT_FALSE(contains_subset(json{{"n", 4}}, json{{"n", 3}}));
}

}  // namespace
}  // namespace p2l::controller
