#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace p2l::test {

// A real Fluentd (scripts/fluentd/run.sh, one process: --no-supervisor) running `config`;
// its log, and with it what a stdout output prints, goes to `log_file` (appended to, so a
// restarted Fluentd adds to the same file).
class FluentdProcess {
 public:
  FluentdProcess(const std::filesystem::path& config, const std::filesystem::path& log_file);
  ~FluentdProcess();
  FluentdProcess(const FluentdProcess&) = delete;
  FluentdProcess& operator=(const FluentdProcess&) = delete;

  // Sends `signal` and waits for the exit; returns the wait status as 128+signal or the code.
  int stop(int signal);
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Runs COMMAND (argv) to completion, its stdout and stderr appended to `output`; returns its
// exit code (128+signal when killed).
int run_command(const std::vector<std::string>& argv, const std::filesystem::path& output);

}  // namespace p2l::test
