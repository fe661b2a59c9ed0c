// The cpprestsdk transport against a local server that misbehaves on purpose: dropped
// connections mid-chunk, resets, garbage, silence, a TLS client meeting plain HTTP, a name
// that does not resolve. Each case must end in a TransportError of the right kind (or a
// clean end of stream), promptly, without crashing or leaking sockets and threads.
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <future>
#include <regex>

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

// The kind of the TransportError `action` throws, with its message for the report.
struct Failure {
  std::optional<TransportErrorKind> kind;
  std::string message = "no TransportError";
};

template <typename Action>
Failure failure_of(Action&& action) {
  try {
    (void)action();
  } catch (const TransportError& error) {
    return {error.kind(), error.what()};
  }
  return {};
}

#define EXPECT_FAILS_AS(action, expected)                 \
  do {                                                    \
    const Failure failure = failure_of(action);           \
    EXPECT_EQ(failure.kind, expected) << failure.message; \
  } while (false)

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
  EXPECT_FAILS_AS([&] { return stream->next_line(); }, TransportErrorKind::connection_lost);
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
  EXPECT_FAILS_AS([&] { return stream->next_line(); }, TransportErrorKind::connection_lost);
}

// A reset before the status line, on a new connection: the request may have been processed.
TEST(TransportFaults, ResetBeforeTheAnswerIsALostConnection) {
  Fixture f([](ServerConnection& c, const std::string&) { c.reset(); });
  EXPECT_FAILS_AS([&] { return f.transport->send({.method = "GET", .target = "/version"}); },
                  TransportErrorKind::connection_lost);
  EXPECT_FAILS_AS([&] { return f.transport->open_stream(watch_request()); },
                  TransportErrorKind::connection_lost);
}

TEST(TransportFaults, DropBetweenChunksIsNotACleanEnd) {
  // No terminating zero-length chunk: the response is incomplete, not finished.
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk(kEvent1 + "\n");
  });
  auto stream = f.transport->open_stream(watch_request());
  EXPECT_EQ(stream->next_line(), kEvent1);
  EXPECT_FAILS_AS([&] { return stream->next_line(); }, TransportErrorKind::connection_lost);
}

TEST(TransportFaults, GarbageChunkSizeIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send("zz-not-hex\r\nhello\r\n");
    c.hang(5s);
  });
  auto stream = f.transport->open_stream(watch_request());
  EXPECT_FAILS_AS([&] { return stream->next_line(); }, TransportErrorKind::malformed);
}

TEST(TransportFaults, GarbageInsteadOfHttpIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send("SSH-2.0-OpenSSH_9.2\r\n\r\n\x01\x02garbage");
  });
  EXPECT_FAILS_AS([&] { return f.transport->open_stream(watch_request()); },
                  TransportErrorKind::malformed);
  EXPECT_FAILS_AS([&] { return f.transport->send({.method = "GET", .target = "/version"}); },
                  TransportErrorKind::malformed);
}

TEST(TransportFaults, GarbageLineInAWatchIsATransportError) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send(chunked_head());
    c.send_chunk("this is not json\n");
    c.hang(5s);
  });
  auto watch = f.client->watch("/api/v1/configmaps", "1", {.timeout_seconds = 2});
  EXPECT_FAILS_AS([&] { return watch.next(); }, TransportErrorKind::malformed);
}

TEST(TransportFaults, AnswerThatIsNotJsonIsMalformed) {
  Fixture f([](ServerConnection& c, const std::string&) {
    c.send("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>");
  });
  EXPECT_FAILS_AS([&] { return f.client->get("/version"); }, TransportErrorKind::malformed);
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
  EXPECT_FAILS_AS([&] { return stream->next_line(); }, TransportErrorKind::timeout);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 1200ms);
  EXPECT_LT(waited, 10s);
}

TEST(TransportFaults, SilentServerBeforeHeadersHitsTheTimeout) {
  Fixture f([](ServerConnection& c, const std::string&) { c.hang(30s); });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FAILS_AS([&] { return f.transport->open_stream(watch_request(1s)); },
                  TransportErrorKind::timeout);
  Request get{.method = "GET", .target = "/version"};
  get.timeout = 1s;
  EXPECT_FAILS_AS([&] { return f.transport->send(get); }, TransportErrorKind::timeout);
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
      return std::string(to_string(error.kind()));
    }
  });
  std::this_thread::sleep_for(300ms);
  const auto started = std::chrono::steady_clock::now();
  stream->cancel();
  ASSERT_EQ(reader.wait_for(10s), std::future_status::ready) << "cancel did not unblock";
  EXPECT_EQ(reader.get(), to_string(TransportErrorKind::canceled));
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
  EXPECT_FAILS_AS([&] { return f.transport->send({.method = "GET", .target = "/api/v1/x"}); },
                  TransportErrorKind::connection_lost);
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
  EXPECT_FAILS_AS([&] { return transport->send({.method = "GET", .target = "/version"}); },
                  TransportErrorKind::cannot_connect);
  EXPECT_FAILS_AS([&] { return transport->open_stream(watch_request()); },
                  TransportErrorKind::cannot_connect);
}

