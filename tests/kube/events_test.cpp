#include <gtest/gtest.h>

#include "p2l/kube/events.hpp"

namespace p2l::kube {
namespace {

TEST(Events, MicroTime) {
  using namespace std::chrono;
  const system_clock::time_point time =
      sys_days{year{2024} / 5 / 1} + hours(12) + minutes(3) + seconds(4) + microseconds(56);
  EXPECT_EQ(format_micro_time(time), "2024-05-01T12:03:04.000056Z");
}

TEST(Events, EventObject) {
  EventRecord record;
  record.regarding = {{"apiVersion", "post2log.io/v1alpha1"},
                      {"kind", "Post2Log"},
                      {"namespace", "shop"},
                      {"name", "clicks"},
                      {"uid", "1234"}};
  record.reason = "Reconciled";
  record.note = "3 children applied";
  record.action = "Apply";
  const auto now = std::chrono::system_clock::now();
  const auto event = make_event(record, now);
  EXPECT_EQ(event["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(event["metadata"]["namespace"], "shop");
  EXPECT_EQ(event["metadata"]["name"].get<std::string>().rfind("clicks.", 0), 0U);
  EXPECT_EQ(event["regarding"]["uid"], "1234");
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["reportingController"], "post2log.io/operator");
  EXPECT_EQ(event["reportingInstance"], "post2log.io/operator");
  EXPECT_EQ(event["eventTime"], format_micro_time(now));
}

}  // namespace
}  // namespace p2l::kube
