#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace p2l {

// An append-only log file rotated by size like Python's RotatingFileHandler:
// `x.log` -> `x.log.1` -> ... -> `x.log.N`, the oldest dropped. Lines are
// written whole with write(2) before append() returns, so a record
// acknowledged after append() survives the process being killed. A line never
// spans two files; a failed write is cut back so no partial line stays behind.
// Single-threaded: each worker owns its own file.
//
// With a shipper's position file (ShipperRetention), a rotated file is deleted only once the
// shipper has read it to its end, or when free space on the volume falls below
// `min_free_bytes` (see plan_rotation). Those unshipped files that go are reported by
// take_dropped().
struct ShipperRetention {
  std::filesystem::path pos_file;  // empty: no shipper tracked
  std::uint64_t min_free_bytes = 0;
};

// An unshipped file deleted to keep the volume from filling up.
struct DroppedFile {
  std::filesystem::path path;
  std::uint64_t bytes = 0;  // the part the shipper had not read
  std::uint64_t lines = 0;  // lines in that part
};

class RotatingFile {
 public:
  // max_bytes 0 disables rotation. `backups` >= 1.
  RotatingFile(std::filesystem::path path, std::uint64_t max_bytes, unsigned backups, bool fsync,
               ShipperRetention retention = {});
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  // Appends `line` (which ends in '\n'). On error nothing of it stays in the
  // file and the next call tries again from scratch (reopening if needed).
  std::error_code append(std::string_view line);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::uint64_t rotations() const { return rotations_; }

  // The unshipped files deleted since the last call.
  std::vector<DroppedFile> take_dropped() { return std::exchange(dropped_, {}); }
  // Whether the last rotation could read the shipper's position file (nullopt: no shipper
  // tracked, or no rotation yet).
  [[nodiscard]] std::optional<bool> positions_readable() const { return positions_readable_; }

 private:
  std::error_code open();
  void close();
  std::error_code rotate();
  // Deletes and renames the rotated files as plan_rotation says.
  std::error_code rotate_backups();
  // Cuts the file back to `size_before` after a failed append.
  void discard_since(std::uint64_t size_before);

  std::filesystem::path path_;
  std::uint64_t max_bytes_;
  unsigned backups_;
  bool fsync_;
  ShipperRetention retention_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t rotations_ = 0;
  std::vector<DroppedFile> dropped_;
  std::optional<bool> positions_readable_;
};

}  // namespace p2l
