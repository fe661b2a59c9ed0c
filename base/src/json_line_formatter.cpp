#include "json_line_formatter.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "p2l/rfc3339.hpp"

namespace p2l {
namespace {

using nlohmann::ordered_json;

thread_local const ordered_json* fields_of_this_thread = nullptr;

constexpr std::array<std::string_view, 4> kOwnMembers{"ts", "level", "logger", "msg"};

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// Invalid UTF-8 becomes U+FFFD instead of an exception: the line must come out whatever the
// message holds.
void append_json(spdlog::memory_buf_t& dest, const ordered_json& value) {
  append(dest, value.dump(-1, ' ', false, ordered_json::error_handler_t::replace));
}

void append_fields(spdlog::memory_buf_t& dest, const ordered_json& fields) {
  if (fields.is_null()) return;
  if (!fields.is_object()) {
    append(dest, ",\"fields\":");
    append_json(dest, fields);
    return;
  }
  for (const auto& [key, value] : fields.items()) {
    // The line's own members keep their meaning, and no key appears twice.
    if (std::find(kOwnMembers.begin(), kOwnMembers.end(), key) != kOwnMembers.end()) continue;
    append(dest, ",");
    append_json(dest, key);
    append(dest, ":");
    append_json(dest, value);
  }
}

}  // namespace

void JsonLineFormatter::format(const spdlog::details::log_msg& message,
                               spdlog::memory_buf_t& dest) {
  const auto level = spdlog::level::to_string_view(message.level);
  append(dest, R"({"ts":")");
  append(dest, format_rfc3339(message.time, SubSecond::millis));
  append(dest, R"(","level":")");
  append(dest, std::string_view(level.data(), level.size()));
  append(dest, R"(","logger":)");
  append_json(dest, std::string(message.logger_name.data(), message.logger_name.size()));
  append(dest, R"(,"msg":)");
  append_json(dest, std::string(message.payload.data(), message.payload.size()));
  if (fields_of_this_thread != nullptr) append_fields(dest, *fields_of_this_thread);
  append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonLineFormatter::clone() const {
  return std::make_unique<JsonLineFormatter>();
}

LineFieldsScope::LineFieldsScope(const ordered_json& fields) : enclosing_(fields_of_this_thread) {
  fields_of_this_thread = &fields;
}

LineFieldsScope::~LineFieldsScope() {
  fields_of_this_thread = enclosing_;
}

}  // namespace p2l
