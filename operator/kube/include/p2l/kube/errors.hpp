#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace p2l::kube {

// Base of everything this library throws.
class KubeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A kubeconfig, in-cluster file or setting is missing or malformed. The message names the
// file and the field.
class ConfigError : public KubeError {
 public:
  using KubeError::KubeError;
};

// No HTTP answer: connection refused or dropped, TLS failure, timeout, malformed response.
class TransportError : public KubeError {
 public:
  using KubeError::KubeError;
};

// The API server answered with a non-success status. `reason` and `message` come from the
// `Status` object in the body when there is one.
class ApiError : public KubeError {
 public:
  ApiError(int http_status, std::string reason, std::string message, std::string body);

  int http_status() const { return http_status_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  const std::string& body() const { return body_; }

  bool not_found() const { return http_status_ == 404; }
  bool conflict() const { return http_status_ == 409; }
  bool gone() const { return http_status_ == 410; }
  bool invalid() const { return http_status_ == 422; }
  bool unauthorized() const { return http_status_ == 401; }

 private:
  int http_status_;
  std::string reason_;
  std::string message_;
  std::string body_;
};

// Builds the error for a failed request from its status and body (a `Status` object, or
// anything else the server or a proxy sent).
ApiError api_error_from_response(int http_status, std::string_view body);

}  // namespace p2l::kube
