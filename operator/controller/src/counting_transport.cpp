#include "p2l/controller/counting_transport.hpp"

namespace p2l::controller {

CountingTransport::CountingTransport(std::shared_ptr<kube::Transport> inner, Observer observer)
    : inner_(std::move(inner)), observer_(std::move(observer)) {}

kube::Response CountingTransport::send(const kube::Request& request) {
  try {
    kube::Response response = inner_->send(request);
    observer_(request.method, response.status);
    return response;
  } catch (...) {
    observer_(request.method, 0);
    throw;
  }
}

std::unique_ptr<kube::Stream> CountingTransport::open_stream(const kube::Request& request) {
  try {
    auto stream = inner_->open_stream(request);
    observer_("WATCH", stream->status());
    return stream;
  } catch (...) {
    observer_("WATCH", 0);
    throw;
  }
}

}  // namespace p2l::controller
