#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

namespace p2l {

// A synchronous logger writing one JSON object per line:
// {"ts":"2026-01-02T03:04:05.678Z","level":"info","logger":"NAME","msg":"...",...fields}.
// Levels are spdlog's names (trace, debug, info, warning, error, critical). A plain message
// (logger.info("...") as the Kubernetes client logs) becomes "msg"; log_json adds fields.
[[nodiscard]] std::shared_ptr<spdlog::logger> make_json_logger(
    const std::string& name, spdlog::level::level_enum level = spdlog::level::info);

// The same, writing to `sink` instead of standard error.
[[nodiscard]] std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name,
                                                               spdlog::level::level_enum level,
                                                               spdlog::sink_ptr sink);

// Logs `message` with the members of `fields` after the line's own; a field named like one of
// those (ts, level, logger, msg) is left out. Fields that are not an object go in as "fields".
// Only a logger from make_json_logger writes the fields; another logger writes the message.
void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
              const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

}  // namespace p2l
