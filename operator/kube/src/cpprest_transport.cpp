// Asio (pulled in by cpprestsdk) needs <utility> first with GCC 12 in C++20 mode.
#include <utility>

#include "p2l/kube/cpprest_transport.hpp"

#include <cpprest/http_client.h>
#include <cpprest/producerconsumerstream.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <array>
#include <atomic>
#include <cerrno>
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

// Where the connections go (the proxy when there is one), for telling failures apart.
struct Peer {
  std::string host;
  std::string port;
  bool tls = false;  // the API server is reached over TLS
};

Peer peer_of(const std::string& server, const std::optional<std::string>& proxy) {
  const web::uri target(server);
  const web::uri connected = proxy ? web::uri(*proxy) : target;
  const bool tls = target.scheme() == "https";
  int port = connected.port();
  if (port <= 0) port = connected.scheme() == "https" ? 443 : 80;
  return {connected.host(), std::to_string(port), tls};
}

// The error of looking the host name up now; none when it resolves.
std::error_code lookup_error(const Peer& peer) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code error;
  (void)resolver.resolve(peer.host, peer.port, error);
  return error;
}

// cpprestsdk reports socket failures as an http_exception whose code it has folded into a
// plain number: a refused connect and a failed header write both become EHOSTUNREACH, Asio's
// end of file becomes 2 (ENOENT), a host name that does not resolve and a TLS peer that hangs
// up (Asio's stream_truncated) both become 1 (EPERM), and an OpenSSL error stays OpenSSL's
// packed number. What it finds wrong in the HTTP itself (a status line, a chunk size) has
// no code.
struct Cause {
  TransportErrorKind kind;
  std::error_code code;
};

Cause cause_of(const std::error_code& code, const Peer& peer) {
  const auto as = [&code](TransportErrorKind kind) { return Cause{kind, code}; };
  if (!code) return as(TransportErrorKind::malformed);
  const int value = code.value();
  if (const auto packed = static_cast<unsigned long>(value);
      value > 0 && ERR_GET_LIB(packed) == ERR_LIB_SSL) {
    // A peer gone without a TLS goodbye (an API server killed mid-watch) is a lost connection.
    return as(ERR_GET_REASON(packed) == SSL_R_UNEXPECTED_EOF_WHILE_READING
                  ? TransportErrorKind::connection_lost
                  : TransportErrorKind::tls);
  }
  switch (value) {
    case ETIMEDOUT:
      return as(TransportErrorKind::timeout);
    case ECANCELED:
      return as(TransportErrorKind::canceled);
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
      return as(TransportErrorKind::cannot_connect);
    case EPIPE:  // only a write fails so: the request did not get out whole
      return as(TransportErrorKind::not_sent);
    case ECONNRESET:
    case ECONNABORTED:
    case ENOENT:
      return as(TransportErrorKind::connection_lost);
    case EPERM:
      // Ambiguous: a name that does not resolve now was the cause; else the peer hung up.
      if (const auto lookup = lookup_error(peer))
        return {TransportErrorKind::name_resolution, lookup};
      return as(peer.tls ? TransportErrorKind::connection_lost : TransportErrorKind::other);
    default:
      return as(TransportErrorKind::other);
  }
}

// The TransportError for whatever cpprestsdk (or the TLS setup under it) threw.
TransportError classify(const std::string& context, const std::exception& error, const Peer& peer) {
  Cause cause{TransportErrorKind::other, {}};
  if (const auto* http_error = dynamic_cast<const http::http_exception*>(&error)) {
    cause = cause_of(http_error->error_code(), peer);
  } else if (const auto* system_error = dynamic_cast<const boost::system::system_error*>(&error)) {
    // From the TLS setup: the certificate, key or CA given for the handshake was refused.
    const std::error_code code = system_error->code();
    cause = system_error->code().category() == boost::asio::error::get_ssl_category()
                ? Cause{TransportErrorKind::tls, code}
                : cause_of(code, peer);
  }
  return TransportError(cause.kind,
                        context + ": " + std::string(to_string(cause.kind)) + ": " + error.what(),
                        cause.code);
}

http::http_request make_request(const Request& request, const std::string& user_agent) {
  http::http_request message(request.method);
  message.set_request_uri(web::uri(request.target));
  for (const auto& [name, value] : request.headers)
    message.headers().add(name, value);
  if (!user_agent.empty() && !message.headers().has("User-Agent")) {
    message.headers().add("User-Agent", user_agent);
  }
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
                http::http_response response, Peer peer)
      : client_(std::move(client)),
        peer_(std::move(peer)),
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
    if (canceled_) throw TransportError(TransportErrorKind::canceled, "watch stream canceled");
    try {
      // Wait for one byte (or the end), then take whatever else has already arrived.
      const auto first = body_.bumpc().get();
      if (first == concurrency::streams::streambuf<uint8_t>::traits::eof()) {
        if (canceled_) {
          throw TransportError(TransportErrorKind::canceled, "watch stream canceled");
        }
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
      if (canceled_) throw TransportError(TransportErrorKind::canceled, "watch stream canceled");
      throw classify("watch stream", error, peer_);
    }
  }

  std::unique_ptr<http_client> client_;
  Peer peer_;
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
        user_agent_(connection.user_agent),
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
    peer_ = peer_of(server_, proxy_);
  }

  Response send(const Request& request) override {
    try {
      return send_once(request);
    } catch (const TransportError& error) {
      // cpprestsdk retries a reused connection the server had closed only when reading the
      // status line fails; with a request body the write fails first (EPIPE, or EHOSTUNREACH
      // for the headers, which is also its code for a refused connect). A request that was
      // not written cannot have been processed, so it is safe to send again, once, on a new
      // connection.
      if (error.kind() != TransportErrorKind::not_sent &&
          error.kind() != TransportErrorKind::cannot_connect) {
        throw;
      }
      logger_.info("{}; sending again on a new connection", error.what());
      return send_once(request);
    }
  }

  std::unique_ptr<Stream> open_stream(const Request& request) override {
    // A client of its own: the stream holds a connection for minutes, and a broken one must
    // not go back to a shared pool.
    auto client = std::make_unique<http_client>(
        web::uri(server_), make_config(current_tls(), verify_, proxy_, request.timeout, logger_));
    pplx::cancellation_token_source cancel;
    try {
      auto response = client->request(make_request(request, user_agent_), cancel.get_token()).get();
      return std::make_unique<CpprestStream>(std::move(client), std::move(cancel),
                                             std::move(response), peer_);
    } catch (const std::exception& error) {
      throw classify(request.method + " " + request.target, error, peer_);
    }
  }

 private:
  Response send_once(const Request& request) {
    try {
      auto client = client_for(request.timeout);
      auto answer = client->request(make_request(request, user_agent_)).get();
      Response response;
      response.status = answer.status_code();
      response.content_type = header_value(answer.headers(), "Content-Type");
      response.body = answer.extract_utf8string(true).get();
      return response;
    } catch (const std::exception& error) {
      // Whatever broke, the pooled connections may be dead too (a restarted server): start
      // the next request on fresh ones.
      forget_client(request.timeout);
      throw classify(request.method + " " + request.target, error, peer_);
    }
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
  std::string user_agent_;
  Peer peer_;
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
