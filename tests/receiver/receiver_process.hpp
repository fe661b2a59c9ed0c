#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace p2l::test {

// The real post2log-receiver binary, started as a child process on a free
// loopback port with the given environment. The constructor returns once it
// logged that it listens (or throws with its stderr).
class ReceiverProcess {
 public:
  ReceiverProcess(const std::filesystem::path& log_dir,
                  const std::map<std::string, std::string>& env = {});
  ~ReceiverProcess();
  ReceiverProcess(const ReceiverProcess&) = delete;
  ReceiverProcess& operator=(const ReceiverProcess&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  // Sends `signal` and waits for the exit; returns the exit status, or
  // 128+signal when it died of a signal.
  int stop(int signal, std::chrono::seconds timeout = std::chrono::seconds(30));

  // Waits for the process to exit on its own.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  [[nodiscard]] std::string log_output() const;

 private:
  std::filesystem::path stderr_path_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// Runs the receiver binary to completion (for configuration errors).
struct ExitResult {
  int status;
  std::string output;
};
ExitResult run_receiver_to_exit(const std::map<std::string, std::string>& env,
                                std::chrono::seconds timeout);

}  // namespace p2l::test
