#include "shipper_backlog.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <system_error>

#include "shipper_positions.hpp"

namespace p2l {
namespace {

bool is_record_file(std::string_view name) {
  if (name.ends_with(".log")) return true;
  const auto dot_log = name.rfind(".log.");
  if (dot_log == std::string_view::npos) return false;
  const std::string_view digits = name.substr(dot_log + 5);
  return !digits.empty() &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::uint64_t unshipped_bytes(const std::filesystem::path& log_dir,
                              const std::filesystem::path& pos_file) {
  const ShipperPositions positions = ShipperPositions::read(pos_file).value_or(ShipperPositions{});
  std::uint64_t total = 0;
  std::error_code error;
  for (std::filesystem::directory_iterator it(log_dir, error), end; !error && it != end;
       it.increment(error)) {
    if (!is_record_file(it->path().filename().string())) continue;
    struct stat info {};
    if (::stat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    total += positions.unshipped(info.st_ino, static_cast<std::uint64_t>(info.st_size));
  }
  return total;
}

}  // namespace p2l
