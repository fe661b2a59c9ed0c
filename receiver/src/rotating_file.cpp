#include "rotating_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

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

}  // namespace

RotatingFile::RotatingFile(std::filesystem::path path, std::uint64_t max_bytes, unsigned backups,
                           bool fsync)
    : path_(std::move(path)), max_bytes_(max_bytes), backups_(backups), fsync_(fsync) {
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

std::error_code RotatingFile::rotate() {
  for (unsigned index = backups_; index > 1; --index) {
    if (::rename(backup_path(path_, index - 1).c_str(), backup_path(path_, index).c_str()) != 0 &&
        errno != ENOENT) {
      return last_error();
    }
  }
  if (::rename(path_.c_str(), backup_path(path_, 1).c_str()) != 0) return last_error();
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
