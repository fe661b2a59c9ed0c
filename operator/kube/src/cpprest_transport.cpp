// Asio (pulled in by cpprestsdk) needs <utility> first with GCC 12 in C++20 mode.
#include <utility>

#include "p2l/kube/cpprest_transport.hpp"

#include <cpprest/http_client.h>
#include <cpprest/producerconsumerstream.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl.hpp>

#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "p2l/kube/errors.hpp"
#include "p2l/kube/proxy.hpp"
#include "p2l/read_file.hpp"

namespace p2l::kube {
namespace {

namespace http = web::http;
using http::client::http_client;
using http::client::http_client_config;

// Everything the TLS handshake needs, shared by all clients of one transport.
struct TlsMaterial {
  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
};

// The files the material came from, and when each last changed: a rotated certificate (a
// kubeconfig's client certificate, the in-cluster CA) is read again before the next request.
class TlsFiles {
 public:
  explicit TlsFiles(const Connection& connection)
      : files_{connection.ca_file, connection.client_cert_file, connection.client_key_file} {
    for (std::size_t i = 0; i < files_.size(); ++i)
      stamps_[i] = stamp(files_[i]);
  }

  // The material again when a file changed since the last look (and reads whole), else none.
  std::optional<TlsMaterial> reread_if_changed(const TlsMaterial& current) {
    bool changed = false;
    for (std::size_t i = 0; i < files_.size(); ++i) {
      const auto now = stamp(files_[i]);
      if (now != stamps_[i]) {
        stamps_[i] = now;
        changed = true;
      }
    }
    if (!changed) return std::nullopt;
    TlsMaterial fresh = current;
    std::string* targets[] = {&fresh.ca_pem, &fresh.client_cert_pem, &fresh.client_key_pem};
    for (std::size_t i = 0; i < files_.size(); ++i) {
      if (files_[i].empty()) continue;
      auto text = read_file(files_[i]);
      if (!text || text->empty()) return std::nullopt;  // mid-rotation: look again next time
      *targets[i] = std::move(*text);
    }
    return fresh;
  }

 private:
  using Stamp = std::optional<std::pair<std::filesystem::file_time_type, std::uintmax_t>>;
  static Stamp stamp(const std::filesystem::path& file) {
    if (file.empty()) return std::nullopt;
    std::error_code error;
    const auto time = std::filesystem::last_write_time(file, error);
    if (error) return std::nullopt;
    const auto size = std::filesystem::file_size(file, error);
    if (error) return std::nullopt;
    return std::make_pair(time, size);
  }

  std::array<std::filesystem::path, 3> files_;
  std::array<Stamp, 3> stamps_;
};

http_client_config make_config(const std::shared_ptr<const TlsMaterial>& tls, bool verify,
                               const std::optional<std::string>& proxy,
                               std::chrono::milliseconds timeout, spdlog::logger& logger) {
  http_client_config config;
  if (proxy) config.set_proxy(web::web_proxy(web::uri(*proxy)));
  config.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  config.set_validate_certificates(verify);
  // The API server handles gzip itself only when asked; watch lines must arrive unbuffered.
  config.set_request_compressed_response(false);
  config.set_ssl_context_callback([tls, &logger](boost::asio::ssl::context& context) {
    // Runs for every new connection; a bad certificate fails that connection's request.
    try {
      if (!tls->ca_pem.empty()) {
        // The cluster's CA alone: the context comes with the system's trust store loaded,
        // and a certificate any public CA signed must not pass for the API server's.
        SSL_CTX_set_cert_store(context.native_handle(), X509_STORE_new());
        context.add_certificate_authority(boost::asio::buffer(tls->ca_pem));
      }
      if (!tls->client_cert_pem.empty()) {
        context.use_certificate_chain(boost::asio::buffer(tls->client_cert_pem));
        context.use_private_key(boost::asio::buffer(tls->client_key_pem),
                                boost::asio::ssl::context::pem);
      }
    } catch (const boost::system::system_error& error) {
      logger.error("TLS setup failed: {}", error.what());
      throw;
    }
  });
  return config;
}

http::http_request make_request(const Request& request) {
  http::http_request message(request.method);
  message.set_request_uri(web::uri(request.target));
  for (const auto& [name, value] : request.headers)
    message.headers().add(name, value);
  if (!request.content_type.empty()) message.set_body(request.body, request.content_type);
  return message;
}

std::string header_value(const http::http_headers& headers, const std::string& name) {
  std::string value;
  headers.match(name, value);
  return value;
}

// The body of a response read as it arrives. The http_client is owned here so that its
// connection lives exactly as long as the stream.
class CpprestStream final : public Stream {
 public:
  CpprestStream(std::unique_ptr<http_client> client, pplx::cancellation_token_source cancel,
                http::http_response response)
      : client_(std::move(client)),
        cancel_(std::move(cancel)),
        response_(std::move(response)),
        body_(response_.body().streambuf()) {}

