#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace p2l {

// One rotated file `x.log.N`, as a rotation finds it.
struct BackupFile {
  unsigned index = 0;  // N
  std::uint64_t size = 0;
  // Bytes at its end the shipper has not read yet; nullopt when no shipper is tracked.
  std::optional<std::uint64_t> unshipped;
};

struct RetentionInput {
  std::vector<BackupFile> backups;          // any order
  unsigned keep = 5;                        // P2L_ROTBACKUPS: rotated files kept after the rotation
  std::optional<std::uint64_t> free_bytes;  // free space on the log volume; nullopt: unknown
  std::uint64_t min_free_bytes = 0;         // below this, unshipped files may go
};

// A rename of `x.log.from` to `x.log.to`; index 0 is the current file `x.log`.
struct BackupRename {
  unsigned from = 0;
  unsigned to = 0;
  bool operator==(const BackupRename&) const = default;
};

struct RetentionPlan {
  // Files to delete before renaming, oldest first.
  std::vector<BackupFile> remove;
  // Renames to make in this order: no rename's target exists when it is made (the files in
  // `remove` gone), and afterwards the kept files are x.log.1 ... x.log.K with no gaps, newest
  // first, the last rename being x.log -> x.log.1.
  std::vector<BackupRename> renames;
};

// What a rotation of `x.log` does with the rotated files (pure: no I/O).
//
// Without a shipper (`unshipped` nullopt) it is Python's RotatingFileHandler: the newest
// `keep - 1` backups stay and become x.log.2 ... x.log.keep, older ones are deleted.
// With a shipper, a file beyond that is deleted only once it is shipped (nothing unshipped);
// an unshipped one stays, so the chain grows while the shipper is behind.
// When the volume's free space is below `min_free_bytes`, more files go, until the free space
// plus what they free reaches it: first shipped ones, then unshipped ones, oldest first. The
// file being rotated is never deleted.
RetentionPlan plan_rotation(const RetentionInput& input);

}  // namespace p2l
