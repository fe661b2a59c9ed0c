// Boost 1.74's Asio uses std::exchange without including <utility> itself.
#include <utility>

#include "p2l/controller/http_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace p2l::controller {
namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

http::response<http::string_body> get(const std::string& address, const std::string& target,
                                      http::verb verb = http::verb::get) {
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  const auto colon = address.rfind(':');
  tcp::socket socket(io);
  boost::asio::connect(socket,
                       resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "test");
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return response;
}

TEST(HttpServer, AnswersFromTheHandlerOnAFreePort) {
  const HttpServer server("127.0.0.1:0", [](std::string_view path) -> HttpReply {
    if (path == "/metrics") return {.content_type = "text/plain; version=0.0.4", .body = "m 1\n"};
    return {.status = 404, .body = "no\n"};
  });
  const std::string address = server.local_address();
  ASSERT_TRUE(address.starts_with("127.0.0.1:")) << address;
  EXPECT_NE(address, "127.0.0.1:0");

  auto metrics = get(address, "/metrics?x=1");
  EXPECT_EQ(metrics.result_int(), 200u);
  EXPECT_EQ(metrics.body(), "m 1\n");
  EXPECT_EQ(metrics[http::field::content_type], "text/plain; version=0.0.4");
  EXPECT_EQ(get(address, "/other").result_int(), 404u);
  EXPECT_EQ(get(address, "/metrics", http::verb::post).result_int(), 405u);
}

TEST(HttpServer, RejectsBadAddresses) {
  auto handler = [](std::string_view) { return HttpReply{}; };
  EXPECT_THROW(HttpServer("127.0.0.1", handler), std::exception);
  EXPECT_THROW(HttpServer("127.0.0.1:99999", handler), std::exception);
  EXPECT_THROW(HttpServer("not-an-ip:80", handler), std::exception);
}

}  // namespace
}  // namespace p2l::controller
