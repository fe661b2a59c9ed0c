#include "record_builder.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace p2l {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// 2023-04-28T09:57:42.705Z, the receive time of DESIGN.md's example record.
const system_clock::time_point kReceived{milliseconds(1682675862705)};
const std::string kTail =
    R"("_postTimestamp":1682675862705,"_postDatetimeGMT":"2023-04-28T09:57:42Z",)"
    R"("_nodeName":"minikube","_workerPodHash":"7bcd9d6cdf-7jmsd","_workerProcId":"1"})"
    "\n";

RecordBuilder make_builder(bool log_query_params = true) {
  return RecordBuilder({"minikube", "7bcd9d6cdf-7jmsd", "1"}, log_query_params);
}

std::string build_ok(RecordBuilder& builder, const PostRequest& request) {
  std::string line;
  const RecordResult result = builder.build(request, kReceived, line);
  EXPECT_EQ(result.status, RecordStatus::ok) << result.error;
  return line;
}

TEST(RecordBuilder, MatchesTheDesignExample) {
  auto builder = make_builder();
  EXPECT_EQ(build_ok(builder, {.path = "/postback", .query = "p1=v1&p2=v2"}),
            R"({"p1":"v1","p2":"v2","_path":"/postback",)" + kTail);
}

TEST(RecordBuilder, QueryThenBodyThenGeneratedFields) {
  auto builder = make_builder();
  const std::string line = build_ok(builder, {.path = "/postback",
                                              .query = "q=1",
                                              .content_type = "application/json",
                                              .body = R"({"b": {"n": [1, null]}})"});
  EXPECT_EQ(line, R"({"q":"1","b":{"n":[1,null]},"_path":"/postback",)" + kTail);
}

TEST(RecordBuilder, RepeatedKeyKeepsFirstPositionAndLastValue) {
  auto builder = make_builder();
  const std::string line = build_ok(builder, {.path = "/p",
                                              .query = "a=1&b=2&a=3",
                                              .content_type = "application/json",
                                              .body = R"({"b":true,"c":4,"c":5})"});
  EXPECT_EQ(line, R"({"a":"3","b":true,"c":5,"_path":"/p",)" + kTail);
}

TEST(RecordBuilder, RepeatedKeysStayCorrectPastTheLinearLookupLimit) {
  auto builder = make_builder();
  std::string query;
  for (int i = 0; i < 40; ++i)
    query += "k" + std::to_string(i) + "=a&";
  for (int i = 0; i < 40; ++i)
    query += "k" + std::to_string(i) + "=b&";
  const std::string line = build_ok(builder, {.path = "/p", .query = query});
  std::string expected = "{";
  for (int i = 0; i < 40; ++i)
    expected += "\"k" + std::to_string(i) + "\":\"b\",";
  EXPECT_EQ(line, expected + R"("_path":"/p",)" + kTail);
}

TEST(RecordBuilder, PostedGeneratedNamesAreDropped) {
  auto builder = make_builder();
  const std::string line = build_ok(builder, {.path = "/p",
                                              .query = "_path=x&_nodeName=y",
                                              .content_type = "application/json",
                                              .body = R"({"_postTimestamp":1,"_other":2})"});
  EXPECT_EQ(line, R"({"_other":2,"_path":"/p",)" + kTail);
}

TEST(RecordBuilder, FormBodyMergedAsStrings) {
  auto builder = make_builder();
  const std::string line =
      build_ok(builder, {.path = "/p",
                         .query = "a=1",
                         .content_type = "Application/X-WWW-Form-Urlencoded; charset=utf-8",
                         .body = "b=2&c=%22q%22&a=x+y"});
  EXPECT_EQ(line, R"({"a":"x y","b":"2","c":"\"q\"","_path":"/p",)" + kTail);
}

TEST(RecordBuilder, JsonWhateverTheDeclaredTypeExceptForms) {
  auto builder = make_builder();
  for (const char* type : {"", "application/json", "text/plain", "application/vnd.x+json"}) {
    EXPECT_EQ(build_ok(builder, {.path = "/p", .content_type = type, .body = R"({"a":1})"}),
              R"({"a":1,"_path":"/p",)" + kTail)
        << type;
  }
}

TEST(RecordBuilder, QueryParametersLeftOutWhenDisabled) {
  auto builder = make_builder(false);
  EXPECT_EQ(build_ok(builder, {.path = "/p", .query = "a=1", .body = R"({"b":2})"}),
            R"({"b":2,"_path":"/p",)" + kTail);
}

TEST(RecordBuilder, EscapesKeysAndValues) {
  auto builder = make_builder();
  EXPECT_EQ(build_ok(builder, {.path = "/p", .query = "k%22%5C=%0A%01%C3%A9"}),
            R"({"k\"\\":"\n\u0001é","_path":"/p",)" + kTail);
}

TEST(RecordBuilder, RejectsBadBodiesAndQueries) {
  auto builder = make_builder();
  std::string line = "stale";
  auto status_of = [&](const PostRequest& request) {
    const RecordResult result = builder.build(request, kReceived, line);
    if (result.status != RecordStatus::ok) {
      EXPECT_FALSE(result.error.empty());
      EXPECT_TRUE(line.empty());
    }
    return result.status;
  };
  EXPECT_EQ(status_of({.path = "/p", .body = "not json"}), RecordStatus::bad_request);
  EXPECT_EQ(status_of({.path = "/p", .body = "[1,2]"}), RecordStatus::bad_request);
  EXPECT_EQ(status_of({.path = "/p", .body = "{\"a\":\"\xFF\"}"}), RecordStatus::bad_request);
  EXPECT_EQ(status_of({.path = "/p", .query = "a=%FF"}), RecordStatus::bad_request);
  EXPECT_EQ(
      status_of(
          {.path = "/p", .content_type = "application/x-www-form-urlencoded", .body = "a=%C3"}),
      RecordStatus::bad_request);
  EXPECT_EQ(
      status_of({.path = "/p", .content_type = "multipart/form-data; boundary=x", .body = "--x"}),
      RecordStatus::unsupported_media_type);
}

TEST(RecordBuilder, DatetimeFollowsTheClock) {
  auto builder = make_builder();
  std::string line;
  ASSERT_EQ(builder.build({.path = "/p"}, system_clock::time_point{milliseconds(999)}, line).status,
            RecordStatus::ok);
  EXPECT_NE(line.find(R"("_postTimestamp":999,"_postDatetimeGMT":"1970-01-01T00:00:00Z")"),
            std::string::npos);
  ASSERT_EQ(
      builder.build({.path = "/p"}, system_clock::time_point{milliseconds(1000)}, line).status,
      RecordStatus::ok);
  EXPECT_NE(line.find(R"("_postTimestamp":1000,"_postDatetimeGMT":"1970-01-01T00:00:01Z")"),
            std::string::npos);
}

}  // namespace
}  // namespace p2l
