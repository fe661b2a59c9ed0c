#include "control_plane.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "p2l/kube/cpprest_transport.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/kube/kubeconfig.hpp"

extern char** environ;

namespace p2l::kube::testing {
namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool process_alive(int pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  const auto close_paren = stat.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < stat.size() &&
         stat[close_paren + 2] != 'Z';
}

}  // namespace

spdlog::logger& integration_logger() {
  static auto logger = [] {
    auto created = spdlog::stderr_color_mt("kube-integration");
    created->set_level(spdlog::level::info);
    return created;
  }();
  return *logger;
}

ControlPlane& ControlPlane::instance() {
  static ControlPlane* plane = [] {
    const char* dir = std::getenv("P2L_TEST_KUBE_DIR");
    if (dir == nullptr || *dir == '\0') {
      throw std::runtime_error(
          "P2L_TEST_KUBE_DIR is not set: run these tests through ctest, whose fixture starts "
          "the control plane");
    }
    if (!std::filesystem::exists(std::filesystem::path(dir) / "kubeconfig")) {
      throw std::runtime_error(std::string("no kubeconfig in ") + dir +
                               ": the control-plane fixture did not start");
    }
    return new ControlPlane(dir);
  }();
  return *plane;
}

ControlPlane::ControlPlane(std::filesystem::path dir) : dir_(std::move(dir)) {}

Client ControlPlane::make_client() const {
  Connection connection = load_kubeconfig({kubeconfig()});
  auto transport = make_cpprest_transport(connection, integration_logger());
  return Client(std::move(connection), std::move(transport), integration_logger());
}

int ControlPlane::apiserver_pid() const {
  const std::string text = read_text(dir_ / "pids" / "kube-apiserver.pid");
  if (text.empty()) throw std::runtime_error("no kube-apiserver.pid in " + dir_.string());
  return std::stoi(text);
}

void ControlPlane::kill_apiserver() {
  const int pid = apiserver_pid();
  // The exact argv, to start the same server again.
  const std::string cmdline = read_text("/proc/" + std::to_string(pid) + "/cmdline");
  apiserver_command_.clear();
  std::string::size_type start = 0;
  while (start < cmdline.size()) {
    const auto end = cmdline.find('\0', start);
    apiserver_command_.push_back(cmdline.substr(start, end - start));
    start = end == std::string::npos ? cmdline.size() : end + 1;
  }
  if (apiserver_command_.empty()) throw std::runtime_error("cannot read the API server's argv");
  if (::kill(pid, SIGKILL) != 0) throw std::runtime_error("kill -9 kube-apiserver failed");
  for (int i = 0; i < 200 && process_alive(pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (process_alive(pid)) throw std::runtime_error("kube-apiserver survived kill -9");
}

void ControlPlane::start_apiserver() {
  if (apiserver_command_.empty()) throw std::runtime_error("start_apiserver before kill");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (dir_ / "logs" / "kube-apiserver.log").string();
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // setsid, as control-plane.sh does, so the server outlives this test process.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  std::vector<char*> argv;
  for (auto& argument : apiserver_command_)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int failed = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) throw std::runtime_error("cannot start kube-apiserver again");
  std::ofstream(dir_ / "pids" / "kube-apiserver.pid", std::ios::trunc) << pid << "\n";
}

void ControlPlane::wait_apiserver_ready(std::chrono::seconds limit) const {
  Client client = make_client();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      Request request{.method = "GET", .target = "/readyz"};
      request.timeout = std::chrono::seconds(5);
      if (client.send(request).body == "ok") return;
    } catch (const TransportError&) {
      // Not listening yet.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  throw std::runtime_error("kube-apiserver not ready after restart; see " +
                           (dir_ / "logs" / "kube-apiserver.log").string());
}

ScopedNamespace::ScopedNamespace(Client& client, const std::string& prefix) : client_(client) {
  static std::mt19937 random(std::random_device{}());
  name_ = prefix + "-" + std::to_string(random() % 1000000);
  client_.create("/api/v1/namespaces",
                 {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name_}}}});
  // kube-controller-manager adds the kube-root-ca.crt ConfigMap to every new
  // namespace in its own time; a test that lists or watches ConfigMaps before
  // it lands would see it as a surprise event. Hand the test a settled namespace.
  const std::string root_ca = "/api/v1/namespaces/" + name_ + "/configmaps/kube-root-ca.crt";
  if (!eventually([&] { return client_.find(root_ca).has_value(); })) {
    throw std::runtime_error("namespace " + name_ + " never got kube-root-ca.crt: " +
                             "is kube-controller-manager running?");
  }
}

ScopedNamespace::~ScopedNamespace() {
  try {
    client_.remove("/api/v1/namespaces/" + name_);
  } catch (const std::exception& error) {
    integration_logger().warn("cannot delete namespace {}: {}", name_, error.what());
  }
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

}  // namespace p2l::kube::testing
