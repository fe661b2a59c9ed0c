#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

namespace p2l::kube {

// A bearer token, either fixed or read from a file. Service-account tokens rotate, so a file
// token is read again once `max_age` has passed and whenever the server rejected it.
class TokenSource {
 public:
  explicit TokenSource(std::string fixed_token);
  TokenSource(std::filesystem::path file, std::chrono::seconds max_age);

  // Throws ConfigError when the file cannot be read or is empty.
  std::string current();
  // The server answered 401: read the file again on the next call.
  void invalidate();

  const std::optional<std::filesystem::path>& file() const { return file_; }

 private:
  std::optional<std::filesystem::path> file_;
  std::chrono::seconds max_age_{0};
  std::mutex mutex_;
  std::string token_;
  std::optional<std::chrono::steady_clock::time_point> read_at_;
};

}  // namespace p2l::kube
