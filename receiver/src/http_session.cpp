#include "http_session.hpp"

#include <boost/beast/core/string.hpp>

#include "p2l/json_log.hpp"
#include "worker.hpp"

namespace p2l {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, Worker& worker)
    : socket_(std::move(socket)), watchdog_(socket_.get_executor()), worker_(worker) {
  worker_.add_session(this);
}

HttpSession::~HttpSession() {
  worker_.remove_session(this);
}

void HttpSession::start() {
  // send() tries to write a response at once and must not block when the socket is full.
  beast::error_code ignored;
  socket_.non_blocking(true, ignored);
  read_header();
  watch();
}

void HttpSession::set_deadline(std::chrono::steady_clock::duration limit,
                               std::chrono::steady_clock::time_point now) {
  deadline_ = now + limit;
  // The watchdog sleeps until the deadline it last saw. A later deadline it
  // finds when it wakes; an earlier one (the request timeout after the longer
  // keep-alive wait) must wake it sooner.
  if (deadline_ < watchdog_.expiry()) watch();
}

void HttpSession::watch() {
  watchdog_.expires_at(deadline_);  // replaces a pending wait, which ends as aborted
  watchdog_.async_wait([self = shared_from_this()](beast::error_code error) {
    // Aborted: re-armed by watch() or stopped by close().
    if (error || !self->socket_.is_open()) return;
    if (std::chrono::steady_clock::now() < self->deadline_) {
      self->watch();  // the deadline moved on since the timer was set
      return;
    }
    // Too slow or idle too long: the read or write in flight ends with an error.
    self->close();
  });
}

void HttpSession::stop_when_idle() {
  stopping_ = true;
  // Nothing of a next request has arrived: nothing to finish.
  // The watchdog may have closed the socket already: no error to raise then.
  if (waiting_for_request_) {
    beast::error_code ignored;
    socket_.cancel(ignored);
  }
}

std::optional<std::chrono::steady_clock::time_point> HttpSession::idle_since() const {
  if (!waiting_for_request_) return std::nullopt;
  return idle_since_;
}

void HttpSession::close_idle() {
  if (!waiting_for_request_) return;
  // Ends the pending read, whose handler then closes the connection.
  beast::error_code ignored;
  socket_.cancel(ignored);
}

void HttpSession::read_header() {
  waiting_for_request_ = buffer_.size() == 0;
  if (stopping_ && waiting_for_request_) {
    close();
    return;
  }
  parser_.reset();   // gives back nothing: its memory is the arena's
  arena_.release();  // ...which starts over for the next request
  parser_.emplace(Allocator(&arena_));
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(worker_.config().max_body_bytes);
  if (!waiting_for_request_) {  // pipelined: the next request is here already
    read_rest_of_header();
    return;
  }
  // Idle until the next request's first bytes, which the read below takes in (the read
  // Beast would make anyway); the header timeout runs from then.
  idle_since_ = std::chrono::steady_clock::now();
  set_deadline(worker_.config().keepalive_timeout, idle_since_);
  const std::size_t room = std::min<std::size_t>(kFirstRead, buffer_.max_size());
  socket_.async_read_some(buffer_.prepare(room),
                          [self = shared_from_this()](beast::error_code error, std::size_t read) {
                            self->buffer_.commit(read);
                            self->waiting_for_request_ = false;
                            if (error) {
                              self->on_header(error);
                              return;
                            }
                            self->parse_first_read();
                          });
}

void HttpSession::parse_first_read() {
  // The whole header usually comes with the first read: parse it here, as async_read_header
  // would, but without its hand-over through another trip round the event loop.
  beast::error_code error;
  buffer_.consume(parser_->put(buffer_.data(), error));
  if (error == http::error::need_more || (!error && !parser_->is_header_done())) {
    read_rest_of_header();
    return;
  }
  on_header(error);
}

void HttpSession::read_rest_of_header() {
  set_deadline(worker_.config().header_timeout);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code error, std::size_t) {
                            self->on_header(error);
                          });
}

