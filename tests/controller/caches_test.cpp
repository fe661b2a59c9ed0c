#include "p2l/controller/caches.hpp"

#include <gtest/gtest.h>

namespace p2l::controller {
namespace {

using nlohmann::json;

json post2log(int generation, const json& status) {
  return {{"metadata",
           {{"name", "demo"},
            {"generation", generation},
            {"resourceVersion", std::to_string(100 + generation)},
            {"labels", {{"team", "ads"}}}}},
          {"spec", {{"replicas", generation}}},
          {"status", status}};
}

TEST(Post2LogChangeMatters, TheStatusAloneDoesNot) {
  json after = post2log(1, {{"ready", "1/1"}});
  after["metadata"]["resourceVersion"] = "999";
  EXPECT_FALSE(post2log_change_matters(post2log(1, {{"ready", "0/1"}}), after));
}

TEST(Post2LogChangeMatters, SpecLabelsAnnotationsAndDeletionDo) {
  const json before = post2log(1, json::object());
  EXPECT_TRUE(post2log_change_matters(before, post2log(2, json::object())));
  json relabelled = before;
  relabelled["metadata"]["labels"]["team"] = "payments";
  EXPECT_TRUE(post2log_change_matters(before, relabelled));
  json annotated = before;
  annotated["metadata"]["annotations"] = {{"note", "x"}};
  EXPECT_TRUE(post2log_change_matters(before, annotated));
  json deleting = before;
  deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_TRUE(post2log_change_matters(before, deleting));
}

}  // namespace
}  // namespace p2l::controller
