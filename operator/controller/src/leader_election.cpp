#include "p2l/controller/leader_election.hpp"

#include "p2l/controller/resource_types.hpp"
#include "p2l/json_log.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/kube/events.hpp"
#include "p2l/stop_sleep.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

// Sleeps for `delay`; false when `stop` was requested meanwhile.
std::string now_micro() {
  return kube::format_micro_time(std::chrono::system_clock::now());
}

}  // namespace

LeaderElector::LeaderElector(kube::Client& client, LeaderElectionOptions options,
                             spdlog::logger& logger)
    : client_(client),
      options_(std::move(options)),
      logger_(logger),
      path_(kube::object_path(leases(), options_.namespace_name, options_.lease_name)) {}

bool LeaderElector::write(json lease, bool create) {
  try {
    if (create) {
      client_.create(kube::collection_path(leases(), options_.namespace_name), lease);
    } else {
      client_.replace(path_, lease);
    }
    return true;
  } catch (const kube::ApiError& error) {
    if (error.conflict()) return false;  // someone else wrote first
    throw;
  }
}

bool LeaderElector::try_acquire_or_renew() {
  const std::string now = now_micro();
  const auto lease_seconds = static_cast<int>(options_.lease_duration.count());
  auto existing = client_.find(path_);
  if (!existing) {
    json lease{
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", options_.lease_name}, {"namespace", options_.namespace_name}}},
        {"spec",
         {{"holderIdentity", options_.identity},
          {"leaseDurationSeconds", lease_seconds},
          {"acquireTime", now},
          {"renewTime", now},
          {"leaseTransitions", 0}}}};
    return write(std::move(lease), true);
  }
  json lease = std::move(*existing);
  json& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  const std::string holder = spec.value("holderIdentity", "");
  if (holder != options_.identity && !holder.empty()) {
    // Someone else's: expired only once the record has not changed for a lease duration.
    const std::string record = spec.dump();
    const auto now_steady = std::chrono::steady_clock::now();
    if (observed_record_ != record) {
      observed_record_ = record;
      observed_at_ = now_steady;
    }
    const auto their_duration = std::chrono::seconds(spec.value("leaseDurationSeconds", 15));
    if (now_steady - observed_at_ < their_duration) return false;
  }
  if (holder != options_.identity) {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = lease_seconds;
  spec["renewTime"] = now;
  // The update carries metadata.resourceVersion: a concurrent writer makes it fail with 409.
  return write(std::move(lease), false);
}

bool LeaderElector::acquire(std::stop_token stop) {
  log_json(logger_, spdlog::level::info, "waiting for leadership",
           {{"lease", options_.namespace_name + "/" + options_.lease_name},
            {"identity", options_.identity}});
  while (!stop.stop_requested()) {
    try {
      if (try_acquire_or_renew()) {
        log_json(logger_, spdlog::level::info, "became the leader",
                 {{"identity", options_.identity}});
        return true;
      }
    } catch (const std::exception& error) {
      log_json(logger_, spdlog::level::warn, "leader election attempt failed",
               {{"error", error.what()}});
    }
    if (!sleep_unless_stopped(stop, options_.retry_period)) break;
  }
  return false;
}

bool LeaderElector::hold(std::stop_token stop) {
  auto last_renewal = std::chrono::steady_clock::now();
  while (sleep_unless_stopped(stop, options_.renew_period)) {
    bool renewed = false;
    try {
      renewed = try_acquire_or_renew();
    } catch (const std::exception& error) {
      log_json(logger_, spdlog::level::warn, "lease renewal failed", {{"error", error.what()}});
    }
    const auto now = std::chrono::steady_clock::now();
    if (renewed) {
      last_renewal = now;
    } else if (now - last_renewal >= options_.renew_deadline) {
      log_json(logger_, spdlog::level::err, "lost leadership", {{"identity", options_.identity}});
      return false;
    }
  }
  return true;
}

void LeaderElector::release() {
  try {
    auto lease = client_.find(path_);
    if (!lease || (*lease)["spec"].value("holderIdentity", "") != options_.identity) return;
    json& spec = (*lease)["spec"];
    spec["holderIdentity"] = "";
    spec["leaseDurationSeconds"] = 1;
    spec["renewTime"] = now_micro();
    if (write(std::move(*lease), false)) {
      log_json(logger_, spdlog::level::info, "released the lease",
               {{"identity", options_.identity}});
    }
  } catch (const std::exception& error) {
    log_json(logger_, spdlog::level::warn, "could not release the lease",
             {{"error", error.what()}});
  }
}

}  // namespace p2l::controller
