#include "worker.hpp"

#include <sys/socket.h>

#include <memory>
#include <vector>

#include "http_session.hpp"
#include "p2l/json_log.hpp"

namespace p2l {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

Worker::Worker(const ReceiverConfig& config, unsigned index, WorkerMetrics& metrics,
               std::span<const WorkerMetrics* const> all_metrics, const Readiness& readiness,
               spdlog::logger& logger)
    : config_(config),
      metrics_(metrics),
      logger_(logger),
      handler_(config, index, metrics, all_metrics, readiness, logger) {}

tcp::endpoint Worker::listen(const tcp::endpoint& address) {
  acceptor_.open(address.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.set_option(ReusePort(true));
  acceptor_.bind(address);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  accept();
  return acceptor_.local_endpoint();
}

void Worker::run() {
  io_.run();
}

void Worker::accept() {
  if (!acceptor_.is_open()) return;
  if (sessions_.size() < config_.max_connections) {
    accept_now();
    return;
  }
  acceptor_.async_wait(tcp::acceptor::wait_read, [this](boost::system::error_code error) {
    if (error || !acceptor_.is_open()) return;
    // The closed session leaves once its handlers have run: accept without counting again.
    if (sessions_.size() < config_.max_connections || close_longest_idle()) {
      accept_now();
      return;
    }
    accept_paused_ = true;
    log_json(logger_, spdlog::level::debug, "connection limit reached, accepting paused",
             {{"connections", sessions_.size()}});
  });
}

void Worker::accept_now() {
  acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (error) {
      // Out of file descriptors or similar: back off instead of spinning.
      log_json(logger_, spdlog::level::warn, "accept failed", {{"error", error.message()}});
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](boost::system::error_code wait_error) {
        if (!wait_error) accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<HttpSession>(std::move(socket), *this)->start();
    accept();
  });
}

bool Worker::close_longest_idle() {
  HttpSession* longest = nullptr;
  std::chrono::steady_clock::time_point since;
  for (HttpSession* session : sessions_) {
    const auto idle = session->idle_since();
    if (idle && (longest == nullptr || *idle < since)) {
      longest = session;
      since = *idle;
    }
  }
  if (longest == nullptr) return false;
  longest->close_idle();
  return true;
}

void Worker::remove_session(HttpSession* session) {
  sessions_.erase(session);
  if (accept_paused_ && sessions_.size() < config_.max_connections) {
    accept_paused_ = false;
    accept();
  }
}

void Worker::begin_shutdown() {
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    accept_paused_ = false;  // a session that ends now must not start accepting again
    acceptor_.close(ignored);
    accept_retry_.cancel();
    // stop_when_idle may end a session, which removes it from sessions_.
    const std::vector<HttpSession*> sessions(sessions_.begin(), sessions_.end());
    for (HttpSession* session : sessions)
      session->stop_when_idle();
  });
}

}  // namespace p2l
