#pragma once

#include <iosfwd>

#include "p2l/command_line.hpp"

namespace p2l {

// `render -f FILE`: reads the Post2Logs, writes their children as YAML to `out`, or the
// problems to `err`. Returns the exit status.
[[nodiscard]] int run_render(const RenderRequest& request, std::istream& in, std::ostream& out,
                             std::ostream& err);

}  // namespace p2l
