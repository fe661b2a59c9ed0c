#include "p2l/json_log.hpp"

#include <utility>

#include <spdlog/sinks/stdout_sinks.h>

#include "json_line_formatter.hpp"

namespace p2l {

std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name,
                                                 spdlog::level::level_enum level) {
  return make_json_logger(name, level, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name,
                                                 spdlog::level::level_enum level,
                                                 spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  logger->set_formatter(std::make_unique<JsonLineFormatter>());
  logger->set_level(level);
  // Each line as it is written, so that a crash or a kill loses none.
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
              const nlohmann::ordered_json& fields) {
  if (!logger.should_log(level)) return;
  const LineFieldsScope bound(fields);
  logger.log(level, spdlog::string_view_t(message.data(), message.size()));
}

}  // namespace p2l
