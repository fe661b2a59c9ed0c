#pragma once

#include <string>

#include "p2l/post2log.hpp"

namespace p2l {

// The complete fluent.conf for a Post2Log's sidecar: an in_tail source over the receiver's log
// files that keeps every posted field and takes the event time from the receive time, then the
// user's output configuration verbatim. Always ends with exactly one newline.
[[nodiscard]] std::string render_fluent_conf(const FluentdSpec& fluentd);

}  // namespace p2l
