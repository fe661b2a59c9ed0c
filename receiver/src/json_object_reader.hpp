#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace p2l {

// One top-level member of a JSON object body.
struct JsonMember {
  std::string key;         // decoded UTF-8 (escapes resolved), for de-duplication
  std::string_view value;  // compacted: in the body itself, or in the reader's buffer
};

// Validates a request body as exactly one JSON object (RFC 8259, UTF-8) and
// splits it into its top-level members without building a DOM. Each value is
// kept as its own JSON text with insignificant whitespace removed, so numbers
// of any size, string escapes, nesting and unicode reach the record exactly as
// posted. Lone UTF-16 surrogates in `\u` escapes are rejected, since no
// consumer could decode them. One reader per worker: buffers are reused.
// A value posted without whitespace is a view into the body, so the body must
// outlive the use of members().
class JsonObjectReader {
 public:
  static constexpr int kMaxDepth = 128;

  // Returns an empty string on success, else what is wrong (for a 400 body).
  std::string read(std::string_view body);

  [[nodiscard]] const std::vector<JsonMember>& members() const { return members_; }
  [[nodiscard]] std::string_view value(const JsonMember& member) const { return member.value; }

 private:
  bool parse_object_members();
  bool parse_value(int depth);
  bool parse_string(std::string* decoded);
  bool parse_number();
  bool parse_literal(std::string_view word);
  void skip_whitespace();
  bool fail(std::string_view what);
  // `text` (one valid JSON value) without its insignificant whitespace, kept in values_.
  std::string_view compact(std::string_view text);

  std::string_view input_;
  std::size_t pos_ = 0;
  bool skipped_whitespace_ = false;  // since the current member's value began
  std::string error_;
  std::string values_;  // compacted values of members posted with whitespace, back to back
  std::vector<JsonMember> members_;
};

}  // namespace p2l
