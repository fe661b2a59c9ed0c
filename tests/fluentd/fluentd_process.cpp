#include "fluentd_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#ifndef P2L_SOURCE_DIR
#error "P2L_SOURCE_DIR must name the source tree"
#endif

namespace p2l::test {
namespace {

pid_t spawn(const std::vector<std::string>& arguments, const std::filesystem::path& output) {
  std::vector<std::string> copy = arguments;
  std::vector<char*> argv;
  for (auto& argument : copy)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (!output.empty()) {
      const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

FluentdProcess::FluentdProcess(const std::filesystem::path& config,
                               const std::filesystem::path& log_file) {
  // The Fluentd log is the output too (stdout prints to it): -o FILE. --no-supervisor keeps
  // Fluentd to this one process, so that kill -9 leaves nothing behind.
  pid_ = spawn({std::string(P2L_SOURCE_DIR) + "/scripts/fluentd/run.sh", "--no-supervisor", "-c",
                config.string()},
               log_file);
}

FluentdProcess::~FluentdProcess() {
  if (pid_ > 0) stop(SIGKILL);
}

int FluentdProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const int status = wait_status(pid_);
  pid_ = -1;
  return status;
}

int run_command(const std::vector<std::string>& argv, const std::filesystem::path& output) {
  return wait_status(spawn(argv, output));
}

}  // namespace p2l::test
