#pragma once

#include <string>
#include <string_view>

namespace p2l {

struct ResponseSpec {
  int status = 200;
  std::string_view content_type = "application/json";
  std::string_view body;
  std::string_view extra_headers;  // complete lines, each ending in "\r\n"
  bool keep_alive = true;
  bool head = false;  // a HEAD request: headers only
};

// Serializes a complete HTTP/1.1 response into `out` (overwritten).
void format_response(std::string& out, const ResponseSpec& spec);

// {"detail":"..."} with `message` escaped.
std::string error_body(std::string_view message);

}  // namespace p2l
