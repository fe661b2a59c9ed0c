#include "p2l/kube/token_source.hpp"

#include <fstream>
#include <sstream>

#include "p2l/kube/errors.hpp"
#include "p2l/read_file.hpp"

namespace p2l::kube {
namespace {

std::string read_token(const std::filesystem::path& file) {
  const auto text = read_file(file);
  if (!text) throw ConfigError("cannot read token file " + file.string());
  std::string token = *text;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) throw ConfigError("token file " + file.string() + " is empty");
  return token;
}

}  // namespace

TokenSource::TokenSource(std::string fixed_token) : token_(std::move(fixed_token)) {}

TokenSource::TokenSource(std::filesystem::path file, std::chrono::seconds max_age)
    : file_(std::move(file)), max_age_(max_age) {}

TokenSource::TokenSource(ExecConfig plugin) : plugin_(std::move(plugin)) {}

std::string TokenSource::current() {
  std::lock_guard lock(mutex_);
  if (plugin_) {
    // Run again a little before the token expires, not when a request already failed.
    const auto margin = std::chrono::seconds(10);
    if (!read_at_ || (expiry_ && std::chrono::system_clock::now() + margin >= *expiry_)) {
      ExecCredential credential = run_exec_plugin(*plugin_);
      token_ = std::move(credential.token);
      expiry_ = credential.expiry;
      read_at_ = std::chrono::steady_clock::now();
    }
    return token_;
  }
  if (!file_) return token_;
  const auto now = std::chrono::steady_clock::now();
  if (!read_at_ || now - *read_at_ >= max_age_) {
    token_ = read_token(*file_);
    read_at_ = now;
  }
  return token_;
}

void TokenSource::invalidate(const std::string& rejected) {
  std::lock_guard lock(mutex_);
  if (!rejected.empty() && rejected != token_) return;
  read_at_.reset();
}

}  // namespace p2l::kube
