#pragma once

#include <span>
#include <unordered_set>

#include <spdlog/logger.h>

#include "asio.hpp"
#include "config.hpp"
#include "metrics.hpp"
#include "readiness.hpp"
#include "request_handler.hpp"

namespace p2l {

class HttpSession;

// One receiver worker: a thread's own io_context, its own listening socket
// (SO_REUSEPORT lets the kernel spread connections over the workers), its own
// log file and metrics. Nothing on the request path is shared between
// workers, so nothing there needs a lock.
class Worker {
 public:
  Worker(const ReceiverConfig& config, unsigned index, WorkerMetrics& metrics,
         std::span<const WorkerMetrics* const> all_metrics, const Readiness& readiness,
         spdlog::logger& logger);
  // Sessions still pending in io_ unregister while the members go; none may resume
  // accepting on an acceptor that is already gone.
  ~Worker() { accept_paused_ = false; }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens the listening socket; returns the address it is bound to.
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& address);

  // The worker thread's body: serves until stopped and every connection is done.
  void run();

  // From any thread: stop accepting and close connections once their
  // request in flight is answered.
  void begin_shutdown();

  // From any thread: abandon whatever is still in flight.
  void force_stop() { io_.stop(); }

  const ReceiverConfig& config() const { return config_; }
  RequestHandler& handler() { return handler_; }
  WorkerMetrics& metrics() { return metrics_; }
  spdlog::logger& logger() { return logger_; }
  void add_session(HttpSession* session) { sessions_.insert(session); }
  // A session going away frees a place: accepting resumes if it paused at the cap.
  void remove_session(HttpSession* session);

 private:
  // Accepts the next connection. At P2L_MAX_CONNECTIONS it first waits for one to arrive,
  // then closes the longest-idle connection to make room, or pauses (no accept errors, no
  // spinning) until a session ends when every connection is busy with a request.
  void accept();
  void accept_now();
  // Closes the session that has waited longest for its next request; false when none waits.
  bool close_longest_idle();

  const ReceiverConfig& config_;
  WorkerMetrics& metrics_;
  spdlog::logger& logger_;
  RequestHandler handler_;
  // Before io_, so they outlive it: destroying io_ destroys the handlers still pending after
  // force_stop(), and with them sessions that unregister here.
  std::unordered_set<HttpSession*> sessions_;
  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  boost::asio::steady_timer accept_retry_{io_};
  bool accept_paused_ = false;
};

}  // namespace p2l
