#include "json_escape.hpp"

#include <array>
#include <cstddef>

namespace p2l {
namespace {

// The bytes a JSON string must escape: control characters, quote, backslash.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (std::size_t byte = 0; byte < 0x20; ++byte)
    table[byte] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  out.push_back('"');
  const char* run_start = text.data();
  const char* const end = text.data() + text.size();
  for (const char* p = run_start; p != end; ++p) {
    const auto byte = static_cast<unsigned char>(*p);
    if (!kNeedsEscape[byte]) continue;
    out.append(run_start, p);
    run_start = p + 1;
    switch (byte) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0xF]);
    }
  }
  out.append(run_start, end);
  out.push_back('"');
}

}  // namespace p2l
