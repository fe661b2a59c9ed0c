#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "p2l/kube/client.hpp"

namespace p2l::kube::testing {

spdlog::logger& integration_logger();

// The control plane the CTest fixture started; its directory comes from P2L_TEST_KUBE_DIR.
class ControlPlane {
 public:
  // Fails the calling test (via exception) when the fixture did not run.
  static ControlPlane& instance();

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path kubeconfig() const { return dir_ / "kubeconfig"; }
  Client make_client() const;

  // kill -9 the API server and start it again with the same command line (same port,
  // certificates and etcd), recording the new PID where `control-plane.sh down` looks.
  void kill_apiserver();
  void start_apiserver();
  // Polls /readyz until it answers ok.
  void wait_apiserver_ready(std::chrono::seconds limit = std::chrono::seconds(180)) const;

 private:
  explicit ControlPlane(std::filesystem::path dir);
  int apiserver_pid() const;

  std::filesystem::path dir_;
  std::vector<std::string> apiserver_command_;
};

// A namespace of its own per test, deleted at the end.
class ScopedNamespace {
 public:
  ScopedNamespace(Client& client, const std::string& prefix);
  ~ScopedNamespace();
  const std::string& name() const { return name_; }

 private:
  Client& client_;
  std::string name_;
};

// Polls `condition` every 100 ms until it holds or `limit` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace p2l::kube::testing