  ~CpprestStream() override {
    // Abort the connection rather than let it drain a stream that may never end.
    cancel_.cancel();
  }

  int status() const override { return response_.status_code(); }

  std::optional<std::string> next_line() override {
    for (;;) {
      const auto newline = pending_.find('\n');
      if (newline != std::string::npos) {
        std::string line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        return line;
      }
      if (ended_) {
        if (pending_.empty()) return std::nullopt;
        return std::exchange(pending_, {});
      }
      read_some();
    }
  }

  void cancel() override {
    canceled_ = true;
    cancel_.cancel();
  }

 private:
  void read_some() {
    if (canceled_) throw TransportError("watch stream canceled");
    try {
      // Wait for one byte (or the end), then take whatever else has already arrived.
      const auto first = body_.bumpc().get();
      if (first == concurrency::streams::streambuf<uint8_t>::traits::eof()) {
        if (canceled_) throw TransportError("watch stream canceled");
        ended_ = true;
        return;
      }
      pending_ += static_cast<char>(first);
      const auto available = body_.in_avail();
      if (available > 0) {
        const std::size_t old_size = pending_.size();
        pending_.resize(old_size + available);
        const auto copied =
            body_.getn(reinterpret_cast<uint8_t*>(pending_.data() + old_size), available).get();
        pending_.resize(old_size + copied);
      }
    } catch (const TransportError&) {
      throw;
    } catch (const std::exception& error) {
      throw TransportError(std::string("watch stream broke: ") + error.what());
    }
  }

  std::unique_ptr<http_client> client_;
  pplx::cancellation_token_source cancel_;
  http::http_response response_;
  concurrency::streams::streambuf<uint8_t> body_;
  std::string pending_;
  bool ended_ = false;
  std::atomic<bool> canceled_{false};
};

class CpprestTransport final : public Transport {
 public:
  CpprestTransport(const Connection& connection, spdlog::logger& logger)
      : server_(connection.server),
        verify_(!connection.insecure_skip_tls_verify),
        tls_(std::make_shared<TlsMaterial>(
            TlsMaterial{connection.ca_pem, connection.client_cert_pem, connection.client_key_pem})),
        tls_files_(connection),
        proxy_(proxy_for(connection.server, connection.proxy_url, process_environment)),
        logger_(logger) {
    if (proxy_) logger_.info("reaching {} through the proxy {}", server_, *proxy_);
    try {
      (void)web::uri(server_);
    } catch (const std::exception& error) {
      throw ConfigError("server " + server_ + " is not a valid URL: " + error.what());
    }
    try {
      if (proxy_) (void)web::uri(*proxy_);
    } catch (const std::exception& error) {
      throw ConfigError("proxy " + *proxy_ + " is not a valid URL: " + error.what());
    }
  }

