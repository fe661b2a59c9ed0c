#include "p2l/kube/events.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "p2l/kube/resource_path.hpp"
#include "p2l/rfc3339.hpp"

namespace p2l::kube {

std::string format_micro_time(std::chrono::system_clock::time_point time) {
  return format_rfc3339(time, SubSecond::micros);
}

nlohmann::json make_event(const EventRecord& record, std::chrono::system_clock::time_point now) {
  const std::string namespace_name = record.regarding.value("namespace", "default");
  const std::string regarding_name = record.regarding.value("name", "object");
  // Unique like kubectl's "<name>.<hex nanoseconds>", so that events never collide.
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "%llx", static_cast<unsigned long long>(nanos));
  nlohmann::json event{
      {"apiVersion", "events.k8s.io/v1"},
      {"kind", "Event"},
      {"metadata", {{"name", regarding_name + "." + suffix}, {"namespace", namespace_name}}},
      {"eventTime", format_micro_time(now)},
      {"regarding", record.regarding},
      {"type", record.type},
      {"reason", record.reason},
      {"note", record.note},
      {"action", record.action},
      {"reportingController", record.reporting_controller},
      {"reportingInstance",
       record.reporting_instance.empty() ? record.reporting_controller : record.reporting_instance},
  };
  return event;
}

nlohmann::json create_event(Client& client, const EventRecord& record) {
  const auto event = make_event(record, std::chrono::system_clock::now());
  return client.create(
      collection_path(resources::events(), event["metadata"]["namespace"].get<std::string>()),
      event);
}

}  // namespace p2l::kube
