#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace p2l {

struct FormField {
  std::string key;
  std::string value;
};

// Decodes `a=1&b=x+y&c=%C3%A9` (a query string or an
// application/x-www-form-urlencoded body) into fields, in order. `+` is a
// space, `%XX` a byte; a malformed escape is kept literally, as browsers and
// Python's parse_qsl do. A field without `=` has an empty value; empty
// segments (`a=1&&b=2`) are skipped. Returns false when a decoded key or value
// is not valid UTF-8. `fields` is cleared first and reused to spare
// allocations.
bool decode_form(std::string_view encoded, std::vector<FormField>& fields);

// Percent-decodes `encoded` into `out` (cleared first), `+` as space.
void percent_decode(std::string_view encoded, std::string& out);

}  // namespace p2l
