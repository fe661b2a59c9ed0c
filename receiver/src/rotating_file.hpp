#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace p2l {

// An append-only log file rotated by size like Python's RotatingFileHandler:
// `x.log` -> `x.log.1` -> ... -> `x.log.N`, the oldest dropped. Lines are
// written whole with write(2) before append() returns, so a record
// acknowledged after append() survives the process being killed. A line never
// spans two files; a failed write is cut back so no partial line stays behind.
// Single-threaded: each worker owns its own file.
class RotatingFile {
 public:
  // max_bytes 0 disables rotation. `backups` >= 1.
  RotatingFile(std::filesystem::path path, std::uint64_t max_bytes, unsigned backups, bool fsync);
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  // Appends `line` (which ends in '\n'). On error nothing of it stays in the
  // file and the next call tries again from scratch (reopening if needed).
  std::error_code append(std::string_view line);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::uint64_t rotations() const { return rotations_; }

 private:
  std::error_code open();
  void close();
  std::error_code rotate();
  // Cuts the file back to `size_before` after a failed append.
  void discard_since(std::uint64_t size_before);

  std::filesystem::path path_;
  std::uint64_t max_bytes_;
  unsigned backups_;
  bool fsync_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t rotations_ = 0;
};

}  // namespace p2l
