#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "p2l/kube/client.hpp"

namespace p2l::kube {

// An events.k8s.io/v1 Event about one object (`kubectl describe` shows it).
struct EventRecord {
  nlohmann::json regarding;     // {apiVersion, kind, namespace, name, uid}
  std::string type = "Normal";  // or "Warning"
  std::string reason;           // UpperCamelCase, e.g. "Reconciled"
  std::string note;             // human-readable, up to 1 kB
  std::string action;           // what was done, e.g. "Apply"
  std::string reporting_controller = "post2log.io/operator";
  std::string reporting_instance;  // e.g. the pod name
};

// The Event object for `record` at `now` (namespace: the regarding object's, or "default").
nlohmann::json make_event(const EventRecord& record, std::chrono::system_clock::time_point now);

// Creates it and returns the server's copy.
nlohmann::json create_event(Client& client, const EventRecord& record);

// Kubernetes MicroTime: 2024-05-01T12:00:00.123456Z.
std::string format_micro_time(std::chrono::system_clock::time_point time);

}  // namespace p2l::kube
