#include "p2l/controller/http_server.hpp"

// Boost 1.74's Asio uses std::exchange without including <utility> itself.
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace p2l::controller {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

tcp::endpoint parse_endpoint(const std::string& address) {
  std::string host;
  std::string port = address;
  if (const auto colon = address.rfind(':'); colon != std::string::npos) {
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  std::size_t used = 0;
  unsigned long number = 0;
  try {
    number = std::stoul(port, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (port.empty() || used != port.size() || number > 65535) {
    throw std::invalid_argument("invalid bind address " + address + ": expected HOST:PORT");
  }
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(host, error);
  if (error) throw std::invalid_argument("invalid bind address " + address + ": bad host");
  return {ip, static_cast<unsigned short>(number)};
}

// One connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer::Handler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                       if (!error) self->answer();
                     });
  }

 private:
  void answer() {
    HttpReply reply;
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      reply = {.status = 405, .body = "only GET\n"};
    } else {
      const std::string_view target(request_.target().data(), request_.target().size());
      reply = handler_(target.substr(0, target.find('?')));
    }
    response_ = {};
    response_.version(request_.version());
    response_.result(static_cast<unsigned>(reply.status));
    response_.set(http::field::content_type, reply.content_type);
    response_.keep_alive(request_.keep_alive());
    response_.body() = request_.method() == http::verb::head ? std::string{} : reply.body;
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                        if (error || !self->response_.keep_alive()) {
                          boost::system::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  boost::beast::tcp_stream stream_;
  const HttpServer::Handler& handler_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

struct HttpServer::State {
  explicit State(Handler server_handler) : handler(std::move(server_handler)) {}

  void accept() {
    acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (!error) std::make_shared<Session>(std::move(socket), handler)->read();
      accept();
    });
  }

  Handler handler;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
};

HttpServer::HttpServer(const std::string& address, Handler handler)
    : state_(std::make_unique<State>(std::move(handler))) {
  const std::string spelled = address == "0" ? ":0" : address;
  const tcp::endpoint endpoint = parse_endpoint(spelled);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  state_->accept();
  state_->thread = std::thread([state = state_.get()] { state->io.run(); });
}

HttpServer::~HttpServer() {
  state_->io.stop();
  state_->thread.join();
}

std::string HttpServer::local_address() const {
  const tcp::endpoint endpoint = state_->acceptor.local_endpoint();
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace p2l::controller
