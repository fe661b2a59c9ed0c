#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

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

// Why there was no usable HTTP answer. Decided from the error code, never from message text.
enum class TransportErrorKind {
  cannot_connect,   // refused or unreachable: nothing was sent
  name_resolution,  // the host name did not resolve: nothing was sent
  tls,              // TLS setup or handshake failed (certificate, key, not a TLS server)
  not_sent,         // the connection closed while the request was written: not processed
  connection_lost,  // reset or closed before the answer was complete
  timeout,          // no answer, or a stream silent, for longer than the limit
  malformed,        // the answer is not HTTP, not JSON, or not a watch event
  canceled,         // the stream was canceled
  other,
};

std::string_view to_string(TransportErrorKind kind);

// No HTTP answer: connection refused or dropped, TLS failure, timeout, malformed response.
// `code` is the underlying error code when there is one.
class TransportError : public KubeError {
 public:
  TransportError(TransportErrorKind kind, const std::string& message, std::error_code code = {});

  TransportErrorKind kind() const { return kind_; }
  const std::error_code& code() const { return code_; }

 private:
  TransportErrorKind kind_;
  std::error_code code_;
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
