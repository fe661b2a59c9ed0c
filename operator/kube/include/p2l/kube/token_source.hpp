#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "p2l/kube/exec_credential.hpp"

namespace p2l::kube {

// A bearer token: fixed, read from a file, or printed by a credential plugin. Service-account
// tokens rotate, so a file token is read again once `max_age` has passed; a plugin's token is
// kept until its expirationTimestamp. Either is fetched again whenever the server rejects it.
class TokenSource {
 public:
  explicit TokenSource(std::string fixed_token);
  TokenSource(std::filesystem::path file, std::chrono::seconds max_age);
  explicit TokenSource(ExecConfig plugin);

  // Throws ConfigError when the file cannot be read or is empty, or the plugin fails.
  std::string current();
  // The server answered 401 to `rejected`: read the file or run the plugin again on the next
  // call, unless another request has fetched a new token since (several requests fail
  // together when a token expires; the plugin runs once for them).
  void invalidate(const std::string& rejected = {});
  // Whether invalidate() can give another token (a file or a plugin, not a fixed token).
  [[nodiscard]] bool refreshable() const { return file_.has_value() || plugin_.has_value(); }

  const std::optional<std::filesystem::path>& file() const { return file_; }

 private:
  std::optional<std::filesystem::path> file_;
  std::optional<ExecConfig> plugin_;
  std::optional<std::chrono::system_clock::time_point> expiry_;  // of the plugin's token
  std::chrono::seconds max_age_{0};
  std::mutex mutex_;
  std::string token_;
  std::optional<std::chrono::steady_clock::time_point> read_at_;
};

}  // namespace p2l::kube
