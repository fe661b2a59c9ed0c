#include "rotating_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <string>
#include <utility>

#include "retention_plan.hpp"
#include "shipper_positions.hpp"

namespace p2l {
namespace {

std::error_code last_error() {
  return {errno, std::system_category()};
}

std::filesystem::path backup_path(const std::filesystem::path& path, unsigned index) {
  std::string name = path.string();
  name += '.';
  name += std::to_string(index);
  return name;
}

// Where files that left the chain wait until the shipper lets go of their inodes (see
// RetiredFile): a hidden directory, outside any `*.log` or `*.log.*` glob.
constexpr const char* kRetiredDir = ".shipped";

// The N of `x.log.N` for a directory entry named `name`, when it is one of `base`'s backups.
std::optional<unsigned> backup_index(std::string_view name, std::string_view base) {
  if (name.size() <= base.size() + 1 || !name.starts_with(base) || name[base.size()] != '.') {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(base.size() + 1);
  if (digits.front() == '0') return std::nullopt;
  unsigned index = 0;
  const auto [ptr, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (error != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
  return index;
}

// Newlines in `path` from byte `offset` to its end.
std::uint64_t count_lines_from(const std::filesystem::path& path, std::uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::array<char, 65536> buffer{};
  std::uint64_t lines = 0;
  auto position = static_cast<off_t>(offset);
  while (true) {
    const ssize_t result = ::pread(fd, buffer.data(), buffer.size(), position);
    if (result < 0 && errno == EINTR) continue;
    if (result <= 0) break;
    lines += static_cast<std::uint64_t>(std::count(buffer.data(), buffer.data() + result, '\n'));
    position += result;
  }
  ::close(fd);
  return lines;
}

std::optional<std::uint64_t> free_bytes_of(const std::filesystem::path& dir) {
  struct statvfs stats {};
  if (::statvfs(dir.c_str(), &stats) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(stats.f_bavail) * static_cast<std::uint64_t>(stats.f_frsize);
}

}  // namespace

RotatingFile::RotatingFile(std::filesystem::path path, std::uint64_t max_bytes, unsigned backups,
                           bool fsync, ShipperRetention retention)
    : path_(std::move(path)),
      max_bytes_(max_bytes),
      backups_(backups),
      fsync_(fsync),
      retention_(std::move(retention)) {
  // A failure here is not fatal: the first append retries and reports it.
  (void)open();
}

RotatingFile::~RotatingFile() {
  close();
}

std::error_code RotatingFile::open() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return last_error();
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const auto error = last_error();
    close();
    return error;
  }
  size_ = static_cast<std::uint64_t>(info.st_size);
  return {};
}

void RotatingFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::error_code RotatingFile::rotate_backups() {
  const bool tracked = !retention_.pos_file.empty();
  std::optional<ShipperPositions> positions;
  if (tracked) {
    positions = ShipperPositions::read(retention_.pos_file);
    positions_readable_ = positions.has_value();
    // Not readable (the shipper has not started yet): nothing counts as shipped.
    if (!positions) positions.emplace();
  }

  RetentionInput input;
  input.keep = backups_;
  input.min_free_bytes = retention_.min_free_bytes;
  const std::filesystem::path dir = path_.parent_path().empty() ? "." : path_.parent_path();
  if (tracked) input.free_bytes = free_bytes_of(dir);
  const std::string base = path_.filename().string();
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    const auto index = backup_index(it->path().filename().string(), base);
    if (!index) continue;
    struct stat info {};
    if (::stat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    BackupFile file{.index = *index,
                    .size = static_cast<std::uint64_t>(info.st_size),
                    .inode = static_cast<std::uint64_t>(info.st_ino)};
    if (tracked) file.unshipped = positions->unshipped(info.st_ino, file.size);
    input.backups.push_back(file);
  }
  if (error) return error;

  const std::filesystem::path retired_dir = dir / kRetiredDir;
  if (tracked) {
    for (std::filesystem::directory_iterator it(retired_dir, error), end; !error && it != end;
         it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (!name.starts_with(base + ".")) continue;
      struct stat info {};
      if (::stat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
      input.retired.push_back({.name = name,
                               .size = static_cast<std::uint64_t>(info.st_size),
                               .listed = positions->lists(info.st_ino)});
    }
    error.clear();  // no such directory yet
  }

  const RetentionPlan plan = plan_rotation(input);
  for (const std::string& name : plan.delete_retired) {
    if (::unlink((retired_dir / name).c_str()) != 0 && errno != ENOENT) return last_error();
  }
  for (const std::string& name : plan.truncate_retired) {
    if (::truncate((retired_dir / name).c_str(), 0) != 0 && errno != ENOENT) return last_error();
  }
  for (const BackupFile& file : plan.remove) {
    const std::filesystem::path victim = backup_path(path_, file.index);
    if (!tracked) {
      if (::unlink(victim.c_str()) != 0 && errno != ENOENT) return last_error();
      continue;
    }
    DroppedFile dropped;
    if (file.unshipped && *file.unshipped > 0) {
      dropped = {victim, *file.unshipped, count_lines_from(victim, file.size - *file.unshipped)};
    }
    if (plan.empty_removed && ::truncate(victim.c_str(), 0) != 0 && errno != ENOENT) {
      return last_error();
    }
    if (dropped.bytes > 0) dropped_.push_back(std::move(dropped));
    // Kept, under a name outside the shipper's glob, until the shipper lets go of its inode.
    if (::mkdir(retired_dir.c_str(), 0755) != 0 && errno != EEXIST) return last_error();
    const std::filesystem::path retired = retired_dir / (base + "." + std::to_string(file.inode));
    if (::rename(victim.c_str(), retired.c_str()) != 0 && errno != ENOENT) return last_error();
  }
  for (const BackupRename& rename : plan.renames) {
    const std::filesystem::path from = rename.from == 0 ? path_ : backup_path(path_, rename.from);
    if (::rename(from.c_str(), backup_path(path_, rename.to).c_str()) != 0 &&
        (errno != ENOENT || rename.from == 0)) {
      return last_error();
    }
  }
  return {};
}

std::error_code RotatingFile::rotate() {
  if (auto error = rotate_backups()) return error;
  close();
  ++rotations_;
  return open();
}

void RotatingFile::discard_since(std::uint64_t size_before) {
  if (size_ == size_before) return;
  if (::ftruncate(fd_, static_cast<off_t>(size_before)) == 0) {
    size_ = size_before;
  } else {
    close();  // the next open() re-reads the real size
  }
}

std::error_code RotatingFile::append(std::string_view line) {
  if (fd_ < 0) {
    if (auto error = open()) return error;
  }
  if (max_bytes_ > 0 && size_ > 0 && size_ + line.size() > max_bytes_) {
    if (auto error = rotate()) return error;
  }

  const std::uint64_t size_before = size_;
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t result = ::write(fd_, line.data() + written, line.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      const auto error = last_error();
      // Cut back a partial line so the file holds whole records only. If even
      // that fails, reopen: the next open() re-reads the real size.
      discard_since(size_before);
      return error;
    }
    written += static_cast<std::size_t>(result);
    size_ += static_cast<std::uint64_t>(result);
  }
  if (fsync_ && ::fdatasync(fd_) != 0) {
    const auto error = last_error();
    discard_since(size_before);
    return error;
  }
  return {};
}

}  // namespace p2l