  Response send(const Request& request) override {
    try {
      return send_once(request);
    } catch (const http::http_exception& error) {
      // Whatever broke, the pooled connections may be dead too (a restarted server): start
      // the next request on fresh ones.
      forget_client(request.timeout);
      // cpprestsdk retries a reused connection the server had closed only when reading the
      // status line fails; with a request body the write fails first ("Failed to write
      // request body"). A request that was not written cannot have been processed, so it is
      // safe to send again, once, on a new connection.
      const std::string_view message = error.what();
      if (message.starts_with("Failed to write request")) {
        logger_.info("{} {}: {}; sending again on a new connection", request.method, request.target,
                     message);
        try {
          return send_once(request);
        } catch (const std::exception& retry_error) {
          forget_client(request.timeout);
          throw TransportError(request.method + " " + request.target + ": " + retry_error.what());
        }
      }
      throw TransportError(request.method + " " + request.target + ": " + error.what());
    } catch (const std::exception& error) {
      forget_client(request.timeout);
      throw TransportError(request.method + " " + request.target + ": " + error.what());
    }
  }

  std::unique_ptr<Stream> open_stream(const Request& request) override {
    // A client of its own: the stream holds a connection for minutes, and a broken one must
    // not go back to a shared pool.
    auto client = std::make_unique<http_client>(
        web::uri(server_), make_config(current_tls(), verify_, proxy_, request.timeout, logger_));
    pplx::cancellation_token_source cancel;
    try {
      auto response = client->request(make_request(request), cancel.get_token()).get();
      return std::make_unique<CpprestStream>(std::move(client), std::move(cancel),
                                             std::move(response));
    } catch (const std::exception& error) {
      throw TransportError(request.method + " " + request.target + ": " + error.what());
    }
  }

 private:
  Response send_once(const Request& request) {
    auto client = client_for(request.timeout);
    auto answer = client->request(make_request(request)).get();
    Response response;
    response.status = answer.status_code();
    response.content_type = header_value(answer.headers(), "Content-Type");
    response.body = answer.extract_utf8string(true).get();
    return response;
  }

  // Shared so that a request in flight keeps its client while another thread drops it.
  std::shared_ptr<http_client> client_for(std::chrono::milliseconds timeout) {
    const auto tls = current_tls();
    std::lock_guard lock(mutex_);
    auto& client = clients_[timeout.count()];
    if (!client) {
      client = std::make_shared<http_client>(web::uri(server_),
                                             make_config(tls, verify_, proxy_, timeout, logger_));
    }
    return client;
  }

  // The TLS material, read again when its files changed; then the pooled connections, made
  // with the old material, are dropped.
  std::shared_ptr<const TlsMaterial> current_tls() {
    std::lock_guard lock(mutex_);
    if (auto fresh = tls_files_.reread_if_changed(*tls_)) {
      logger_.info("TLS certificate or CA files changed: reading them again for new connections");
      tls_ = std::make_shared<const TlsMaterial>(std::move(*fresh));
      clients_.clear();
    }
    return tls_;
  }

  void forget_client(std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    clients_.erase(timeout.count());
  }

  std::string server_;
  bool verify_;
  std::shared_ptr<const TlsMaterial> tls_;  // guarded by mutex_
  TlsFiles tls_files_;                      // guarded by mutex_
  std::optional<std::string> proxy_;
  spdlog::logger& logger_;
  std::mutex mutex_;
  // One pooled client per timeout in use (in practice one or two).
  std::map<std::chrono::milliseconds::rep, std::shared_ptr<http_client>> clients_;
};

}  // namespace

std::shared_ptr<Transport> make_cpprest_transport(const Connection& connection,
                                                  spdlog::logger& logger) {
  if (connection.insecure_skip_tls_verify) {
    logger.warn(
        "insecure-skip-tls-verify is set for {} ({}): the API server's certificate is "
        "not checked, so anyone on the path can read and change this traffic",
        connection.server, connection.source);
  }
  return std::make_shared<CpprestTransport>(connection, logger);
}

}  // namespace p2l::kube
