#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace p2l {

// One rotated file `x.log.N`, as a rotation finds it.
struct BackupFile {
  unsigned index = 0;  // N
  std::uint64_t size = 0;
  std::uint64_t inode = 0;  // not used by the plan; for whoever carries it out
  // Bytes at its end the shipper has not read yet; nullopt when no shipper is tracked.
  std::optional<std::uint64_t> unshipped;
};

// A file that left the chain while the shipper still listed its inode: kept (in the log
// directory's `.shipped/`) until the shipper lets go of it, so that a new log file cannot get
// its inode and be taken for it. The shipper (Fluentd's in_tail with follow_inodes) knows
// files by inode: it would skip a new file's first bytes up to the old file's position.
struct RetiredFile {
  std::string name;
  std::uint64_t size = 0;
  bool listed = false;  // the shipper's position file still lists its inode
};

struct RetentionInput {
  std::vector<BackupFile> backups;  // any order
  std::vector<RetiredFile> retired;
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
  // Files that leave the chain before the renames, oldest first: deleted without a shipper;
  // with one, moved to `.shipped/` (and emptied first when they are unshipped: the volume is
  // short of space).
  std::vector<BackupFile> remove;
  // Short of space: the files in `remove` are emptied before they are moved.
  bool empty_removed = false;
  // Retired files the shipper no longer lists: deleted.
  std::vector<std::string> delete_retired;
  // Retired files still listed, emptied because the volume is short of space.
  std::vector<std::string> truncate_retired;
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
// plus what they free reaches it: first retired ones, then shipped ones, then unshipped ones,
// oldest first. The file being rotated never goes.
RetentionPlan plan_rotation(const RetentionInput& input);

}  // namespace p2l
