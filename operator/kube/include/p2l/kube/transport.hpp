#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace p2l::kube {

// One HTTP request to the API server. `target` is the path with its query string.
struct Request {
  std::string method = "GET";
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;  // empty: no body
  std::string body;
  // Whole-request limit for send(); for open_stream() the longest silence allowed between
  // two pieces of the response body.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

struct Response {
  int status = 0;
  std::string content_type;
  std::string body;
};

// A response whose body is read as it arrives, line by line (watch streams).
class Stream {
 public:
  virtual ~Stream() = default;

  virtual int status() const = 0;
  // The next line without its newline; nullopt once the server has ended the response.
  // Throws TransportError when the connection fails, the response is malformed, the idle
  // timeout passes or cancel() was called.
  virtual std::optional<std::string> next_line() = 0;
  // Safe from any thread; a blocked next_line() returns promptly.
  virtual void cancel() = 0;
};

// How requests reach the API server. Authentication headers are the caller's; TLS and
// timeouts are the transport's.
class Transport {
 public:
  virtual ~Transport() = default;

  // Throws TransportError when there is no HTTP answer; any HTTP status is a Response.
  virtual Response send(const Request& request) = 0;
  // Returns once the status line and headers have arrived.
  virtual std::unique_ptr<Stream> open_stream(const Request& request) = 0;
};

}  // namespace p2l::kube
