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
