#include "http_response.hpp"

#include "json_escape.hpp"

namespace p2l {
namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

}  // namespace

void format_response(std::string& out, const ResponseSpec& spec) {
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(spec.status);
  out += ' ';
  out += reason_phrase(spec.status);
  out += "\r\nContent-Type: ";
  out += spec.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(spec.body.size());
  out += "\r\n";
  out += spec.extra_headers;
  if (!spec.keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!spec.head) out += spec.body;
}

std::string error_body(std::string_view message) {
  std::string body = "{\"detail\":";
  append_json_string(body, message);
  body += '}';
  return body;
}

}  // namespace p2l
