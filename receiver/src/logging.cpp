#include "logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace p2l {

std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name, std::string_view level) {
  auto logger =
      std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc));
  // The receiver's level names follow uvicorn's; spdlog says "warn" and "err".
  const std::string spdlog_level = level == "warning" ? "warn"
                                   : level == "error" ? "err"
                                                      : std::string(level);
  logger->set_level(spdlog::level::from_str(spdlog_level));
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void log_event(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
               const nlohmann::ordered_json& fields) {
  if (!logger.should_log(level)) return;
  nlohmann::ordered_json line = {{"msg", message}};
  line.update(fields);
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  // The pattern supplies the braces around the whole line.
  logger.log(level, std::string_view(text).substr(1, text.size() - 2));
}

}  // namespace p2l
