#include "json_object_reader.hpp"

#include <cstdint>

#include "hex_digit.hpp"
#include "utf8.hpp"

namespace p2l {
namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

}  // namespace

std::string JsonObjectReader::read(std::string_view body) {
  input_ = body;
  pos_ = 0;
  error_.clear();
  values_.clear();
  members_.clear();

  if (!is_valid_utf8(body)) return "body is not valid UTF-8";
  skip_whitespace();
  if (pos_ >= input_.size()) return "body is empty JSON";
  if (input_[pos_] != '{') return "body must be a JSON object";
  if (!parse_object_members()) return error_;
  skip_whitespace();
  if (pos_ != input_.size()) {
    fail("unexpected data after the JSON object");
    return error_;
  }
  return {};
}

bool JsonObjectReader::fail(std::string_view what) {
  if (error_.empty()) {
    error_ = "invalid JSON at byte ";
    error_ += std::to_string(pos_);
    error_ += ": ";
    error_ += what;
  }
  return false;
}

void JsonObjectReader::skip_whitespace() {
  const std::size_t start = pos_;
  while (pos_ < input_.size()) {
    const char c = input_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    ++pos_;
  }
  if (pos_ != start) skipped_whitespace_ = true;
}

std::string_view JsonObjectReader::compact(std::string_view text) {
  // Compacted values are never longer than the body, so this reserves once per body (while
  // values_ is still empty) and the views into values_ handed out stay valid.
  values_.reserve(input_.size());
  const std::size_t begin = values_.size();
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      values_.push_back(c);
      if (c == '\\') {
        values_.push_back(text[++i]);  // the escaped character, never the closing quote
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '"') in_string = true;
    values_.push_back(c);
  }
  return std::string_view(values_).substr(begin);
}

