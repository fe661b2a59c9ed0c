#include "shipper_positions.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace p2l {
namespace {

std::optional<std::uint64_t> parse_hex(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value, 16);
  if (text.empty() || error != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

ShipperPositions ShipperPositions::parse(std::string_view text) {
  ShipperPositions positions;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    // A line without its newline may still be being written: not trusted.
    if (newline == std::string_view::npos) break;
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);

    const auto second_tab = line.rfind('\t');
    if (second_tab == std::string_view::npos || second_tab == 0) continue;
    const auto first_tab = line.rfind('\t', second_tab - 1);
    if (first_tab == std::string_view::npos || first_tab == 0) continue;
    const auto position = parse_hex(line.substr(first_tab + 1, second_tab - first_tab - 1));
    const auto inode = parse_hex(line.substr(second_tab + 1));
    if (!position || !inode) continue;
    if (*position == kUnwatched) {
      positions.positions_.erase(*inode);
    } else {
      positions.positions_[*inode] = *position;
    }
  }
  return positions;
}

std::optional<ShipperPositions> ShipperPositions::read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return parse(text.str());
}

std::uint64_t ShipperPositions::unshipped(std::uint64_t inode, std::uint64_t size) const {
  const auto it = positions_.find(inode);
  if (it == positions_.end()) return size;
  return it->second >= size ? 0 : size - it->second;
}

}  // namespace p2l
