#include "p2l/field_error.hpp"

#include <algorithm>

namespace p2l {
namespace {

bool is_plain_key(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '@' || c == '$';
  });
}

// Drops the last segment: `a.b[2]` -> `a.b`, `a["x.y"]` -> `a`.
std::string parent_of(const std::string& path) {
  if (path.empty()) return path;
  if (path.back() == ']') {
    // Skip a quoted key backwards so dots or brackets inside it are not taken for separators.
    std::size_t pos = path.size() - 1;
    if (pos > 0 && path[pos - 1] == '"') {
      std::size_t quote = path.rfind("[\"", pos - 2);
      return quote == std::string::npos ? std::string{} : path.substr(0, quote);
    }
    std::size_t open = path.rfind('[');
    return open == std::string::npos ? std::string{} : path.substr(0, open);
  }
  std::size_t cut = path.find_last_of(".]");
  if (cut == std::string::npos) return {};
  return path[cut] == ']' ? path.substr(0, cut + 1) : path.substr(0, cut);
}

}  // namespace

FieldPath FieldPath::key(std::string_view name) const {
  std::string text = text_;
  if (is_plain_key(name)) {
    if (!text.empty()) text += '.';
    text += name;
  } else {
    text += "[\"";
    for (char c : name) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += "\"]";
  }
  return FieldPath{std::move(text)};
}

FieldPath FieldPath::index(std::size_t position) const {
  return FieldPath{text_ + "[" + std::to_string(position) + "]"};
}

std::string describe(const FieldError& error) {
  if (error.path.empty()) return error.message;
  return error.path + ": " + error.message;
}

void attach_lines(std::vector<FieldError>& errors, const LineMap& lines) {
  for (FieldError& error : errors) {
    if (error.line) continue;
    for (std::string path = error.path;; path = parent_of(path)) {
      if (auto found = lines.find(path); found != lines.end()) {
        error.line = found->second;
        break;
      }
      if (path.empty()) break;
    }
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
