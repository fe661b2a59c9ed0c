#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace p2l {

// How far the shipper (Fluentd's in_tail) has read each file, from its position file:
// one line per file, `path<TAB>position<TAB>inode`, both numbers 16 hex digits. With
// `follow_inodes` a file is known by its inode (the path is where it was first seen), which
// stays the same across the receiver's renames, so that is the key here.
class ShipperPositions {
 public:
  // in_tail's marker for a file it stopped watching: no position.
  static constexpr std::uint64_t kUnwatched = 0xffffffffffffffffULL;

  // Parses a position file's text. Lines that do not parse (a write in progress, a
  // compaction) are skipped: a file without an entry counts as unshipped, the safe side.
  // For an inode listed twice the last entry wins, as in in_tail.
  static ShipperPositions parse(std::string_view text);

  // Reads and parses the file at `path`; nullopt when it cannot be read (it does not exist
  // yet before the shipper's first start).
  static std::optional<ShipperPositions> read(const std::filesystem::path& path);

  // Bytes at the end of a file of `size` bytes and inode `inode` that the shipper has not
  // read: all of it without an entry.
  [[nodiscard]] std::uint64_t unshipped(std::uint64_t inode, std::uint64_t size) const;

  // Whether the shipper has an entry (a position) for the file of inode `inode`.
  [[nodiscard]] bool lists(std::uint64_t inode) const { return positions_.contains(inode); }

  [[nodiscard]] std::size_t size() const { return positions_.size(); }

 private:
  std::unordered_map<std::uint64_t, std::uint64_t> positions_;  // inode -> position
};

}  // namespace p2l