// Top level: like parse_value for an object, but each member's value is
// recorded separately instead of being copied as one text.
bool JsonObjectReader::parse_object_members() {
  ++pos_;  // '{'
  skip_whitespace();
  if (pos_ < input_.size() && input_[pos_] == '}') {
    ++pos_;
    return true;
  }
  while (true) {
    skip_whitespace();
    if (pos_ >= input_.size() || input_[pos_] != '"') return fail("expected a member name");
    JsonMember& member = members_.emplace_back();
    if (!parse_string(&member.key)) return false;
    skip_whitespace();
    if (pos_ >= input_.size() || input_[pos_] != ':') return fail("expected ':'");
    ++pos_;
    skip_whitespace();
    // Posted compact (the usual case), the value is its own text in the body: no copy.
    const std::size_t value_begin = pos_;
    skipped_whitespace_ = false;
    if (!parse_value(1)) return false;
    const std::string_view text = input_.substr(value_begin, pos_ - value_begin);
    member.value = skipped_whitespace_ ? compact(text) : text;
    skip_whitespace();
    if (pos_ >= input_.size()) return fail("unterminated object");
    if (input_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (input_[pos_] == '}') {
      ++pos_;
      return true;
    }
    return fail("expected ',' or '}'");
  }
}

bool JsonObjectReader::parse_value(int depth) {
  if (depth > kMaxDepth) return fail("nesting too deep");
  if (pos_ >= input_.size()) return fail("unexpected end of input");
  const char c = input_[pos_];
  switch (c) {
    case '"':
      return parse_string(nullptr);
    case 't':
      return parse_literal("true");
    case 'f':
      return parse_literal("false");
    case 'n':
      return parse_literal("null");
    case '{':
    case '[': {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      skip_whitespace();
      if (pos_ < input_.size() && input_[pos_] == close) {
        ++pos_;
        return true;
      }
      while (true) {
        skip_whitespace();
        if (c == '{') {
          if (pos_ >= input_.size() || input_[pos_] != '"') return fail("expected a member name");
          if (!parse_string(nullptr)) return false;
          skip_whitespace();
          if (pos_ >= input_.size() || input_[pos_] != ':') return fail("expected ':'");
          ++pos_;
          skip_whitespace();
        }
        if (!parse_value(depth + 1)) return false;
        skip_whitespace();
        if (pos_ >= input_.size()) return fail("unterminated array or object");
        if (input_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (input_[pos_] == close) {
          ++pos_;
          return true;
        }
        return fail(c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
    default:
      if (c == '-' || is_digit(c)) return parse_number();
      return fail("unexpected character");
  }
}

bool JsonObjectReader::parse_literal(std::string_view word) {
  if (input_.substr(pos_, word.size()) != word) return fail("invalid literal");
  pos_ += word.size();
  return true;
}

bool JsonObjectReader::parse_number() {
  if (input_[pos_] == '-') ++pos_;
  if (pos_ >= input_.size() || !is_digit(input_[pos_])) return fail("invalid number");
  if (input_[pos_] == '0') {
    ++pos_;
  } else {
    while (pos_ < input_.size() && is_digit(input_[pos_]))
      ++pos_;
  }
  if (pos_ < input_.size() && input_[pos_] == '.') {
    ++pos_;
    if (pos_ >= input_.size() || !is_digit(input_[pos_])) return fail("invalid number");
    while (pos_ < input_.size() && is_digit(input_[pos_]))
      ++pos_;
  }
  if (pos_ < input_.size() && (input_[pos_] == 'e' || input_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < input_.size() && (input_[pos_] == '+' || input_[pos_] == '-')) ++pos_;
    if (pos_ >= input_.size() || !is_digit(input_[pos_])) return fail("invalid number");
    while (pos_ < input_.size() && is_digit(input_[pos_]))
      ++pos_;
  }
  return true;
}

// Checks a string literal and every escape in it; when `decoded` is given,
// writes the unescaped text there.
bool JsonObjectReader::parse_string(std::string* decoded) {
  ++pos_;  // opening quote
  if (decoded != nullptr) decoded->clear();
  while (true) {
    // Plain run: no quote, backslash or control character. UTF-8 validity
    // of the whole body was checked once up front.
    const std::size_t run_start = pos_;
    const char* const end = input_.data() + input_.size();
    const char* p = input_.data() + pos_;
    while (p != end) {
      const auto byte = static_cast<unsigned char>(*p);
      if (byte == '"' || byte == '\\' || byte < 0x20) break;
      ++p;
    }
    pos_ = static_cast<std::size_t>(p - input_.data());
    if (decoded != nullptr) decoded->append(input_.substr(run_start, pos_ - run_start));
    if (pos_ >= input_.size()) return fail("unterminated string");
    const char c = input_[pos_];
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (c != '\\') return fail("control character in string");
    if (pos_ + 1 >= input_.size()) return fail("unterminated string");
    const char escape = input_[pos_ + 1];
    pos_ += 2;
    char simple = 0;
    switch (escape) {
      case '"':
        simple = '"';
        break;
      case '\\':
        simple = '\\';
        break;
      case '/':
        simple = '/';
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        break;
      default:
        return fail("invalid escape in string");
    }
    if (escape != 'u') {
      if (decoded != nullptr) decoded->push_back(simple);
      continue;
    }
    auto read_hex4 = [this](std::uint32_t& unit) {
      if (input_.size() - pos_ < 4) return false;
      unit = 0;
      for (int k = 0; k < 4; ++k) {
        const int digit = hex_digit_value(input_[pos_ + static_cast<std::size_t>(k)]);
        if (digit < 0) return false;
        unit = unit * 16 + static_cast<std::uint32_t>(digit);
      }
      pos_ += 4;
      return true;
    };
    std::uint32_t unit = 0;
    if (!read_hex4(unit)) return fail("invalid \\u escape");
    if (unit >= 0xDC00 && unit <= 0xDFFF) return fail("lone low surrogate in \\u escape");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      std::uint32_t low = 0;
      if (input_.substr(pos_, 2) != "\\u") return fail("lone high surrogate in \\u escape");
      pos_ += 2;
      if (!read_hex4(low)) return fail("invalid \\u escape");
      if (low < 0xDC00 || low > 0xDFFF) return fail("lone high surrogate in \\u escape");
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    if (decoded != nullptr) append_utf8(*decoded, unit);
  }
}

}  // namespace p2l
