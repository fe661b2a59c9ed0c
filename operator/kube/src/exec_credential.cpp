#include "p2l/kube/exec_credential.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>

#include "p2l/kube/errors.hpp"

extern char** environ;

namespace p2l::kube {
namespace {

using nlohmann::json;

// The child's environment: ours, then the plugin's own variables, then the exec info.
std::vector<std::string> plugin_environment(const ExecConfig& config) {
  std::map<std::string, std::string> values;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) values[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : config.env)
    values[name] = value;
  values["KUBERNETES_EXEC_INFO"] = json{
      {"apiVersion", config.api_version},
      {"kind", "ExecCredential"},
      {"spec",
       {{"interactive", false}}}}.dump();
  std::vector<std::string> result;
  for (const auto& [name, value] : values)
    result.push_back(name + "=" + value);
  return result;
}

std::string describe_command(const ExecConfig& config) {
  std::string text = config.command;
  for (const std::string& arg : config.args)
    text += " " + arg;
  return text;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm parts{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (rest == nullptr) return std::nullopt;
  if (*rest == '.') {  // fraction of a second: whole seconds are enough for an expiry
    ++rest;
    while (*rest >= '0' && *rest <= '9')
      ++rest;
  }
  long offset_seconds = 0;
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hours = 0;
    int minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset_seconds = (*rest == '+' ? 1 : -1) * (hours * 3600L + minutes * 60L);
    rest += 6;
  } else {
    return std::nullopt;
  }
  if (*rest != '\0') return std::nullopt;
  const std::time_t utc = timegm(&parts) - offset_seconds;
  return std::chrono::system_clock::from_time_t(utc);
}

ExecCredential parse_exec_credential(const json& document, const std::string& api_version) {
  if (!document.is_object() || document.value("kind", "") != "ExecCredential") {
    throw ConfigError("it printed no ExecCredential object");
  }
  if (document.value("apiVersion", "") != api_version) {
    throw ConfigError("it printed apiVersion " + document.value("apiVersion", "(none)") +
                      ", the kubeconfig asks for " + api_version);
  }
  const json status = document.value("status", json::object());
  ExecCredential credential;
  credential.token = status.is_object() ? status.value("token", "") : "";
  if (credential.token.empty()) {
    throw ConfigError(
        "its ExecCredential has no status.token (client certificates from credential plugins "
        "are not supported)");
  }
  if (status.contains("expirationTimestamp") && status["expirationTimestamp"].is_string()) {
    credential.expiry = parse_rfc3339(status["expirationTimestamp"].get<std::string>());
    if (!credential.expiry) throw ConfigError("its status.expirationTimestamp is not RFC 3339");
  }
  return credential;
}

ExecCredential run_exec_plugin(const ExecConfig& config, std::chrono::seconds timeout) {
  const std::string where = "credential plugin \"" + describe_command(config) + "\": ";
  if (config.interactive_mode == "Always") {
    throw ConfigError(where + "interactiveMode Always needs a terminal, and the operator has none");
  }
  int pipe_ends[2];
  if (::pipe(pipe_ends) != 0) throw ConfigError(where + "pipe: " + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_ends[0]);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  std::vector<std::string> argv_text{config.command};
  argv_text.insert(argv_text.end(), config.args.begin(), config.args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = plugin_environment(config);
  std::vector<char*> envp;
  for (std::string& entry : env_text)
    envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int spawned =
      posix_spawnp(&pid, config.command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_ends[1]);
  if (spawned != 0) {
    ::close(pipe_ends[0]);
    std::string message = where + "cannot run it: " + std::strerror(spawned);
    if (!config.install_hint.empty()) message += "; " + config.install_hint;
    throw ConfigError(message);
  }

  // Read everything it prints, within the timeout.
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd descriptor{pipe_ends[0], POLLIN, 0};
    const int ready = ::poll(&descriptor, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    char chunk[4096];
    const ssize_t read = ::read(pipe_ends[0], chunk, sizeof chunk);
    if (read < 0 && errno == EINTR) continue;
    if (read <= 0) break;
    output.append(chunk, static_cast<std::size_t>(read));
  }
  ::close(pipe_ends[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    throw ConfigError(where + "no answer within " + std::to_string(timeout.count()) + " s");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string message = where + "it failed (" +
                          (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                             : "killed by a signal") +
                          ")";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !config.install_hint.empty()) {
      message += "; " + config.install_hint;
    }
    throw ConfigError(message);
  }
  try {
    return parse_exec_credential(json::parse(output), config.api_version);
  } catch (const json::exception&) {
    throw ConfigError(where + "it printed no JSON");
  } catch (const ConfigError& error) {
    throw ConfigError(where + error.what());
  }
}

}  // namespace p2l::kube
