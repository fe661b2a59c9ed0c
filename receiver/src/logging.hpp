#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace p2l {

// A logger writing one JSON object per line to stderr:
// {"ts":"2024-01-01T00:00:00.000Z","level":"info","msg":"listening","port":8080}
std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name, std::string_view level);

// Logs `message` with `fields` (a JSON object) merged into the line.
void log_event(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
               const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

}  // namespace p2l
