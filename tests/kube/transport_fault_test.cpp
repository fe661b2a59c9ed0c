// The cpprestsdk transport against a local server that misbehaves on purpose: dropped
// connections mid-chunk, resets, garbage, silence. Each case must end in a TransportError
// (or a clean end of stream), promptly, without crashing or leaking sockets and threads.
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <future>

#include "fault_server.hpp"
#include "p2l/kube/client.hpp"
#include "p2l/kube/cpprest_transport.hpp"
#include "p2l/kube/errors.hpp"

namespace p2l::kube {
namespace {

using namespace std::chrono_literals;
using testing::chunked_head;
using testing::FaultServer;
using testing::ServerConnection;

spdlog::logger& test_logger() {
  static auto logger = [] {
    auto created = spdlog::stderr_color_mt("kube-transport-test");
    created->set_level(spdlog::level::warn);
    return created;
  }();
  return *logger;
}

const std::string kEvent1 =
    R"({"type":"ADDED","object":{"metadata":{"name":"a","namespace":"ns","resourceVersion":"11"}}})";
const std::string kEvent2 =
    R"({"type":"MODIFIED","object":{"metadata":{"name":"a","namespace":"ns","resourceVersion":"12"}}})";

struct Fixture {
  explicit Fixture(FaultServer::Script script) : server(std::move(script)) {
    Connection connection;
    connection.server = server.url();
    transport = make_cpprest_transport(connection, test_logger());
    client = std::make_unique<Client>(connection, transport, test_logger());
  }
  FaultServer server;
  std::shared_ptr<Transport> transport;
  std::unique_ptr<Client> client;
};

Request watch_request(std::chrono::milliseconds idle = 5s) {
  Request request{.method = "GET", .target = "/api/v1/configmaps?watch=true"};
  request.timeout = idle;
  return request;
}

TEST(TransportFaults, CompleteChunkedStreamEndsCleanly) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    // One event split across chunks, then two events in one chunk.
    c.send_chunk(kEvent1.substr(0, 10));
    c.send_chunk(kEvent1.substr(10) + "\n");
    c.send_chunk(kEvent2 + "\n" + kEvent1 + "\n");
    c.send("0\r\n\r\n");
  });
  auto stream = f.transport->open_stream(watch_request());
  EXPECT_EQ(stream->status(), 200);
  EXPECT_EQ(stream->next_line(), kEvent1);
  EXPECT_EQ(stream->next_line(), kEvent2);
  EXPECT_EQ(stream->next_line(), kEvent1);
  EXPECT_EQ(stream->next_line(), std::nullopt);
}

TEST(TransportFaults, WatchStreamDecodesEventsAndEnds) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk(kEvent1 + "\n");
    c.send_chunk(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"20"}}})"
                 "\n");
    c.send("0\r\n\r\n");
  });
  auto watch = f.client->watch("/api/v1/configmaps", "10", {.timeout_seconds = 2});
  auto first = watch.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type, WatchEventType::added);
  auto second = watch.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->type, WatchEventType::bookmark);
  EXPECT_FALSE(watch.next());
  const auto request = f.server.requests().at(0);
  EXPECT_NE(request.find("resourceVersion=10"), std::string::npos) << request;
  EXPECT_NE(request.find("allowWatchBookmarks=true"), std::string::npos) << request;
  EXPECT_NE(request.find("timeoutSeconds=2"), std::string::npos) << request;
}

TEST(TransportFaults, DropMidChunkIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk(kEvent1 + "\n");
    // Promise 200 bytes, send 20, close.
    c.send("c8\r\n" + kEvent2.substr(0, 20));
  });
  auto stream = f.transport->open_stream(watch_request());
  EXPECT_EQ(stream->next_line(), kEvent1);
  EXPECT_THROW((void)stream->next_line(), TransportError);
}

TEST(TransportFaults, ResetMidChunkIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk(kEvent1 + "\n");
    c.send("c8\r\n" + kEvent2.substr(0, 20));
    c.reset();
  });
  auto stream = f.transport->open_stream(watch_request());
  EXPECT_EQ(stream->next_line(), kEvent1);
  EXPECT_THROW((void)stream->next_line(), TransportError);
}

TEST(TransportFaults, DropBetweenChunksIsNotACleanEnd) {
  // No terminating zero-length chunk: the response is incomplete, not finished.
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk(kEvent1 + "\n");
  });
  auto stream = f.transport->open_stream(watch_request());
  EXPECT_EQ(stream->next_line(), kEvent1);
  EXPECT_THROW((void)stream->next_line(), TransportError);
}

TEST(TransportFaults, GarbageChunkSizeIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send("zz-not-hex\r\nhello\r\n");
    c.hang(5s);
  });
  auto stream = f.transport->open_stream(watch_request());
  EXPECT_THROW((void)stream->next_line(), TransportError);
}

TEST(TransportFaults, GarbageInsteadOfHttpIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send("SSH-2.0-OpenSSH_9.2\r\n\r\n\x01\x02garbage");
  });
  EXPECT_THROW((void)f.transport->open_stream(watch_request()), TransportError);
  EXPECT_THROW((void)f.transport->send({.method = "GET", .target = "/version"}), TransportError);
}

TEST(TransportFaults, GarbageLineInAWatchIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk("this is not json\n");
    c.hang(5s);
  });
  auto watch = f.client->watch("/api/v1/configmaps", "1", {.timeout_seconds = 2});
  EXPECT_THROW((void)watch.next(), TransportError);
}

TEST(TransportFaults, SilentServerHitsTheIdleTimeout) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk(kEvent1 + "\n");
    c.hang(30s);
  });
  auto stream = f.transport->open_stream(watch_request(1500ms));
  EXPECT_EQ(stream->next_line(), kEvent1);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW((void)stream->next_line(), TransportError);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 1200ms);
  EXPECT_LT(waited, 10s);
}

