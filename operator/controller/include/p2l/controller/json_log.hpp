#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

namespace p2l::controller {

// A logger writing one JSON object per line to standard error:
// {"ts":"2026-01-02T03:04:05.678Z","level":"info","logger":"...","msg":"...",...fields}.
// Plain messages (such as the client library's) become "msg"; log_json adds fields.
[[nodiscard]] std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name);

void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
              const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

}  // namespace p2l::controller
