#include <nlohmann/json.hpp>

#include "p2l/kube/errors.hpp"

namespace p2l::kube {
namespace {

std::string describe(int http_status, const std::string& reason, const std::string& message) {
  std::string text = "HTTP " + std::to_string(http_status);
  if (!reason.empty()) text += " " + reason;
  if (!message.empty()) text += ": " + message;
  return text;
}

}  // namespace

std::string_view to_string(TransportErrorKind kind) {
  switch (kind) {
    case TransportErrorKind::cannot_connect:
      return "cannot connect";
    case TransportErrorKind::name_resolution:
      return "cannot resolve the host name";
    case TransportErrorKind::tls:
      return "TLS failed";
    case TransportErrorKind::not_sent:
      return "the connection closed before the request was sent";
    case TransportErrorKind::connection_lost:
      return "the connection broke";
    case TransportErrorKind::timeout:
      return "timed out";
    case TransportErrorKind::malformed:
      return "malformed answer";
    case TransportErrorKind::canceled:
      return "canceled";
    case TransportErrorKind::other:
      break;
  }
  return "transport failure";
}

TransportError::TransportError(TransportErrorKind kind, const std::string& message,
                               std::error_code code)
    : KubeError(message), kind_(kind), code_(code) {}

ApiError::ApiError(int http_status, std::string reason, std::string message, std::string body)
    : KubeError(describe(http_status, reason, message)),
      http_status_(http_status),
      reason_(std::move(reason)),
      message_(std::move(message)),
      body_(std::move(body)) {}

ApiError api_error_from_response(int http_status, std::string_view body) {
  std::string reason;
  std::string message;
  const auto status = nlohmann::json::parse(body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    reason = status.value("reason", "");
    message = status.value("message", "");
  } else {
    // Not from the API server itself (a proxy, a load balancer): keep a bounded excerpt.
    constexpr std::size_t kExcerpt = 512;
    message = std::string(body.substr(0, kExcerpt));
  }
  return ApiError(http_status, std::move(reason), std::move(message), std::string(body));
}

}  // namespace p2l::kube
