#include "request_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace p2l {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// What the receiver reads of a request, or the error that ended the parse.
struct Parsed {
  std::string error;
  std::string method;
  std::string target;
  std::string content_type;
  std::string expect;
  bool transfer_encoding = false;
  bool keep_alive = false;
  std::string body;

  bool operator==(const Parsed&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Parsed& parsed) {
  return out << "error=" << parsed.error << " method=" << parsed.method
             << " target=" << parsed.target << " type=" << parsed.content_type
             << " expect=" << parsed.expect << " te=" << parsed.transfer_encoding
             << " keep_alive=" << parsed.keep_alive << " body=" << parsed.body;
}

template <class Parser>
beast::error_code feed(Parser& parser, std::string_view raw) {
  parser.eager(true);
  beast::error_code error;
  while (!raw.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(raw.data(), raw.size()), error);
    raw.remove_prefix(used);
    if (error || used == 0) break;
  }
  return error;
}

// Beast's own parser, as the receiver used it before RequestParser: the reference.
Parsed with_beast(std::string_view raw) {
  http::request_parser<http::string_body> parser;
  Parsed parsed;
  if (const auto error = feed(parser, raw)) {
    parsed.error = error.message();
    return parsed;
  }
  const auto& request = parser.get();
  parsed.method = std::string(request.method_string());
  parsed.target = std::string(request.target());
  parsed.content_type = std::string(request[http::field::content_type]);
  parsed.expect = std::string(request[http::field::expect]);
  parsed.transfer_encoding = request.find(http::field::transfer_encoding) != request.end();
  parsed.keep_alive = request.keep_alive();
  parsed.body = request.body();
  return parsed;
}

Parsed with_ours(std::string_view raw) {
  std::pmr::monotonic_buffer_resource arena;
  RequestParser parser{RequestParser::Allocator(&arena)};
  Parsed parsed;
  if (const auto error = feed(parser, raw)) {
    parsed.error = error.message();
    return parsed;
  }
  parsed.method = std::string(parser.method_string());
  parsed.target = std::string(parser.target());
  parsed.content_type = std::string(parser.content_type());
  parsed.expect = std::string(parser.expect());
  parsed.transfer_encoding = parser.has_transfer_encoding();
  parsed.keep_alive = parser.wants_keep_alive();
  parsed.body = std::string(parser.body());
  return parsed;
}

TEST(RequestParser, ReadsWhatBeastsParserReads) {
  const std::vector<std::string> requests = {
      "POST /postback?p1=v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 7\r\n\r\n{\"a\":1}",
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      "HEAD /readyz HTTP/1.0\r\n\r\n",
      "POST /p HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
      "POST /p HTTP/1.0\r\nConnection: Keep-Alive, foo\r\nContent-Length: 0\r\n\r\n",
      "POST /p HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      "POST /p HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n"
      "Content-Length: 0\r\n\r\n",
      "POST /p HTTP/1.1\r\nConnection: upgrade, close\r\nContent-Length: 0\r\n\r\n",
      "POST /p HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
      "POST /p HTTP/1.1\r\nContent-Type:  text/plain ; charset=utf-8 \t\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
      "POST /p HTTP/1.1\r\nContent-Type:\r\nContent-Type: application/json\r\n\r\n",
      "POST /p HTTP/1.1\r\nExpect:  100-continue \r\nContent-Length: 2\r\n\r\n{}",
      "POST /p HTTP/1.1\r\nExpect: \r\nExpect: 100-continue\r\n\r\n",
      "POST /p HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"n\"\r\n3\r\n:1}\r\n0\r\n"
      "Trailer: x\r\n\r\n",
      "PATCH /postback HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",
      "BREW /pot HTTP/1.1\r\n\r\n",
      "post /postback HTTP/1.1\r\n\r\n",
      "POST /p HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
      "POST /p HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST /p HTTP/1.1\r\nContent-Length: x\r\n\r\n",
      "POST /p HTTP/1.1\r\nBad Header\r\n\r\n",
      "POST /p HTTP/2.0\r\n\r\n",
      "POST /p HTTP/1.1\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
  };
  for (const std::string& raw : requests) {
    EXPECT_EQ(with_ours(raw), with_beast(raw)) << raw;
  }
}

}  // namespace
}  // namespace p2l
