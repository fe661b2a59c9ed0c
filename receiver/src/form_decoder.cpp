#include "form_decoder.hpp"

#include <cstddef>

#include "hex_digit.hpp"
#include "utf8.hpp"

namespace p2l {

void percent_decode(std::string_view encoded, std::string& out) {
  out.clear();
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < encoded.size()) {
      const int high = hex_digit_value(encoded[i + 1]);
      const int low = hex_digit_value(encoded[i + 2]);
      if (high < 0 || low < 0) {
        out.push_back(c);
        continue;
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
}

bool decode_form(std::string_view encoded, std::vector<FormField>& fields) {
  fields.clear();
  while (!encoded.empty()) {
    const std::size_t amp = encoded.find('&');
    const std::string_view segment = encoded.substr(0, amp);
    encoded = amp == std::string_view::npos ? std::string_view{} : encoded.substr(amp + 1);
    if (segment.empty()) continue;

    const std::size_t eq = segment.find('=');
    FormField& field = fields.emplace_back();
    percent_decode(segment.substr(0, eq), field.key);
    if (eq != std::string_view::npos) percent_decode(segment.substr(eq + 1), field.value);
    if (!is_valid_utf8(field.key) || !is_valid_utf8(field.value)) return false;
  }
  return true;
}

}  // namespace p2l
