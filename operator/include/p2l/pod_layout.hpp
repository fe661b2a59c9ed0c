#pragma once

#include <string_view>

namespace p2l {

// Where things live inside a post2log pod; the receiver's environment, the volume mounts
// and the Fluentd configuration all refer to these.
inline constexpr int kReceiverContainerPort = 8080;
inline constexpr std::string_view kDataMountPath = "/data";
inline constexpr std::string_view kLogDir = "/data/logs";
inline constexpr std::string_view kFluentdStateDir = "/fluentd/state";
inline constexpr std::string_view kFluentdConfigDir = "/fluentd/etc";
inline constexpr std::string_view kFluentdConfigFile = "fluent.conf";
inline constexpr std::string_view kFluentdTag = "post2log";
inline constexpr long kPodUserId = 65532;  // the conventional "nonroot" user

}  // namespace p2l
