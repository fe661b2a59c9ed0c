#include "p2l/controller/child_plan.hpp"

#include <gtest/gtest.h>

#include "p2l/decode.hpp"
#include "p2l/names.hpp"
#include "p2l/render.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

constexpr std::string_view kUid = "0a6f3e0c-5c9e-4a55-9f0e-2f7d1a4e0b11";

Post2Log post2log(json spec) {
  const json object{{"apiVersion", "post2log.io/v1alpha1"},
                    {"kind", "Post2Log"},
                    {"metadata", {{"name", "web"}, {"namespace", "shop"}, {"uid", kUid}}},
                    {"spec", std::move(spec)}};
  DecodeResult decoded = decode_post2log(object);
  if (!decoded.resource) throw std::runtime_error(summarize(decoded.errors));
  return *decoded.resource;
}

// Live copies as the API server keeps them: what was applied, plus fields it sets itself.
json as_stored(const json& object) {
  json stored = object;
  stored["metadata"]["resourceVersion"] = "41";
  stored["metadata"]["uid"] = "child-uid";
  return stored;
}

json of_another_owner(const json& object) {
  json stored = as_stored(object);
  stored["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "apps/v1"},
                                                        {"kind", "ReplicaSet"},
                                                        {"name", "x"},
                                                        {"uid", "other"},
                                                        {"controller", true}}});
  return stored;
}

// A plan of one reconcile: `live` by desired index (empty: nothing exists yet).
struct Scenario {
  std::vector<Child> desired;
  std::vector<json> live_copies;  // by desired index; null: none
  std::vector<ChildName> owned;
  RolloutPlan rollout;
  std::set<ChildKind> unserved;

  explicit Scenario(const Post2Log& resource) : desired(render_children(resource)) {
    live_copies.resize(desired.size());
    for (int shard = 0; shard < resource.spec.replicas; ++shard)
      rollout.apply.push_back(shard);
  }
  void exists_as_applied() {
    for (std::size_t i = 0; i < desired.size(); ++i)
      live_copies[i] = as_stored(desired[i].object);
  }
  std::size_t index_of(ChildKind kind, const std::string& name) const {
    for (std::size_t i = 0; i < desired.size(); ++i) {
      if (desired[i].kind == kind && desired[i].name() == name) return i;
    }
    throw std::out_of_range(name);
  }
  std::vector<PlannedChild> plan() const {
    std::vector<const json*> live;
    for (const json& copy : live_copies)
      live.push_back(copy.is_null() ? nullptr : &copy);
    return plan_children({.name = "web",
                          .owner_uid = std::string{kUid},
                          .desired = desired,
                          .live = live,
                          .owned = owned,
                          .rollout = rollout,
                          .unserved = unserved});
  }
};

const PlannedChild& find(const std::vector<PlannedChild>& plan, ChildKind kind,
                         const std::string& name) {
  for (const PlannedChild& planned : plan) {
    if (planned.kind == kind && planned.name == name) return planned;
  }
  throw std::out_of_range(name);
}

std::size_t count(const std::vector<PlannedChild>& plan, ChildAction action) {
  return static_cast<std::size_t>(std::count_if(
      plan.begin(), plan.end(), [&](const PlannedChild& p) { return p.action == action; }));
}

TEST(ChildPlan, ANewPost2LogCreatesEveryChildInRenderOrder) {
  const Scenario scenario(post2log({{"replicas", 2}}));
  const auto plan = scenario.plan();
  ASSERT_EQ(plan.size(), scenario.desired.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].action, ChildAction::apply);
    EXPECT_EQ(plan[i].reason, PlanReason::absent);
    EXPECT_EQ(plan[i].kind, scenario.desired[i].kind);
    EXPECT_EQ(plan[i].desired_index, i);
    EXPECT_EQ(plan[i].object, scenario.desired[i].object);
  }
}

TEST(ChildPlan, NothingIsAppliedWhenEveryChildHoldsWhatIsDesired) {
  Scenario scenario(post2log({{"replicas", 2}}));
  scenario.exists_as_applied();
  const auto plan = scenario.plan();
  EXPECT_EQ(count(plan, ChildAction::keep), plan.size());
  for (const PlannedChild& planned : plan)
    EXPECT_EQ(planned.reason, PlanReason::up_to_date) << planned.name;
}

TEST(ChildPlan, OnlyTheChildThatDiffersIsApplied) {
  Scenario scenario(post2log({{"replicas", 1}}));
  scenario.exists_as_applied();
  json& service = scenario.live_copies[scenario.index_of(ChildKind::service, "web")];
  service["spec"]["ports"][0]["port"] = 9999;
  const auto plan = scenario.plan();
  EXPECT_EQ(count(plan, ChildAction::apply), 1u);
  const PlannedChild& planned = find(plan, ChildKind::service, "web");
  EXPECT_EQ(planned.action, ChildAction::apply);
  EXPECT_EQ(planned.reason, PlanReason::differs);
}

TEST(ChildPlan, AnObjectOfAnotherOwnerIsLeftAloneAndReportedAsAConflict) {
  Scenario scenario(post2log({{"replicas", 1}}));
  const std::size_t service = scenario.index_of(ChildKind::service, "web");
  scenario.live_copies[service] = of_another_owner(scenario.desired[service].object);
  const auto plan = scenario.plan();
  EXPECT_EQ(find(plan, ChildKind::service, "web").action, ChildAction::keep);
  EXPECT_EQ(find(plan, ChildKind::service, "web").reason, PlanReason::owned_by_another);
  EXPECT_EQ(conflict_messages(plan),
            std::vector<std::string>{
                "Service web exists and is not controlled by this Post2Log; it is left alone"});
  // Everything else still goes ahead.
  EXPECT_EQ(count(plan, ChildAction::apply), plan.size() - 1);
}

