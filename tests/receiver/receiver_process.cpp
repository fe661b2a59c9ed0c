#include "receiver_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#ifndef P2L_RECEIVER_BIN
#error "P2L_RECEIVER_BIN must name the receiver binary"
#endif

namespace p2l::test {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Forks and execs the receiver with exactly `env` (plus PATH), stderr and
// stdout to `output`.
pid_t spawn(const std::map<std::string, std::string>& env, const std::filesystem::path& output) {
  std::vector<std::string> entries = {"PATH=/usr/bin:/bin"};
  for (const auto& [name, value] : env)
    entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : entries)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string binary = P2L_RECEIVER_BIN;
  char* argv[] = {binary.data(), nullptr};

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execve(binary.c_str(), argv, envp.data());
    ::_exit(127);
  }
  return pid;
}

std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t result = ::waitpid(pid, &status, WNOHANG);
    if (result == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

ReceiverProcess::ReceiverProcess(const std::filesystem::path& log_dir,
                                 const std::map<std::string, std::string>& env)
    : stderr_path_(log_dir.parent_path() / (log_dir.filename().string() + ".receiver-output")) {
  std::map<std::string, std::string> full_env = {{"P2L_HOST", "127.0.0.1"},
                                                 {"P2L_PORT", "0"},
                                                 {"P2L_LOG_DIR", log_dir.string()},
                                                 {"P2L_LOGLEVEL", "info"},
                                                 {"POD_NAME", "demo-0-7bcd9d6cdf-7jmsd"},
                                                 {"NODE_NAME", "node-a"}};
  for (const auto& [name, value] : env)
    full_env[name] = value;
  // Empty it first so a previous run's "listening" line cannot be mistaken for ours.
  std::ofstream(stderr_path_, std::ios::trunc).close();
  pid_ = spawn(full_env, stderr_path_);

  const std::regex listening(R"re("msg":"listening".*"port":(\d+))re");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string output = read_file(stderr_path_);
    if (std::regex_search(output, match, listening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(match[1].str()));
      return;
    }
    if (const auto status = wait_for(pid_, std::chrono::milliseconds(20))) {
      pid_ = -1;
      throw std::runtime_error("the receiver exited with " + std::to_string(*status) +
                               " before listening:\n" + read_file(stderr_path_));
    }
  }
  ::kill(pid_, SIGKILL);
  wait_for(pid_, std::chrono::seconds(5));
  pid_ = -1;
  throw std::runtime_error("the receiver did not start listening:\n" + read_file(stderr_path_));
}

ReceiverProcess::~ReceiverProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_for(pid_, std::chrono::seconds(5));
  }
}

int ReceiverProcess::stop(int signal, std::chrono::seconds timeout) {
  if (pid_ <= 0) throw std::logic_error("the receiver is not running");
  ::kill(pid_, signal);
  const auto status = wait_for(pid_, timeout);
  if (!status) throw std::runtime_error("the receiver did not exit after a signal");
  pid_ = -1;
  return *status;
}

std::optional<int> ReceiverProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw std::logic_error("the receiver is not running");
  const auto status = wait_for(pid_, timeout);
  if (status) pid_ = -1;
  return status;
}

std::string ReceiverProcess::log_output() const {
  return read_file(stderr_path_);
}

ExitResult run_receiver_to_exit(const std::map<std::string, std::string>& env,
                                std::chrono::seconds timeout) {
  char pattern[] = "/tmp/p2l-receiver-output-XXXXXX";
  const int fd = ::mkstemp(pattern);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  const pid_t pid = spawn(env, pattern);
  const auto status = wait_for(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    wait_for(pid, std::chrono::seconds(5));
    throw std::runtime_error("the receiver did not exit");
  }
  ExitResult result{*status, read_file(pattern)};
  std::filesystem::remove(pattern);
  return result;
}

}  // namespace p2l::test