void HttpSession::on_header(beast::error_code error) {
  waiting_for_request_ = false;
  if (error) {
    on_read_error(error);
    return;
  }
  request_started_ = std::chrono::steady_clock::now();
  // One deadline covers reading the body and writing the response.
  set_deadline(worker_.config().request_timeout, request_started_);
  // Refuse a declared oversize body before reading any of it.
  const auto declared = parser_->content_length();
  if (declared && *declared > worker_.config().max_body_bytes) {
    on_read_error(http::error::body_limit);
    return;
  }
  // RFC 9112 6.3: a request whose transfer coding does not end in chunked has no knowable
  // length; reading on would take its body for the next request.
  if (parser_->has_transfer_encoding() && !parser_->chunked()) {
    reject(400, "Transfer-Encoding must end with chunked", "transfer coding not chunked");
    return;
  }
  if (beast::iequals(parser_->expect(), "100-continue")) {
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code write_error, std::size_t) {
                        if (write_error) {
                          self->close();
                          return;
                        }
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void HttpSession::read_body() {
  // A postback usually arrives in one segment, so its body is often in the
  // buffer already: parse it here rather than by another trip through the
  // event loop behind every other connection's work.
  parser_->eager(true);  // parse all of the body that is there, as async_read would
  while (!parser_->is_done() && buffer_.size() > 0) {
    beast::error_code error;
    const std::size_t used = parser_->put(buffer_.data(), error);
    buffer_.consume(used);
    if (error == http::error::need_more) break;
    if (error) {
      on_read_error(error);
      return;
    }
    if (used == 0) break;
  }
  if (parser_->is_done()) {
    on_body({});
    return;
  }
  http::async_read(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_body(error); });
}

void HttpSession::on_body(beast::error_code error) {
  if (error) {
    on_read_error(error);
    return;
  }
  const bool keep_alive = parser_->wants_keep_alive() && !stopping_;
  const auto response = worker_.handler().handle({.method = parser_->method_string(),
                                                  .target = parser_->target(),
                                                  .content_type = parser_->content_type(),
                                                  .body = parser_->body(),
                                                  .keep_alive = keep_alive},
                                                 response_scratch_);
  send(response.bytes, keep_alive ? After::read_next : After::close);
}

void HttpSession::on_read_error(beast::error_code error) {
  int status = 0;
  std::string_view message;
  if (error == http::error::body_limit) {
    status = 413;
    message = "request body is larger than the limit";
  } else if (error == http::error::header_limit) {
    status = 431;
    message = "request header is larger than the limit";
  } else if (error == http::error::buffer_overflow) {
    status = 400;
    message = "a chunk-size line or trailer is larger than the limit";
  } else if (error.category() == beast::error_code(http::error::end_of_stream).category() &&
             error != http::error::end_of_stream && error != http::error::partial_message) {
    status = 400;
    message = "malformed HTTP request";
  }
  if (status == 0) {
    // The peer went away, was idle too long, or we are shutting down.
    log_json(worker_.logger(), spdlog::level::trace, "connection closed",
             {{"reason", error.message()}});
    close();
    return;
  }
  // Rejected before its header was complete: time the rejection alone.
  if (!parser_->is_header_done()) request_started_ = std::chrono::steady_clock::now();
  reject(status, message, error.message());
}

void HttpSession::reject(int status, std::string_view message, std::string_view reason) {
  log_json(worker_.logger(), spdlog::level::debug, "request rejected",
           {{"status", status}, {"reason", reason}});
  send(worker_.handler().reject(status, message, response_scratch_).bytes, After::linger);
}

void HttpSession::send(std::string_view response, After after) {
  // A response nearly always fits the socket's send buffer: write it now and go on, instead of
  // waiting for async_write's completion to come round the event loop. Only a pipelined next
  // request is then read through async_read_header, so the call stack stays one request deep.
  beast::error_code write_error;
  const std::size_t written =
      socket_.write_some(asio::buffer(response.data(), response.size()), write_error);
  if (write_error && write_error != asio::error::would_block &&
      write_error != asio::error::try_again) {
    on_sent(write_error, after);
    return;
  }
  if (written == response.size()) {
    on_sent({}, after);
    return;
  }
  response.remove_prefix(written);
  // The deadline armed when the header arrived (or for the header read, when
  // it failed) still applies: a client that stops reading cannot hold us.
  asio::async_write(socket_, asio::buffer(response.data(), response.size()),
                    [self = shared_from_this(), after](beast::error_code error, std::size_t) {
                      self->on_sent(error, after);
                    });
}

void HttpSession::on_sent(beast::error_code error, After after) {
  worker_.metrics().latency.observe(std::chrono::steady_clock::now() - request_started_);
  if (!error && after == After::linger) {
    linger_close();
    return;
  }
  if (error || after == After::close || stopping_) {
    close();
    return;
  }
  read_header();
}

void HttpSession::linger_close() {
  beast::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  set_deadline(kLingerTime);
  // The request is over: its parser's arena is free to take what is drained.
  parser_.reset();
  arena_.release();
  drain(kLingerBytes);
}

void HttpSession::drain(std::size_t budget) {
  socket_.async_read_some(
      asio::buffer(arena_storage_.data(), arena_storage_.size()),
      [self = shared_from_this(), budget](beast::error_code error, std::size_t read) {
        // The client's end (or an error, or the watchdog's close) ends the drain.
        if (error || read >= budget) {
          self->close();
          return;
        }
        self->drain(budget - read);
      });
}

void HttpSession::close() {
  beast::error_code ignored;
  if (!socket_.is_open()) return;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  socket_.close(ignored);
  watchdog_.cancel();
}

}  // namespace p2l
