#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "asio.hpp"

namespace p2l {

class Worker;

// One client connection, in the style of Beast's async HTTP server: read a
// request (header, then body, each under a deadline), let the worker's
// RequestHandler answer it, write the response, repeat while keep-alive.
// Runs on its worker's single-threaded io_context only.
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

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void read_header();
  void on_header(boost::beast::error_code error);
  void read_body();
  void on_body(boost::beast::error_code error);
  void on_read_error(boost::beast::error_code error);
  void send(std::string_view response, bool close_after);
  void on_sent(boost::beast::error_code error, bool close_after);
  void close();

  boost::beast::tcp_stream stream_;
  Worker& worker_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::string response_scratch_;  // error and probe responses while being sent
  std::chrono::steady_clock::time_point request_started_;
  bool waiting_for_request_ = false;  // reading a header with nothing received yet
  bool stopping_ = false;
};

}  // namespace p2l