// A label longer than 63 characters fails in the resolver itself, so no query leaves the
// machine.
TEST(TransportFaults, UnresolvableNameIsANameFailure) {
  for (const std::string scheme : {"http", "https"}) {
    Connection connection;
    connection.server = scheme + "://" + std::string(64, 'x') + ".invalid:6443";
    auto transport = make_cpprest_transport(connection, test_logger());
    EXPECT_FAILS_AS([&] { return transport->send({.method = "GET", .target = "/version"}); },
                    TransportErrorKind::name_resolution);
    EXPECT_FAILS_AS([&] { return transport->open_stream(watch_request()); },
                    TransportErrorKind::name_resolution);
  }
}

// A TLS client hello answered in plain HTTP.
TEST(TransportFaults, HandshakeWithAPlainHttpServerIsATlsFailure) {
  FaultServer server(
      [](ServerConnection& c, const std::string&) {
        c.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        c.finish();
      },
      false);
  Connection connection;
  connection.server = "https://127.0.0.1:" + std::to_string(server.port());
  auto transport = make_cpprest_transport(connection, test_logger());
  EXPECT_FAILS_AS([&] { return transport->send({.method = "GET", .target = "/version"}); },
                  TransportErrorKind::tls);
  EXPECT_FAILS_AS([&] { return transport->open_stream(watch_request()); }, TransportErrorKind::tls);
}

// A server that hangs up during the handshake (one restarting) is gone, not misconfigured.
TEST(TransportFaults, HangUpDuringTheHandshakeIsALostConnection) {
  FaultServer server(
      [](ServerConnection& c, const std::string&) {
        std::this_thread::sleep_for(100ms);  // the client hello has arrived
        c.finish();
      },
      false);
  Connection connection;
  connection.server = "https://127.0.0.1:" + std::to_string(server.port());
  auto transport = make_cpprest_transport(connection, test_logger());
  EXPECT_FAILS_AS([&] { return transport->open_stream(watch_request()); },
                  TransportErrorKind::connection_lost);
}

// A client key that is not PEM fails in the TLS setup, before any byte is sent.
TEST(TransportFaults, UnusableClientCertificateIsATlsFailure) {
  FaultServer server([](ServerConnection& c, const std::string&) { c.finish(); }, false);
  Connection connection;
  connection.server = "https://127.0.0.1:" + std::to_string(server.port());
  connection.client_cert_pem = "not a certificate";
  connection.client_key_pem = "not a key";
  auto transport = make_cpprest_transport(connection, test_logger());
  EXPECT_FAILS_AS([&] { return transport->send({.method = "GET", .target = "/version"}); },
                  TransportErrorKind::tls);
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

TEST(TransportFaults, EveryRequestCarriesTheConnectionsUserAgent) {
  FaultServer server([](ServerConnection& c, const std::string& request) {
    if (request.find("watch=true") != std::string::npos) {
      c.send(chunked_head() + "0\r\n\r\n");
      return;
    }
    const std::string body = R"({"kind":"Status","status":"Success"})";
    c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  Connection connection;
  connection.server = server.url();
  connection.user_agent = "post2log-operator/9.8.7";
  const auto transport = make_cpprest_transport(connection, test_logger());
  EXPECT_EQ(transport->send({.method = "GET", .target = "/api/v1/namespaces/default"}).status, 200);
  auto stream = transport->open_stream(watch_request());
  while (stream->next_line()) {
  }
  const auto heads = server.requests();
  ASSERT_EQ(heads.size(), 2u);
  for (const std::string& head : heads) {
    // cpprestsdk writes no space after the colon, which HTTP allows.
    EXPECT_TRUE(
        std::regex_search(head, std::regex("\r\nUser-Agent: *post2log-operator/9\\.8\\.7\r\n")))
        << head;
    EXPECT_EQ(head.find("cpprestsdk"), std::string::npos) << head;
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
      EXPECT_FAILS_AS([&] { return stream->next_line(); }, TransportErrorKind::connection_lost);
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
