#include "p2l/controller/json_log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "p2l/rfc3339.hpp"

namespace p2l::controller {
namespace {

using nlohmann::ordered_json;

// log_json marks its payload with this prefix: the members of a JSON object, to be spliced
// into the line as they are.
constexpr std::string_view kStructuredMark = "\x1e";

class JsonLineFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& dest) override {
    const std::string stamp = format_rfc3339(message.time, SubSecond::millis);

    const auto level = spdlog::level::to_string_view(message.level);
    const std::string_view payload(message.payload.data(), message.payload.size());
    std::string line =
        "{\"ts\":\"" + stamp + "\",\"level\":\"" + std::string(level.data(), level.size()) +
        "\",\"logger\":" +
        ordered_json(std::string(message.logger_name.data(), message.logger_name.size())).dump() +
        ",";
    if (payload.starts_with(kStructuredMark)) {
      line += payload.substr(kStructuredMark.size());
    } else {
      line += "\"msg\":" + ordered_json(std::string(payload))
                               .dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

}  // namespace

std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name) {
  auto logger =
      std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<JsonLineFormatter>());
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
              const ordered_json& fields) {
  if (!logger.should_log(level)) return;
  ordered_json line = {{"msg", message}};
  line.update(fields);
  const std::string text = line.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  // Without the braces: the formatter puts the members after its own.
  logger.log(level, "{}{}", kStructuredMark, std::string_view(text).substr(1, text.size() - 2));
}

}  // namespace p2l::controller