TEST(TransportFaults, SilentServerBeforeHeadersHitsTheTimeout) {
  Fixture f([](ServerConnection& c, const std::string&) { c.hang(30s); });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW((void)f.transport->open_stream(watch_request(1s)), TransportError);
  Request get{.method = "GET", .target = "/version"};
  get.timeout = 1s;
  EXPECT_THROW((void)f.transport->send(get), TransportError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
}

TEST(TransportFaults, CancelUnblocksAReader) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.hang(30s);
  });
  auto stream = f.transport->open_stream(watch_request(60s));
  auto reader = std::async(std::launch::async, [&] {
    try {
      (void)stream->next_line();
      return std::string("returned");
    } catch (const TransportError& error) {
      return std::string("threw: ") + error.what();
    }
  });
  std::this_thread::sleep_for(300ms);
  const auto started = std::chrono::steady_clock::now();
  stream->cancel();
  ASSERT_EQ(reader.wait_for(10s), std::future_status::ready) << "cancel did not unblock";
  EXPECT_EQ(reader.get().rfind("threw", 0), 0U);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(TransportFaults, DestroyingAHungStreamReturnsPromptly) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.hang(30s);
  });
  auto stream = f.transport->open_stream(watch_request(60s));
  const auto started = std::chrono::steady_clock::now();
  stream.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(TransportFaults, ShortContentLengthBodyIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
        R"({"kind":"ConfigMap")");
    c.finish();
  });
  EXPECT_THROW((void)f.transport->send({.method = "GET", .target = "/api/v1/x"}), TransportError);
}

TEST(TransportFaults, ConnectionRefusedIsATransportError) {
  int port = 0;
  {
    FaultServer closed([](ServerConnection&, const std::string&) {});
    port = closed.port();
  }
  Connection connection;
  connection.server = "http://127.0.0.1:" + std::to_string(port);
  auto transport = make_cpprest_transport(connection, test_logger());
  EXPECT_THROW((void)transport->send({.method = "GET", .target = "/version"}), TransportError);
  EXPECT_THROW((void)transport->open_stream(watch_request()), TransportError);
}

TEST(TransportFaults, ErrorStatusOnWatchCarriesTheStatus) {
  Fixture f([](ServerConnection& c, const std::string&) {
    const std::string body =
        R"({"kind":"Status","status":"Failure","message":"configmaps is forbidden: no",)"
        R"("reason":"Forbidden","code":403})";
    c.send("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  try {
    (void)f.client->watch("/api/v1/configmaps", "1");
    FAIL() << "no error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.http_status(), 403);
    EXPECT_EQ(error.reason(), "Forbidden");
    EXPECT_EQ(error.message(), "configmaps is forbidden: no");
  }
}

TEST(TransportFaults, GoneOnWatchIsExpired) {
  Fixture f([](ServerConnection& c, const std::string&) {
    const std::string body =
        R"({"kind":"Status","status":"Failure","message":"too old resource version",)"
        R"("reason":"Expired","code":410})";
    c.send("HTTP/1.1 410 Gone\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  auto watch = f.client->watch("/api/v1/configmaps", "1");
  const auto event = watch.next();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, WatchEventType::expired);
  EXPECT_EQ(event->object.value("reason", ""), "Expired");
  EXPECT_FALSE(watch.next());
}

// The server goes away between two requests (a restart): the pooled keep-alive connection
// is dead, and the next request must not fail because of it.
TEST(TransportFaults, DeadPooledConnectionIsNotReused) {
  std::atomic<int> served{0};
  Fixture f([&](ServerConnection& c, const std::string&) {
    const std::string body = R"({"kind":"Status","status":"Success"})";
    c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
    if (served++ == 0) c.finish();  // the first connection dies after its answer
  });
  Request first{.method = "GET", .target = "/api/v1/namespaces/default"};
  EXPECT_EQ(f.transport->send(first).status, 200);
  std::this_thread::sleep_for(200ms);  // the FIN has arrived
  for (const std::string method : {"DELETE", "POST", "PATCH"}) {
    Request next{.method = method,
                 .target = "/api/v1/namespaces/default/configmaps/x",
                 .content_type = "application/json",
                 .body = std::string(64 * 1024, ' ') + "{}"};
    EXPECT_EQ(f.transport->send(next).status, 200) << method;
  }
}

// Many broken streams in a row: no crash, and sockets and threads do not pile up.
TEST(TransportFaults, RepeatedDropsDoNotLeak) {
  std::atomic<int> served{0};
  Fixture f([&](ServerConnection& c, const std::string&) {
    const int n = served++;
    c.send(chunked_head());
    c.send_chunk(kEvent1 + "\n");
    c.send("c8\r\n" + kEvent2.substr(0, 20));
    if (n % 2 == 0) c.reset();
  });
  auto run = [&](int rounds) {
    for (int i = 0; i < rounds; ++i) {
      auto stream = f.transport->open_stream(watch_request());
      ASSERT_EQ(stream->next_line(), kEvent1);
      EXPECT_THROW((void)stream->next_line(), TransportError);
    }
  };
  run(20);  // warm up cpprestsdk's thread pool
  std::this_thread::sleep_for(200ms);
  const auto fds_before = testing::open_fd_count();
  const auto threads_before = testing::thread_count();
  run(300);
  std::this_thread::sleep_for(500ms);
  // The server keeps one worker thread per connection until it stops; only ours count here.
  EXPECT_LE(testing::open_fd_count(), fds_before + 5);
  EXPECT_LE(testing::thread_count(), threads_before + 300 + 5);
}

}  // namespace
}  // namespace p2l::kube
