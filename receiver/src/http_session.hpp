#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "asio.hpp"
#include "request_parser.hpp"

namespace p2l {

class Worker;

// One client connection, in the style of Beast's async HTTP server: read a
// request (header, then body, each under a deadline), let the worker's
// RequestHandler answer it, write the response, repeat while keep-alive.
// Runs on its worker's single-threaded io_context only.
//
// Deadlines are kept by one watchdog timer per connection, as in Asio's
// timeout examples: moving the deadline is a store, and the timer wakes at
// most once per deadline to look, instead of a timer being started and
// cancelled around every read and write.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, Worker& worker);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start();

  // Graceful shutdown: close now if idle between requests, else close after
  // the response to the request in flight.
  void stop_when_idle();

  // Since when the connection has waited for its next request with nothing of it received;
  // nullopt while a request is in progress.
  [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> idle_since() const;
  // Closes the connection if it is idle (to make room for a new one).
  void close_idle();

 private:
  // What the parser keeps of each request lives in a per-session arena that
  // is reset between requests, so a typical request costs no heap allocation.
  using Allocator = RequestParser::Allocator;

  static constexpr std::size_t kHeaderLimit = 16 * 1024;
  // Room for the largest header plus what one read brings with it.
  static constexpr std::size_t kReadBufferLimit = 4 * kHeaderLimit;
  // The read that waits for a request's first bytes takes up to this much.
  static constexpr std::size_t kFirstRead = 16 * 1024;
  // What a lingering close reads at most, and for how long.
  static constexpr std::size_t kLingerBytes = 8 * 1024 * 1024;
  static constexpr std::chrono::seconds kLingerTime{5};

  void read_header();
  // The first read of a request has arrived: parse the header from it.
  void parse_first_read();
  // The header's bytes have begun to arrive: parse it under the header timeout.
  void read_rest_of_header();
  void on_header(boost::beast::error_code error);
  void read_body();
  void on_body(boost::beast::error_code error);
  void on_read_error(boost::beast::error_code error);
  // Answers `status` with a JSON error and closes the connection the lingering way.
  void reject(int status, std::string_view message, std::string_view reason);
  enum class After { read_next, close, linger };
  void send(std::string_view response, After after);
  void on_sent(boost::beast::error_code error, After after);
  // After refusing a request whose body may still be on its way: stop sending, then read and
  // drop what the client still sends (bounded in bytes and time) before closing, so the
  // client reads the refusal instead of a connection reset.
  void linger_close();
  void drain(std::size_t budget);
  void close();
  // The connection must have made its next step by now + `limit`.
  void set_deadline(std::chrono::steady_clock::duration limit,
                    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  void watch();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer watchdog_;
  std::chrono::steady_clock::time_point deadline_;
  Worker& worker_;
  // Bounded: a chunk-size line or a trailer that never ends fills it and is refused, instead
  // of growing it without end (Beast 1.74's parser does not limit either itself).
  boost::beast::flat_buffer buffer_{kReadBufferLimit};
  std::array<std::byte, 8192> arena_storage_;
  std::pmr::monotonic_buffer_resource arena_{arena_storage_.data(), arena_storage_.size()};
  std::optional<RequestParser> parser_;  // after arena_: destroyed before it
  std::string response_scratch_;         // error and probe responses while being sent
  std::chrono::steady_clock::time_point request_started_;
  bool waiting_for_request_ = false;                  // reading a header with nothing received yet
  std::chrono::steady_clock::time_point idle_since_;  // when waiting_for_request_ began
  bool stopping_ = false;
};

}  // namespace p2l
