#include "base64.hpp"

namespace p2l::kube {

namespace detail {

std::optional<std::string> decode_base64(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string decoded;
  unsigned int bits = 0;
  int bit_count = 0;
  bool padding = false;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int value = value_of(c);
    if (value < 0 || padding) return std::nullopt;
    bits = (bits << 6U) | static_cast<unsigned int>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      decoded += static_cast<char>((bits >> static_cast<unsigned int>(bit_count)) & 0xFFU);
    }
  }
  // Leftover bits must be the zero padding of an incomplete group.
  if (bit_count >= 6) return std::nullopt;
  return decoded;
}

}  // namespace detail

}  // namespace p2l::kube
