#include "p2l/controller/metrics.hpp"

#include <gtest/gtest.h>

#include "p2l/controller/counting_transport.hpp"
#include "p2l/kube/errors.hpp"

namespace p2l::controller {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, RendersReconcilesHistogramQueueAndRequests) {
  ControllerMetrics metrics;
  metrics.record_reconcile(ReconcileResult::success, std::chrono::milliseconds(3));
  metrics.record_reconcile(ReconcileResult::success, std::chrono::milliseconds(30));
  metrics.record_reconcile(ReconcileResult::invalid, std::chrono::seconds(20));
  metrics.record_api_request("PATCH", 200);
  metrics.record_api_request("PATCH", 200);
  metrics.record_api_request("GET", 404);
  const std::string text = metrics.render(4);
  EXPECT_TRUE(has_line(text, R"(post2log_operator_reconciles_total{result="success"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(post2log_operator_reconciles_total{result="error"} 0)"));
  EXPECT_TRUE(has_line(text, R"(post2log_operator_reconciles_total{result="invalid"} 1)"));
  // Cumulative buckets; 20 s only in +Inf.
  EXPECT_TRUE(
      has_line(text, R"(post2log_operator_reconcile_duration_seconds_bucket{le="0.005"} 1)"));
  EXPECT_TRUE(
      has_line(text, R"(post2log_operator_reconcile_duration_seconds_bucket{le="0.05"} 2)"));
  EXPECT_TRUE(has_line(text, R"(post2log_operator_reconcile_duration_seconds_bucket{le="10"} 2)"));
  EXPECT_TRUE(
      has_line(text, R"(post2log_operator_reconcile_duration_seconds_bucket{le="+Inf"} 3)"));
  EXPECT_TRUE(has_line(text, "post2log_operator_reconcile_duration_seconds_count 3"));
  EXPECT_TRUE(has_line(text, "post2log_operator_queue_depth 4"));
  EXPECT_TRUE(has_line(text, R"(post2log_operator_api_requests_total{verb="PATCH",code="200"} 2)"));
  EXPECT_TRUE(has_line(text, R"(post2log_operator_api_requests_total{verb="GET",code="404"} 1)"));
  EXPECT_EQ(metrics.write_requests(), 2u);
}

class ScriptedTransport : public kube::Transport {
 public:
  kube::Response send(const kube::Request& request) override {
    if (request.method == "DELETE")
      throw kube::TransportError(kube::TransportErrorKind::cannot_connect, "connection refused");
    return {.status = request.method == "POST" ? 201 : 200};
  }
  std::unique_ptr<kube::Stream> open_stream(const kube::Request&) override {
    throw kube::TransportError(kube::TransportErrorKind::other, "no streams here");
  }
};

TEST(CountingTransport, CountsEveryRequestByVerbAndStatus) {
  ControllerMetrics metrics;
  CountingTransport transport(
      std::make_shared<ScriptedTransport>(),
      [&](std::string_view verb, int status) { metrics.record_api_request(verb, status); });
  EXPECT_EQ(transport.send({.method = "POST"}).status, 201);
  EXPECT_EQ(transport.send({.method = "GET"}).status, 200);
  EXPECT_THROW(transport.send({.method = "DELETE"}), kube::TransportError);
  EXPECT_THROW(transport.open_stream({.method = "GET"}), kube::TransportError);
  const std::string text = metrics.render(0);
  EXPECT_TRUE(has_line(text, R"(post2log_operator_api_requests_total{verb="POST",code="201"} 1)"));
  EXPECT_TRUE(has_line(text, R"(post2log_operator_api_requests_total{verb="GET",code="200"} 1)"));
  EXPECT_TRUE(has_line(text, R"(post2log_operator_api_requests_total{verb="DELETE",code="0"} 1)"));
  EXPECT_TRUE(has_line(text, R"(post2log_operator_api_requests_total{verb="WATCH",code="0"} 1)"));
  EXPECT_EQ(metrics.write_requests(), 2u);
}

}  // namespace
}  // namespace p2l::controller
