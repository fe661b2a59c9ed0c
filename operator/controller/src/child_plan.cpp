#include "p2l/controller/child_plan.hpp"

#include <algorithm>

#include "p2l/controller/ownership.hpp"
#include "p2l/controller/subset.hpp"
#include "p2l/names.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

bool removable(ChildKind kind) {
  switch (kind) {
    case ChildKind::config_map:
    case ChildKind::ingress:
    case ChildKind::network_policy:
    case ChildKind::pod_monitor:
    case ChildKind::deployment:
      return true;
    case ChildKind::service:
    case ChildKind::persistent_volume_claim:
    case ChildKind::fluentd_check_job:
      return false;
  }
  return false;
}

bool has_shard(const std::vector<int>& shards, const std::string& post2log,
               const std::string& child_name) {
  return std::any_of(shards.begin(), shards.end(),
                     [&](int shard) { return shard_name(post2log, shard) == child_name; });
}

bool mounts_claim_of(const json& deployment, const std::set<std::string>& claims) {
  const json& pod = deployment.at("spec").at("template").at("spec");
  for (const json& volume : pod.value("volumes", json::array())) {
    if (volume.contains("persistentVolumeClaim") &&
        claims.contains(volume["persistentVolumeClaim"].value("claimName", ""))) {
      return true;
    }
  }
  return false;
}

PlannedChild keep(const Child& child, std::size_t index, PlanReason reason) {
  return {.action = ChildAction::keep,
          .reason = reason,
          .kind = child.kind,
          .name = child.name(),
          .desired_index = index};
}

}  // namespace

std::string_view to_string(PlanReason reason) {
  switch (reason) {
    case PlanReason::absent:
      return "absent";
    case PlanReason::differs:
      return "differs";
    case PlanReason::up_to_date:
      return "up to date";
    case PlanReason::rollout_waits:
      return "waits for the rollout";
    case PlanReason::owned_by_another:
      return "owned by another";
    case PlanReason::mounts_taken_claim:
      return "would mount a claim owned by another";
    case PlanReason::kind_not_served:
      return "kind not served";
    case PlanReason::not_wanted:
      return "no longer wanted";
  }
  return "";
}

std::vector<PlannedChild> plan_children(const ChildPlanInput& input) {
  std::vector<PlannedChild> plan;
  plan.reserve(input.desired.size() + input.owned.size());
  std::set<std::string> taken_claims;
  for (std::size_t i = 0; i < input.desired.size(); ++i) {
    const Child& child = input.desired[i];
    const json* live = i < input.live.size() ? input.live[i] : nullptr;
    if (input.unserved.contains(child.kind)) {
      plan.push_back(keep(child, i, PlanReason::kind_not_served));
      continue;
    }
    if (live != nullptr && !input.owner_uid.empty() && !controlled_by(*live, input.owner_uid)) {
      if (child.kind == ChildKind::persistent_volume_claim) taken_claims.insert(child.name());
      plan.push_back(keep(child, i, PlanReason::owned_by_another));
      continue;
    }
    json object = child.object;
    if (child.kind == ChildKind::deployment) {
      if (!has_shard(input.rollout.apply, input.name, child.name())) {
        plan.push_back(keep(child, i, PlanReason::rollout_waits));
        continue;
      }
      // Claims come before their shard in render order, so a taken one is known here.
      if (mounts_claim_of(child.object, taken_claims)) {
        plan.push_back(keep(child, i, PlanReason::mounts_taken_claim));
        continue;
      }
      if (has_shard(input.rollout.apply_unready, input.name, child.name())) {
        object["metadata"]["annotations"][std::string{kAnnotationUnreadyWhenUpdated}] = "true";
      }
    }
    if (live != nullptr && contains_subset(*live, object)) {
      plan.push_back(keep(child, i, PlanReason::up_to_date));
      continue;
    }
    plan.push_back({.action = ChildAction::apply,
                    .reason = live == nullptr ? PlanReason::absent : PlanReason::differs,
                    .kind = child.kind,
                    .name = child.name(),
                    .desired_index = i,
                    .object = std::move(object)});
  }
  for (const ChildName& owned : input.owned) {
    if (!removable(owned.kind)) continue;
    const bool wanted =
        std::any_of(input.desired.begin(), input.desired.end(), [&](const Child& desired) {
          return desired.kind == owned.kind && desired.name() == owned.name;
        });
    if (wanted) continue;
    plan.push_back({.action = ChildAction::remove,
                    .reason = PlanReason::not_wanted,
                    .kind = owned.kind,
                    .name = owned.name});
  }
  return plan;
}

std::vector<std::string> conflict_messages(const std::vector<PlannedChild>& plan) {
  std::vector<std::string> messages;
  for (const PlannedChild& planned : plan) {
    if (planned.reason != PlanReason::owned_by_another) continue;
    messages.push_back(std::string{kind_name(planned.kind)} + " " + planned.name +
                       " exists and is not controlled by this Post2Log; it is left alone");
  }
  return messages;
}

}  // namespace p2l::controller
