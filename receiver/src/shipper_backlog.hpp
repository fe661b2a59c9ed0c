#pragma once

#include <cstdint>
#include <filesystem>

namespace p2l {

// The backlog: bytes of the record files in `log_dir` (`*.log`, `*.log.N`) that the shipper
// has not read yet according to its position file `pos_file` (all of them while that file
// cannot be read). Reads the directory and the position file: for /metrics, not the request
// path.
std::uint64_t unshipped_bytes(const std::filesystem::path& log_dir,
                              const std::filesystem::path& pos_file);

}  // namespace p2l
