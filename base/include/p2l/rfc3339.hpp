#pragma once

#include <chrono>
#include <string>

namespace p2l {

// How much of the second an RFC 3339 time shows.
enum class SubSecond { none, millis, micros };

// UTC in RFC 3339 with a Z: 2026-01-01T12:00:00Z, .123Z or .123456Z. Conditions carry whole
// seconds, log lines milliseconds, Events' MicroTime microseconds.
[[nodiscard]] std::string format_rfc3339(std::chrono::system_clock::time_point time,
                                         SubSecond precision = SubSecond::none);

}  // namespace p2l
