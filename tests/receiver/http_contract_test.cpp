// The receiver's HTTP contract, checked against the real binary over real
// loopback sockets with a real log directory.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "http_client.hpp"
#include "log_files.hpp"
#include "receiver_process.hpp"
#include "temp_dir.hpp"

namespace p2l::test {
namespace {

using nlohmann::ordered_json;

class HttpContract : public ::testing::Test {
 protected:
  void start(const std::map<std::string, std::string>& env = {}) {
    receiver_ = std::make_unique<ReceiverProcess>(log_dir_, env);
  }
  std::uint16_t port() const { return receiver_->port(); }

  TempDir dir_;
  std::filesystem::path log_dir_ = dir_.path() / "logs";
  std::unique_ptr<ReceiverProcess> receiver_;
};

TEST_F(HttpContract, PostIsLoggedAsOneRecordBeforeTheReply) {
  start();
  const HttpReply reply = http_request(port(), "POST", "/postback?p1=v1&p2=v%202&e=");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"success"})");
  EXPECT_EQ(reply.header("content-type"), "application/json");

  // The reply came after the write: the line is there now, no waiting.
  const auto lines = read_all_lines(log_dir_);
  ASSERT_EQ(lines.size(), 1u);
  const auto record = ordered_json::parse(lines[0]);
  std::vector<std::string> keys;
  for (const auto& item : record.items())
    keys.push_back(item.key());
  const std::vector<std::string> expected_keys = {"p1",
                                                  "p2",
                                                  "e",
                                                  "_path",
                                                  "_postTimestamp",
                                                  "_postDatetimeGMT",
                                                  "_nodeName",
                                                  "_workerPodHash",
                                                  "_workerProcId"};
  EXPECT_EQ(keys, expected_keys);
  EXPECT_EQ(record["p2"], "v 2");
  EXPECT_EQ(record["e"], "");
  EXPECT_EQ(record["_path"], "/postback");
  EXPECT_EQ(record["_nodeName"], "node-a");
  EXPECT_EQ(record["_workerPodHash"], "7bcd9d6cdf-7jmsd");
  EXPECT_EQ(record["_workerProcId"], "1");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(now_ms - record["_postTimestamp"].get<std::int64_t>(), 5000);
  EXPECT_EQ(record["_postDatetimeGMT"].get<std::string>().size(), 20u);
  EXPECT_TRUE(std::filesystem::exists(log_dir_ / "post2log-1.log"));
}

TEST_F(HttpContract, JsonBodyValuesAreKeptExactly) {
  start();
  const std::string body =
      R"({ "n": 123456789012345678901234567890, "f": 1.50, "nested": {"a": [true, null, "\u00e9"]},)"
      R"( "u": "日本😀", "time": "kept" })";
  EXPECT_EQ(http_request(port(), "POST", "/postback?q=1", body, "application/json").status, 200);
  const auto lines = read_all_lines(log_dir_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with(
      R"({"q":"1","n":123456789012345678901234567890,"f":1.50,"nested":{"a":[true,null,"\u00e9"]},)"
      R"("u":"日本😀","time":"kept","_path":"/postback",)"))
      << lines[0];
}

TEST_F(HttpContract, FormBodyIsMergedAsStrings) {
  start();
  EXPECT_EQ(http_request(port(), "POST", "/postback?a=1", "b=2&c=x+y",
                         "application/x-www-form-urlencoded")
                .status,
            200);
  const auto lines = read_all_lines(log_dir_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with(R"({"a":"1","b":"2","c":"x y","_path":)")) << lines[0];
}

TEST_F(HttpContract, QueryParametersCanBeLeftOut) {
  start({{"P2L_LOG_QUERYPARAM", "false"}});
  EXPECT_EQ(http_request(port(), "POST", "/postback?a=1", R"({"b":2})").status, 200);
  const auto lines = read_all_lines(log_dir_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with(R"({"b":2,"_path":"/postback",)")) << lines[0];
}

