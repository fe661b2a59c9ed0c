#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace p2l::test {

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lowercased

  // The value of header `name` (lowercase), empty when absent.
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A blocking HTTP/1.1 client connection to 127.0.0.1 over a real socket.
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpReply request(std::string_view method, std::string_view target, std::string_view body = {},
                    std::string_view content_type = {},
                    const std::map<std::string, std::string>& headers = {});

  // Sends bytes as they are (for malformed or partial requests).
  void send_raw(std::string_view bytes);
  // Reads one response.
  HttpReply read_reply();
  // True when the server has sent something (or closed) within `timeout`.
  bool readable(std::chrono::milliseconds timeout);
  // True when the server closes the connection within `timeout`.
  bool closed_by_server(std::chrono::milliseconds timeout);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One request on a fresh connection.
HttpReply http_request(std::uint16_t port, std::string_view method, std::string_view target,
                       std::string_view body = {}, std::string_view content_type = {});

}  // namespace p2l::test
