#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace p2l::controller {

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// A small HTTP/1.1 server for GET requests (health and metrics) on its own thread. Binds in the
// constructor, so the port is known (and a bad address reported) before anything else runs.
class HttpServer {
 public:
  using Handler = std::function<HttpReply(std::string_view path)>;

  // `address` is HOST:PORT (an empty host or "0" as the whole value: every interface; port 0:
  // any free port).
  HttpServer(const std::string& address, Handler handler);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The address actually bound, HOST:PORT.
  [[nodiscard]] std::string local_address() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace p2l::controller