TEST_F(HttpContract, BadRequestsGetTheirStatusAndWriteNothing) {
  start({{"P2L_MAX_BODY_BYTES", "1000"}, {"P2L_ENDPOINT", "/postback/airbridge"}});
  struct Case {
    std::string method, target, body, content_type;
    int status;
  };
  const std::vector<Case> cases = {
      {"POST", "/postback/airbridge", "{\"a\":", "application/json", 400},
      {"POST", "/postback/airbridge", "[1,2]", "application/json", 400},
      {"POST", "/postback/airbridge", "\"text\"", "", 400},
      {"POST", "/postback/airbridge", "{\"a\":\"\xFF\"}", "application/json", 400},
      {"POST", "/postback/airbridge", "{\"a\":\"\\ud800\"}", "application/json", 400},
      {"POST", "/postback/airbridge?a=%FF", "", "", 400},
      {"POST", "/postback/airbridge", "a=%C3", "application/x-www-form-urlencoded", 400},
      {"POST", "/postback/airbridge", "--b\r\n", "multipart/form-data; boundary=b", 415},
      {"POST", "/postback/airbridge", std::string(1001, ' '), "application/json", 413},
      {"GET", "/postback/airbridge", "", "", 405},
      {"PUT", "/postback/airbridge", "{}", "application/json", 405},
      {"POST", "/postback", "{}", "application/json", 404},
      {"POST", "/postback/airbridge/", "{}", "application/json", 404},
      {"GET", "/", "", "", 404},
  };
  for (const Case& c : cases) {
    const HttpReply reply = http_request(port(), c.method, c.target, c.body, c.content_type);
    EXPECT_EQ(reply.status, c.status) << c.method << " " << c.target << " " << c.body;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    const auto error = nlohmann::json::parse(reply.body);
    EXPECT_TRUE(error.contains("detail")) << reply.body;
    if (c.status == 405) {
      EXPECT_EQ(reply.header("allow"), "POST");
    }
    if (c.status == 404) {
      EXPECT_EQ(reply.body, R"({"detail":"Not Found"})");
    }
  }
  EXPECT_EQ(total_log_bytes(log_dir_), 0u);
  // A good request still works afterwards.
  EXPECT_EQ(http_request(port(), "POST", "/postback/airbridge", "{}").status, 200);
  EXPECT_EQ(read_all_lines(log_dir_).size(), 1u);
}

TEST_F(HttpContract, MalformedHttpAndOversizeHeadersAreRejected) {
  start();
  {
    HttpConnection connection(port());
    connection.send_raw("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_EQ(connection.read_reply().status, 400);
  }
  {
    HttpConnection connection(port());
    connection.send_raw("POST /postback HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
                        "\r\n\r\n");
    EXPECT_EQ(connection.read_reply().status, 431);
  }
  EXPECT_EQ(total_log_bytes(log_dir_), 0u);
}

TEST_F(HttpContract, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  HttpConnection connection(port());
  for (int i = 0; i < 50; ++i) {
    const HttpReply reply = connection.request("POST", "/postback?i=" + std::to_string(i),
                                               R"({"x":1})", "application/json");
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("connection"), "");
  }
  EXPECT_EQ(connection.request("GET", "/nope").status, 404);
  EXPECT_EQ(connection.request("POST", "/postback", "{bad").status, 400);
  EXPECT_EQ(connection.request("POST", "/postback", "{}").status, 200);
  EXPECT_EQ(read_all_lines(log_dir_).size(), 51u);
}

TEST_F(HttpContract, ExpectContinueIsHonoured) {
  start();
  HttpConnection connection(port());
  const std::string body = R"({"a":"b"})";
  connection.send_raw(
      "POST /postback HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(connection.read_reply().status, 100);
  connection.send_raw(body);
  EXPECT_EQ(connection.read_reply().status, 200);
  EXPECT_EQ(read_all_lines(log_dir_).size(), 1u);
}

TEST_F(HttpContract, BodiesAreReadHoweverTheyArrive) {
  start();
  HttpConnection connection(port());
  const std::string head =
      "POST /postback?how={} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  auto request_head = [&](std::string_view how) {
    std::string text = head;
    text.replace(text.find("{}"), 2, how);
    return text;
  };
  // Header and body in one segment.
  connection.send_raw(request_head("whole") + "Content-Length: 9\r\n\r\n{\"n\":\"1\"}");
  EXPECT_EQ(connection.read_reply().status, 200);
  // The body a moment after its header, in two pieces.
  connection.send_raw(request_head("split") + "Content-Length: 9\r\n\r\n{\"n\"");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  connection.send_raw(":\"2\"}");
  EXPECT_EQ(connection.read_reply().status, 200);
  // Chunked, the last chunk sent later.
  connection.send_raw(request_head("chunked") +
                      "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"n\"\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  connection.send_raw("5\r\n:\"3\"}\r\n0\r\n\r\n");
  EXPECT_EQ(connection.read_reply().status, 200);
  // Two requests in one segment: both answered, in order.
  connection.send_raw(request_head("pipelined") + "Content-Length: 9\r\n\r\n{\"n\":\"4\"}" +
                      request_head("pipelined") + "Content-Length: 9\r\n\r\n{\"n\":\"5\"}");
  EXPECT_EQ(connection.read_reply().status, 200);
  EXPECT_EQ(connection.read_reply().status, 200);
  const auto lines = read_all_lines(log_dir_);
  ASSERT_EQ(lines.size(), 5u);
  std::vector<std::string> seen;
  for (const auto& line : lines) {
    const auto record = ordered_json::parse(line);
    seen.push_back(record["how"].get<std::string>() + "=" + record["n"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"whole=1", "split=2", "chunked=3", "pipelined=4",
                                            "pipelined=5"}));
}