TEST(ChildPlan, AnObjectWithoutAControllerReferenceIsNotTakenOver) {
  Scenario scenario(post2log({{"replicas", 1}}));
  const std::size_t service = scenario.index_of(ChildKind::service, "web");
  json unowned = as_stored(scenario.desired[service].object);
  unowned["metadata"].erase("ownerReferences");
  scenario.live_copies[service] = unowned;
  EXPECT_EQ(find(scenario.plan(), ChildKind::service, "web").reason, PlanReason::owned_by_another);
}

TEST(ChildPlan, AShardWhoseClaimIsAnotherOwnersIsNotApplied) {
  Scenario scenario(post2log({{"replicas", 2}}));
  const std::size_t claim =
      scenario.index_of(ChildKind::persistent_volume_claim, data_claim_name("web", 1));
  scenario.live_copies[claim] = of_another_owner(scenario.desired[claim].object);
  const auto plan = scenario.plan();
  EXPECT_EQ(find(plan, ChildKind::deployment, shard_name("web", 1)).reason,
            PlanReason::mounts_taken_claim);
  EXPECT_EQ(find(plan, ChildKind::deployment, shard_name("web", 0)).action, ChildAction::apply);
  // The claim is the one conflict reported; the shard follows from it.
  EXPECT_EQ(conflict_messages(plan).size(), 1u);
}

TEST(ChildPlan, ShardsFollowTheRolloutPlanAndUnreadyOnesAreMarked) {
  Scenario scenario(post2log({{"replicas", 3}}));
  scenario.rollout = {.apply = {0, 2}, .apply_unready = {2}, .rolling = 1};
  const auto plan = scenario.plan();
  const PlannedChild& first = find(plan, ChildKind::deployment, shard_name("web", 0));
  const PlannedChild& waiting = find(plan, ChildKind::deployment, shard_name("web", 1));
  const PlannedChild& unready = find(plan, ChildKind::deployment, shard_name("web", 2));
  EXPECT_EQ(first.action, ChildAction::apply);
  EXPECT_FALSE(
      first.object["metadata"]["annotations"].contains(std::string{kAnnotationUnreadyWhenUpdated}));
  EXPECT_EQ(waiting.action, ChildAction::keep);
  EXPECT_EQ(waiting.reason, PlanReason::rollout_waits);
  EXPECT_EQ(unready.action, ChildAction::apply);
  EXPECT_EQ(unready.object["metadata"]["annotations"][std::string{kAnnotationUnreadyWhenUpdated}],
            "true");
}

TEST(ChildPlan, AMarkedShardIsUpToDateOnlyWithItsMark) {
  Scenario scenario(post2log({{"replicas", 1}}));
  scenario.exists_as_applied();
  scenario.rollout = {.apply = {0}, .apply_unready = {0}};
  EXPECT_EQ(find(scenario.plan(), ChildKind::deployment, shard_name("web", 0)).reason,
            PlanReason::differs);
}

TEST(ChildPlan, AKindTheClusterDoesNotServeIsSkipped) {
  Scenario scenario(post2log({{"monitoring", {{"podMonitor", json::object()}}}}));
  scenario.unserved = {ChildKind::pod_monitor};
  const auto plan = scenario.plan();
  EXPECT_EQ(find(plan, ChildKind::pod_monitor, "web").action, ChildAction::keep);
  EXPECT_EQ(find(plan, ChildKind::pod_monitor, "web").reason, PlanReason::kind_not_served);
  EXPECT_TRUE(conflict_messages(plan).empty());
}

TEST(ChildPlan, OwnedChildrenNoLongerRenderedAreRemovedButNeverClaimsOrTheService) {
  Scenario scenario(post2log({{"replicas", 1}}));
  scenario.exists_as_applied();
  scenario.owned = {{ChildKind::deployment, shard_name("web", 0)},
                    {ChildKind::deployment, shard_name("web", 1)},
                    {ChildKind::persistent_volume_claim, data_claim_name("web", 1)},
                    {ChildKind::ingress, "web"},
                    {ChildKind::network_policy, "web"},
                    {ChildKind::pod_monitor, "web"},
                    {ChildKind::service, "web-old"},
                    {ChildKind::fluentd_check_job, fluentd_check_job_name("web")}};
  const auto plan = scenario.plan();
  std::vector<std::pair<ChildKind, std::string>> removed;
  for (const PlannedChild& planned : plan) {
    if (planned.action != ChildAction::remove) continue;
    EXPECT_EQ(planned.reason, PlanReason::not_wanted);
    removed.emplace_back(planned.kind, planned.name);
  }
  const std::vector<std::pair<ChildKind, std::string>> expected{
      {ChildKind::deployment, shard_name("web", 1)},
      {ChildKind::ingress, "web"},
      {ChildKind::network_policy, "web"},
      {ChildKind::pod_monitor, "web"}};
  EXPECT_EQ(removed, expected);
  // Removals come after every desired child.
  EXPECT_EQ(plan.back().action, ChildAction::remove);
}

TEST(ChildPlan, IsPure) {
  Scenario scenario(post2log({{"replicas", 2}, {"ingress", json::object()}}));
  const auto first = scenario.plan();
  const auto second = scenario.plan();
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].action, second[i].action);
    EXPECT_EQ(first[i].reason, second[i].reason);
    EXPECT_EQ(first[i].object, second[i].object);
  }
}

}  // namespace
}  // namespace p2l::controller
