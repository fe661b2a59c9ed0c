#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2l {

// A path into a resource as users write it: `spec.rotation.backups`,
// `spec.tolerations[0].key`, `spec.ingress.annotations["kubernetes.io/ingress.class"]`.
class FieldPath {
 public:
  FieldPath() = default;

  [[nodiscard]] FieldPath key(std::string_view name) const;
  [[nodiscard]] FieldPath index(std::size_t position) const;
  [[nodiscard]] const std::string& str() const { return text_; }
  [[nodiscard]] bool empty() const { return text_.empty(); }

  friend bool operator==(const FieldPath&, const FieldPath&) = default;

 private:
  explicit FieldPath(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Maps a field path (FieldPath::str()) to the 1-based line where it appears in the input.
using LineMap = std::map<std::string, int, std::less<>>;

// One thing wrong with an input, reported as a value rather than thrown.
struct FieldError {
  std::string path;         // FieldPath::str(); empty for problems with the document as a whole
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

// Fills in `line` from the closest enclosing path that `lines` knows.
void attach_lines(std::vector<FieldError>& errors, const LineMap& lines);

}  // namespace p2l
