#include "fault_server.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace p2l::kube::testing {

std::string ServerConnection::read_request() {
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    pollfd waiting{fd_, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, 200);
    if (stopping_) return {};
    if (ready <= 0) continue;
    const auto got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0) return {};
    head.append(buffer, static_cast<std::size_t>(got));
  }
  // Bodies (PATCH, POST) are small in these tests: take what Content-Length promises.
  const auto length_at = head.find("Content-Length: ");
  if (length_at != std::string::npos) {
    const auto body_start = head.find("\r\n\r\n") + 4;
    const auto length = std::stoul(head.substr(length_at + 16));
    while (head.size() - body_start < length) {
      const auto got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      head.append(buffer, static_cast<std::size_t>(got));
    }
  }
  return head;
}

bool ServerConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

bool ServerConnection::send_chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return send(std::string(size) + std::string(data) + "\r\n");
}

void ServerConnection::reset() {
  linger hard{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::shutdown(fd_, SHUT_RDWR);
}

void ServerConnection::finish() {
  ::shutdown(fd_, SHUT_RDWR);
}

void ServerConnection::hang(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[1024];
  while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 100) > 0) {
      if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) return;  // the client closed
    }
  }
}

FaultServer::FaultServer(Script script, bool read_requests)
    : script_(std::move(script)), read_requests_(read_requests) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  const int on = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("bind/listen on 127.0.0.1 failed");
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultServer::~FaultServer() {
  stopping_ = true;
  acceptor_.join();
  for (auto& worker : workers_)
    worker.join();
  ::close(listen_fd_);
}

std::vector<std::string> FaultServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FaultServer::accept_loop() {
  while (!stopping_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    workers_.emplace_back([this, fd] {
      ServerConnection connection(fd, stopping_);
      if (!read_requests_) {
        script_(connection, {});
        ::close(fd);
        return;
      }
      // A kept-alive connection may carry several requests; each gets the script.
      for (;;) {
        const std::string request = connection.read_request();
        if (request.empty()) break;
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(request);
        }
        script_(connection, request);
        if (request.find("watch=true") != std::string::npos) break;
      }
      ::close(fd);
    });
  }
}

std::string chunked_head(int status) {
  return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
         "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
}

std::size_t open_fd_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

std::size_t thread_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

}  // namespace p2l::kube::testing
