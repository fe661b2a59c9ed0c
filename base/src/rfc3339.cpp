#include "p2l/rfc3339.hpp"

#include <cstdio>
#include <ctime>

namespace p2l {

std::string format_rfc3339(std::chrono::system_clock::time_point time, SubSecond precision) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const std::time_t as_time_t = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&as_time_t, &utc);
  char text[48];
  std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time - seconds).count();
  int added = 0;
  if (precision == SubSecond::millis) {
    added = std::snprintf(text + length, sizeof text - length, ".%03d",
                          static_cast<int>(micros / 1000));
  } else if (precision == SubSecond::micros) {
    added = std::snprintf(text + length, sizeof text - length, ".%06d", static_cast<int>(micros));
  }
  length += static_cast<std::size_t>(added > 0 ? added : 0);
  return std::string(text, length) + "Z";
}

}  // namespace p2l