TEST_F(HttpContract, AChunkedBodyOverTheLimitIsRefused) {
  start({{"P2L_MAX_BODY_BYTES", "100"}});
  HttpConnection connection(port());
  const std::string chunk(150, ' ');
  connection.send_raw(
      "POST /postback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n96\r\n" +
      chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(connection.read_reply().status, 413);
  EXPECT_EQ(total_log_bytes(log_dir_), 0u);
}

TEST_F(HttpContract, IdleConnectionsAreClosedAfterTheKeepAliveTimeout) {
  start({{"P2L_KEEPALIVE_TIMEOUT", "1"}, {"P2L_HEADER_TIMEOUT", "1"}});
  HttpConnection idle(port());
  EXPECT_TRUE(idle.closed_by_server(std::chrono::milliseconds(5000)));
  // A client that stops halfway through its header is cut off too (P2L_HEADER_TIMEOUT).
  HttpConnection slow(port());
  slow.send_raw("POST /postback HTTP/1.1\r\nHost:");
  EXPECT_TRUE(slow.closed_by_server(std::chrono::milliseconds(5000)));
  EXPECT_EQ(total_log_bytes(log_dir_), 0u);
}

TEST_F(HttpContract, ABodyThatStallsIsCutOffAfterTheRequestTimeout) {
  start({{"P2L_KEEPALIVE_TIMEOUT", "30"}, {"P2L_REQUEST_TIMEOUT", "1"}});
  HttpConnection stalled(port());
  stalled.send_raw(
      "POST /postback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 20\r\n\r\n{\"a\":");
  EXPECT_TRUE(stalled.closed_by_server(std::chrono::milliseconds(5000)));
  // A connection that keeps up is not touched by its neighbour's deadline.
  HttpConnection healthy(port());
  EXPECT_EQ(healthy.request("POST", "/postback", "{}").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(healthy.request("POST", "/postback", "{}").status, 200);
  EXPECT_EQ(read_all_lines(log_dir_).size(), 2u);
}

TEST_F(HttpContract, HealthReadinessAndMetrics) {
  start();
  EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(http_request(port(), "POST", "/healthz").status, 405);
  ASSERT_EQ(http_request(port(), "POST", "/postback", R"({"a":1})").status, 200);
  ASSERT_EQ(http_request(port(), "POST", "/postback", "oops").status, 400);

  const HttpReply metrics = http_request(port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_TRUE(metrics.header("content-type").starts_with("text/plain; version=0.0.4"));
  const std::string& page = metrics.body;
  EXPECT_NE(page.find("post2log_http_responses_total{code=\"200\"} 3\n"), std::string::npos)
      << page;  // healthz, readyz, the postback
  EXPECT_NE(page.find("post2log_http_responses_total{code=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(page.find("post2log_records_written_total 1\n"), std::string::npos);
  const auto line_size = std::filesystem::file_size(log_dir_ / "post2log-1.log");
  EXPECT_NE(page.find("post2log_record_bytes_written_total " + std::to_string(line_size) + "\n"),
            std::string::npos);
  EXPECT_NE(page.find("post2log_request_duration_seconds_bucket{le=\"+Inf\"} "), std::string::npos);
  EXPECT_NE(page.find("# TYPE post2log_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(page.find("post2log_log_rotations_total 0\n"), std::string::npos);
  EXPECT_NE(page.find("post2log_write_errors_total 0\n"), std::string::npos);
}

TEST_F(HttpContract, RestartAppendsToTheSameFiles) {
  start();
  ASSERT_EQ(http_request(port(), "POST", "/postback?run=1").status, 200);
  ASSERT_EQ(receiver_->stop(SIGTERM), 0);
  start();
  ASSERT_EQ(http_request(port(), "POST", "/postback?run=2").status, 200);
  const auto lines = read_all_lines(log_dir_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with(R"({"run":"1")"));
  EXPECT_TRUE(lines[1].starts_with(R"({"run":"2")"));
}

TEST(ReceiverConfiguration, InvalidSettingsStopItWithTheVariableNamed) {
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"P2L_PORT", "eighty"},
                                                        {"P2L_WORKERS", "0"},
                                                        {"P2L_ENDPOINT", "postback"},
                                                        {"P2L_LOG_QUERYPARAM", "sometimes"}}) {
    const ExitResult result = run_receiver_to_exit({{name, value}}, std::chrono::seconds(10));
    EXPECT_EQ(result.status, 1) << name;
    EXPECT_NE(result.output.find(name + "=\"" + value + "\" is invalid"), std::string::npos)
        << result.output;
  }
  TempDir dir;
  const auto file = dir.path() / "file";
  std::ofstream(file) << "not a directory";
  const ExitResult result = run_receiver_to_exit(
      {{"P2L_LOG_DIR", (file / "logs").string()}, {"P2L_PORT", "0"}}, std::chrono::seconds(10));
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.output.find("P2L_LOG_DIR"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace p2l::test
