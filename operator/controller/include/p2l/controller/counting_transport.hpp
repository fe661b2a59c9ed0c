#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "p2l/kube/transport.hpp"

namespace p2l::controller {

// A Transport that reports every request it passes on: the verb (the HTTP method, or WATCH
// for a stream) and the answer's HTTP status, 0 when there was no answer.
class CountingTransport : public kube::Transport {
 public:
  using Observer = std::function<void(std::string_view verb, int status)>;

  CountingTransport(std::shared_ptr<kube::Transport> inner, Observer observer);

  kube::Response send(const kube::Request& request) override;
  std::unique_ptr<kube::Stream> open_stream(const kube::Request& request) override;

 private:
  std::shared_ptr<kube::Transport> inner_;
  Observer observer_;
};

}  // namespace p2l::controller
