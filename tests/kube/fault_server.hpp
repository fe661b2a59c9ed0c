#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace p2l::kube::testing {

// One accepted connection of a FaultServer, driven by the test's script.
class ServerConnection {
 public:
  ServerConnection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}

  // The request head (request line and headers); empty when the client went away.
  std::string read_request();
  // Writes all of `bytes`; false when the client went away.
  bool send(std::string_view bytes);
  // Sends one chunk of a chunked body.
  bool send_chunk(std::string_view data);
  // Closes with a TCP reset instead of an orderly shutdown.
  void reset();
  // Orderly close (FIN) in both directions, whatever was promised.
  void finish();
  // Blocks until the client closes, the server stops, or `limit` passes.
  void hang(std::chrono::milliseconds limit = std::chrono::minutes(5));

 private:
  int fd_;
  const std::atomic<bool>& stopping_;
};

// A plain-HTTP server on 127.0.0.1 that answers each connection with a script: real
// sockets, so the client's transport meets real drops, garbage and silence.
class FaultServer {
 public:
  using Script = std::function<void(ServerConnection& connection, const std::string& request)>;

  // With `read_requests` false the script runs as soon as a connection is accepted, with an
  // empty request, for peers that do not speak plain HTTP (a TLS client hello).
  explicit FaultServer(Script script, bool read_requests = true);
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() const;  // request heads seen so far

 private:
  void accept_loop();

  Script script_;
  bool read_requests_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// A chunked 200 response head, as the API server sends for a watch.
std::string chunked_head(int status = 200);
// Open file descriptors and threads of this process, to spot leaks.
std::size_t open_fd_count();
std::size_t thread_count();

}  // namespace p2l::kube::testing
