#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "p2l/child_kind.hpp"
#include "p2l/controller/rollout.hpp"

namespace p2l::controller {

enum class ChildAction {
  apply,   // create or update, by server-side apply
  remove,  // delete
  keep,    // leave alone
};

// Why a child gets its action; logged with it, and a conflict is reported in the status.
enum class PlanReason {
  absent,              // apply: no object of that name
  differs,             // apply: the live object lacks a desired field or value
  up_to_date,          // keep: the live object holds every desired field
  rollout_waits,       // keep: a shard Deployment the rollout plan does not take now
  owned_by_another,    // keep: an object of that name that this Post2Log does not control
  mounts_taken_claim,  // keep: a shard Deployment that would mount someone else's claim
  kind_not_served,     // keep: a PodMonitor where the cluster has no such CRD
  not_wanted,          // remove: a child this Post2Log controls that it no longer renders
};

[[nodiscard]] std::string_view to_string(PlanReason reason);

struct PlannedChild {
  ChildAction action;
  PlanReason reason;
  ChildKind kind;
  std::string name;
  std::size_t desired_index = 0;  // apply, keep: the child's index in ChildPlanInput::desired
  // apply: the object to apply (a shard updated while not Ready carries
  // kAnnotationUnreadyWhenUpdated); else null.
  nlohmann::json object;
};

// A live child by kind and name: all removal needs of it.
struct ChildName {
  ChildKind kind;
  std::string name;
};

// What the plan is made from: the rendered children and what exists of them.
struct ChildPlanInput {
  std::string name;  // the Post2Log's, whose shards are NAME-I
  // The Post2Log's uid, which its children's controller reference names (empty: not known,
  // so no object is taken for someone else's).
  std::string owner_uid;
  const std::vector<Child>& desired;
  // The live object of each desired child, by index (nullptr: none of that name exists): from
  // the caches, or looked up where the caches hold none (they hold only objects with the
  // operator's labels, and another owner's object must never be taken over).
  const std::vector<const nlohmann::json*>& live;  // as many as `desired`
  // The live objects this Post2Log controls, of every kind that can be removed (caches'
  // owner index).
  const std::vector<ChildName>& owned;
  const RolloutPlan& rollout;
  std::set<ChildKind> unserved;  // kinds the cluster does not serve now
};

// Decides, without I/O, what one reconcile does to the children: every desired child once, in
// render order, then a removal for every owned child that is no longer desired.
// PersistentVolumeClaims are never removed (a shard's volumes may hold lines not yet shipped;
// they go with the Post2Log), nor the Service (always desired) or the check Job (its TTL).
[[nodiscard]] std::vector<PlannedChild> plan_children(const ChildPlanInput& input);

// "Service web is owned by ... ; it is left alone" for each owned_by_another, in plan order.
[[nodiscard]] std::vector<std::string> conflict_messages(const std::vector<PlannedChild>& plan);

}  // namespace p2l::controller
