#pragma once

#include "p2l/command_line.hpp"

namespace p2l::controller {

// `post2log-operator run`: caches, workers, the health and metrics endpoint and, when asked,
// leader election, until SIGTERM or SIGINT. Returns the exit status.
[[nodiscard]] int run(const RunRequest& request);

}  // namespace p2l::controller
