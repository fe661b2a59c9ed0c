#include <gtest/gtest.h>

#include "p2l/kube/errors.hpp"
#include "p2l/kube/watch.hpp"

namespace p2l::kube {
namespace {

TEST(WatchEvent, DecodesTypes) {
  const auto added = parse_watch_event(R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})");
  EXPECT_EQ(added.type, WatchEventType::added);
  EXPECT_EQ(added.object["metadata"]["name"], "a");
  EXPECT_EQ(parse_watch_event(R"({"type":"MODIFIED","object":{}})").type, WatchEventType::modified);
  EXPECT_EQ(parse_watch_event(R"({"type":"DELETED","object":{}})").type, WatchEventType::deleted);
  EXPECT_EQ(parse_watch_event(R"({"type":"BOOKMARK","object":{}})").type, WatchEventType::bookmark);
}

TEST(WatchEvent, GoneIsExpiredOtherErrorsAreErrors) {
  const auto expired = parse_watch_event(
      R"({"type":"ERROR","object":{"kind":"Status","status":"Failure",)"
      R"j("message":"too old resource version: 1 (200)","reason":"Expired","code":410}})j");
  EXPECT_EQ(expired.type, WatchEventType::expired);
  EXPECT_EQ(expired.object["code"], 410);
  const auto error = parse_watch_event(
      R"({"type":"ERROR","object":{"kind":"Status","reason":"InternalError","code":500}})");
  EXPECT_EQ(error.type, WatchEventType::error);
  EXPECT_EQ(to_string(WatchEventType::expired), "EXPIRED");
}

TEST(WatchEvent, GarbageIsATransportError) {
  EXPECT_THROW((void)parse_watch_event("not json"), TransportError);
  EXPECT_THROW((void)parse_watch_event(R"({"type":"ADDED"})"), TransportError);
  EXPECT_THROW((void)parse_watch_event(R"({"type":"SOMETHING","object":{}})"), TransportError);
  EXPECT_THROW((void)parse_watch_event(R"({"type":"ADDED","object":{"trunc)"), TransportError);
}

}  // namespace
}  // namespace p2l::kube
