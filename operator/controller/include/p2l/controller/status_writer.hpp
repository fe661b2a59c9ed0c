#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "p2l/kube/client.hpp"

namespace p2l::controller {

// A problem the user should hear of: a Warning Event, once per distinct problem.
struct Problem {
  std::string_view reason;  // the Event's reason and the condition's that carries `message`
  std::string message;
  std::string_view action;  // the Event's action, e.g. "Validate"
};

// The one place that writes a Post2Log's status and its Warning Events.
// - The status is written only when the cached object does not hold it already, so a resync
//   writes nothing.
// - A problem raises one Event per distinct (reason, message): not again while it persists,
//   not again after a restart when the cached status already carries it.
// - After a problem clears, the next status is written whatever the cache holds: the cache may
//   not have seen the problem's status yet, and comparing with it would leave that status
//   standing.
// Thread-safe; the workers share one.
class StatusWriter {
 public:
  StatusWriter(kube::Client& client, std::string reporting_instance, spdlog::logger& logger);

  // `object`: the cached Post2Log; `status`: compute_status's result. Throws what the client
  // throws for the status write (a deleted object is not an error); an Event that cannot be
  // written is logged.
  void write(const nlohmann::json& object, const nlohmann::json& status,
             const std::optional<Problem>& problem);

 private:
  void record_event(const nlohmann::json& object, const Problem& problem);

  kube::Client& client_;
  std::string reporting_instance_;
  spdlog::logger& logger_;
  std::mutex mutex_;                                          // guards reported_
  std::map<std::string, std::string, std::less<>> reported_;  // key -> "reason: message"
};

// The Event's `regarding` for a Post2Log object.
[[nodiscard]] nlohmann::json object_reference(const nlohmann::json& object);

}  // namespace p2l::controller
