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
// in_tail's position file (fluent.conf's pos_file); the receiver reads it to learn what was
// shipped (P2L_SHIPPER_POS_FILE), with the Fluentd state volume mounted read-only.
inline constexpr std::string_view kFluentdPosFile = "/fluentd/state/post2log.pos";
// fluent.conf's monitor_agent, on 127.0.0.1 inside the pod: the fluentd liveness probe's target.
inline constexpr int kFluentdMonitorPort = 24220;
inline constexpr long kPodUserId = 65532;  // the conventional "nonroot" user
// A receiver being stopped keeps accepting this long (its preStop sleep) before SIGTERM, so
// that kube-proxy and ingress controllers have taken its endpoint out of rotation first.
inline constexpr int kPreStopSeconds = 10;
// What the receiver is given after SIGTERM to answer the requests in flight
// (P2L_DRAIN_TIMEOUT); the grace period covers the preStop sleep, this and a margin.
inline constexpr int kDrainSeconds = 25;

}  // namespace p2l
