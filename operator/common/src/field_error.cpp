#include "p2l/field_error.hpp"

#include <algorithm>
#include <ostream>

namespace p2l {
namespace {

// Names that read unambiguously after a dot; any other is written as a quoted key.
bool is_plain_key(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '@' || c == '$';
  });
}

void append_key(std::string& text, std::string_view name) {
  if (is_plain_key(name)) {
    if (!text.empty()) text += '.';
    text += name;
    return;
  }
  text += "[\"";
  for (char c : name) {
    if (c == '"' || c == '\\') text += '\\';
    text += c;
  }
  text += "\"]";
}

}  // namespace

FieldPath::FieldPath(std::initializer_list<std::string_view> names) {
  segments_.reserve(names.size());
  for (std::string_view name : names)
    segments_.emplace_back(std::string{name});
}

FieldPath FieldPath::key(std::string_view name) const {
  FieldPath path = *this;
  path.segments_.emplace_back(std::string{name});
  return path;
}

FieldPath FieldPath::index(std::size_t position) const {
  FieldPath path = *this;
  path.segments_.emplace_back(position);
  return path;
}

FieldPath FieldPath::parent() const {
  FieldPath path = *this;
  if (!path.segments_.empty()) path.segments_.pop_back();
  return path;
}

bool FieldPath::starts_with(const FieldPath& prefix) const {
  return prefix.segments_.size() <= segments_.size() &&
         std::equal(prefix.segments_.begin(), prefix.segments_.end(), segments_.begin());
}

std::string FieldPath::str() const {
  std::string text;
  for (const Segment& segment : segments_) {
    if (const auto* name = std::get_if<std::string>(&segment)) {
      append_key(text, *name);
    } else {
      text += '[' + std::to_string(std::get<std::size_t>(segment)) + ']';
    }
  }
  return text;
}

std::ostream& operator<<(std::ostream& out, const FieldPath& path) {
  return out << path.str();
}

std::optional<int> find_line(const LineMap& lines, const FieldPath& path) {
  for (FieldPath at = path;; at = at.parent()) {
    if (auto found = lines.find(at); found != lines.end()) return found->second;
    if (at.empty()) return std::nullopt;
  }
}

std::string describe(const FieldError& error) {
  if (error.path.empty()) return error.message;
  return error.path.str() + ": " + error.message;
}

void attach_lines(std::vector<FieldError>& errors, const LineMap& lines) {
  for (FieldError& error : errors) {
    if (!error.line) error.line = find_line(lines, error.path);
  }
}

std::string summarize(const std::vector<FieldError>& errors, std::size_t max_errors,
                      std::size_t max_length) {
  std::string message;
  const std::size_t shown = std::min(errors.size(), max_errors);
  for (std::size_t i = 0; i < shown; ++i) {
    if (!message.empty()) message += "; ";
    message += describe(errors[i]);
  }
  if (errors.size() > shown) {
    message += "; and " + std::to_string(errors.size() - shown) + " more";
  }
  if (message.size() > max_length) {
    constexpr std::string_view kCut = " ...";
    message.resize(max_length - kCut.size());
    message += kCut;
  }
  return message;
}

}  // namespace p2l
