#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "p2l/kube/client.hpp"

namespace p2l::controller {

struct LeaderElectionOptions {
  std::string namespace_name;
  std::string lease_name = "post2log-operator";
  std::string identity;  // hostname_pid
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_period{5};
  // Leadership is given up when no renewal succeeded for this long (less than the lease
  // duration, so that nobody else can have taken over yet).
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
// the Lease with an update carrying its resourceVersion (a 409 means someone else wrote first);
// a candidate takes the Lease once it has seen it unchanged for leaseDurationSeconds, measured
// on its own clock, so clock skew between machines does not matter.
class LeaderElector {
 public:
  LeaderElector(kube::Client& client, LeaderElectionOptions options, spdlog::logger& logger);

  // Blocks until this process holds the Lease (true) or `stop` is requested (false).
  bool acquire(std::stop_token stop);
  // Renews until `stop` is requested (true) or leadership is lost (false).
  bool hold(std::stop_token stop);
  // Gives the Lease up so that another candidate takes over at once.
  void release();

 private:
  // One attempt to take or renew the Lease.
  bool try_acquire_or_renew();
  bool write(nlohmann::json lease, bool create);

  kube::Client& client_;
  LeaderElectionOptions options_;
  spdlog::logger& logger_;
  std::string path_;
  // The other holder's record as last seen, and when it was first seen so.
  std::optional<std::string> observed_record_;
  std::chrono::steady_clock::time_point observed_at_;
};

}  // namespace p2l::controller
