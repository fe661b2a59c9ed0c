#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace p2l::test {

// Every line of every record file (`*.log`, `*.log.N`) in `dir`.
inline std::vector<std::string> read_all_lines(const std::filesystem::path& dir) {
  std::vector<std::string> lines;
  if (!std::filesystem::exists(dir)) return lines;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".log") == std::string::npos) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line))
      lines.push_back(line);
  }
  return lines;
}

// Total bytes in the record files: unchanged means nothing was written.
inline std::uintmax_t total_log_bytes(const std::filesystem::path& dir) {
  std::uintmax_t total = 0;
  if (!std::filesystem::exists(dir)) return total;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

// True when every record file ends with a newline (no torn last line).
inline bool all_files_end_with_newline(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.file_size() == 0) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    in.seekg(-1, std::ios::end);
    if (in.get() != '\n') return false;
  }
  return true;
}

}  // namespace p2l::test
