#pragma once

#include <memory>

#include <spdlog/logger.h>

#include "p2l/kube/connection.hpp"
#include "p2l/kube/transport.hpp"

namespace p2l::kube {

// The Transport on cpprestsdk's http_client: TLS from the Connection's PEM material (held in
// memory, never written to disk). cpprestsdk stays out of this header.
std::shared_ptr<Transport> make_cpprest_transport(const Connection& connection,
                                                  spdlog::logger& logger);

}  // namespace p2l::kube
