#pragma once

#include <string>
#include <string_view>

namespace p2l {

// Appends `text` (valid UTF-8) to `out` as a JSON string literal, quotes
// included. Only `"`, `\` and control characters are escaped, so non-ASCII
// text stays readable UTF-8 in the log line.
void append_json_string(std::string& out, std::string_view text);

}  // namespace p2l
