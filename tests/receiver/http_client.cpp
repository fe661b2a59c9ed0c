#include "http_client.hpp"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include <utility>  // before Asio: Boost 1.74 needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace p2l::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpConnection::State {
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  beast::flat_buffer buffer;
};

HttpConnection::HttpConnection(std::uint16_t port) : state_(std::make_unique<State>()) {
  state_->socket.connect({asio::ip::make_address("127.0.0.1"), port});
}

HttpConnection::~HttpConnection() = default;

HttpReply HttpConnection::request(std::string_view method, std::string_view target,
                                  std::string_view body, std::string_view content_type,
                                  const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers)
    request.set(name, value);
  request.body() = std::string(body);
  if (!body.empty() || method == "POST") request.prepare_payload();
  http::write(state_->socket, request);
  return read_reply();
}

void HttpConnection::send_raw(std::string_view bytes) {
  asio::write(state_->socket, asio::buffer(bytes.data(), bytes.size()));
}

HttpReply HttpConnection::read_reply() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(state_->socket, state_->buffer, parser);
  const auto& response = parser.get();
  HttpReply reply;
  reply.status = static_cast<int>(response.result_int());
  reply.body = response.body();
  for (const auto& field : response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

bool HttpConnection::readable(std::chrono::milliseconds timeout) {
  if (state_->buffer.size() > 0) return true;
  pollfd descriptor{state_->socket.native_handle(), POLLIN, 0};
  return ::poll(&descriptor, 1, static_cast<int>(timeout.count())) > 0;
}

bool HttpConnection::closed_by_server(std::chrono::milliseconds timeout) {
  pollfd descriptor{state_->socket.native_handle(), POLLIN, 0};
  if (::poll(&descriptor, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char byte = 0;
  boost::system::error_code error;
  const std::size_t read = state_->socket.read_some(asio::buffer(&byte, 1), error);
  return read == 0 && error;
}

HttpReply http_request(std::uint16_t port, std::string_view method, std::string_view target,
                       std::string_view body, std::string_view content_type) {
  HttpConnection connection(port);
  return connection.request(method, target, body, content_type);
}

}  // namespace p2l::test
