#pragma once

#include <compare>
#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace p2l {

// A path into a resource, kept as its segments (member names and list indices) so that it is
// compared, ordered and shortened without parsing text. It is rendered as users write it only
// when shown: `spec.rotation.backups`, `spec.tolerations[0].key`,
// `spec.ingress.annotations["kubernetes.io/ingress.class"]`.
class FieldPath {
 public:
  using Segment = std::variant<std::string, std::size_t>;  // a member name, or a list index

  FieldPath() = default;
  // Member names from the root down: FieldPath{"spec", "rotation"}.
  explicit FieldPath(std::initializer_list<std::string_view> names);

  [[nodiscard]] FieldPath key(std::string_view name) const;
  [[nodiscard]] FieldPath index(std::size_t position) const;
  // The enclosing path (`spec.tolerations[0]` for `spec.tolerations[0].key`); the root's is
  // the root.
  [[nodiscard]] FieldPath parent() const;
  [[nodiscard]] bool starts_with(const FieldPath& prefix) const;

  [[nodiscard]] const std::vector<Segment>& segments() const { return segments_; }
  [[nodiscard]] bool empty() const { return segments_.empty(); }
  // The text users read; empty for the root.
  [[nodiscard]] std::string str() const;

  friend bool operator==(const FieldPath&, const FieldPath&) = default;
  friend std::strong_ordering operator<=>(const FieldPath&, const FieldPath&) = default;

 private:
  std::vector<Segment> segments_;
};

std::ostream& operator<<(std::ostream& out, const FieldPath& path);

// The 1-based line where each field appears in the input; the root maps to the document's
// first line.
using LineMap = std::map<FieldPath, int, std::less<>>;

// The line of `path`, or of the closest enclosing path `lines` knows (a field the input did
// not hold, such as a defaulted one, is reported at its parent).
[[nodiscard]] std::optional<int> find_line(const LineMap& lines, const FieldPath& path);

// One thing wrong with an input, reported as a value rather than thrown.
struct FieldError {
  FieldPath path;           // the root for problems with the document as a whole
  std::optional<int> line;  // 1-based line in the input file, when known
  std::string message;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// "spec.rotation.backups: must be >= 1, got 0" (the line is left to the caller, who knows the
// file name).
[[nodiscard]] std::string describe(const FieldError& error);

// The errors as one message for a status condition, an Event or a log line: the first
// `max_errors` described and joined by "; ", then how many more there are, the whole cut to
// `max_length` characters. A malformed input can give thousands of errors; the status and the
// log of every reconcile must not carry them all.
[[nodiscard]] std::string summarize(const std::vector<FieldError>& errors,
                                    std::size_t max_errors = 5, std::size_t max_length = 2048);

// Fills in `line` of every error that has none from find_line.
void attach_lines(std::vector<FieldError>& errors, const LineMap& lines);

}  // namespace p2l
