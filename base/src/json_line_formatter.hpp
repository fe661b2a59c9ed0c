#pragma once

#include <memory>

#include <spdlog/formatter.h>
#include <nlohmann/json.hpp>

namespace p2l {

// Formats a message as one JSON line: its time, level, logger name and text, then the fields
// that log_json passes beside the text.
//
// Beside, not inside: spdlog's log_msg carries text only, and a marker in the text would turn
// a plain message that happens to start with it into a broken line. log_json binds its fields
// to the calling thread (LineFieldsScope) for the one call; a synchronous logger formats on
// that thread within the call, which is why make_json_logger makes only synchronous ones.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& dest) override;
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;
};

// While it lives, the lines this thread formats carry `fields`.
class LineFieldsScope {
 public:
  explicit LineFieldsScope(const nlohmann::ordered_json& fields);
  ~LineFieldsScope();
  LineFieldsScope(const LineFieldsScope&) = delete;
  LineFieldsScope& operator=(const LineFieldsScope&) = delete;

 private:
  const nlohmann::ordered_json* enclosing_;
};

}  // namespace p2l
