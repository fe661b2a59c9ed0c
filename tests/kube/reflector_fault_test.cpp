// The reflector against a scripted local server: reconnects after drops, relists after
// expiry, backs off from garbage, stops promptly.
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "fault_server.hpp"
#include "p2l/kube/cpprest_transport.hpp"
#include "p2l/kube/reflector.hpp"

namespace p2l::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::chunked_head;
using testing::FaultServer;
using testing::ServerConnection;

spdlog::logger& reflector_logger() {
  static auto logger = [] {
    auto created = spdlog::stderr_color_mt("kube-reflector-test");
    created->set_level(spdlog::level::warn);
    return created;
  }();
  return *logger;
}

json cm(const std::string& name, const std::string& version) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", version}}}};
}

void send_json(ServerConnection& c, const json& body) {
  const std::string text = body.dump();
  c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(text.size()) + "\r\n\r\n" + text);
}

json list_of(std::vector<json> items, const std::string& version) {
  return {{"kind", "ConfigMapList"},
          {"metadata", {{"resourceVersion", version}}},
          {"items", std::move(items)}};
}

std::string event_line(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

bool is_watch(const std::string& request) {
  return request.find("watch=true") != std::string::npos;
}

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

struct Recorder {
  std::mutex mutex;
  std::vector<std::string> changes;
  Reflector::Callback callback() {
    return [this](const Change& change) {
      static const char* names[] = {"added", "modified", "deleted"};
      std::lock_guard lock(mutex);
      changes.push_back(std::string(names[static_cast<int>(change.type)]) + " " +
                        change.object->at("metadata").at("name").get<std::string>() + "@" +
                        change.object->at("metadata").at("resourceVersion").get<std::string>());
    };
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return changes;
  }
};

Client client_for(const FaultServer& server) {
  Connection connection;
  connection.server = server.url();
  return Client(connection, make_cpprest_transport(connection, reflector_logger()),
                reflector_logger());
}

TEST(ReflectorFaults, ReconnectsFromTheLastResourceVersionAfterADrop) {
  std::atomic<int> watches{0};
  FaultServer server([&](ServerConnection& c, const std::string& request) {
    if (!is_watch(request)) return send_json(c, list_of({cm("a", "10")}, "10"));
    if (watches++ == 0) {
      c.send(chunked_head());
      c.send_chunk(event_line("ADDED", cm("b", "11")));
      c.send("c8\r\n{\"type\":\"MODI");  // dropped mid-chunk
      return;
    }
    c.send(chunked_head());
    c.send_chunk(event_line("MODIFIED", cm("b", "12")));
    c.hang();
  });
  Client client = client_for(server);
  Recorder recorder;
  Reflector reflector(client,
                      {.collection = "/api/v1/namespaces/ns/configmaps", .initial_backoff = 50ms},
                      recorder.callback(), reflector_logger());
  ASSERT_TRUE(wait_for([&] { return recorder.snapshot().size() == 3; }));
  EXPECT_EQ(recorder.snapshot(),
            (std::vector<std::string>{"added a@10", "added b@11", "modified b@12"}));
  EXPECT_EQ(reflector.resource_version(), "12");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_NE(requests[1].find("resourceVersion=10"), std::string::npos) << requests[1];
  EXPECT_NE(requests[2].find("resourceVersion=11"), std::string::npos) << requests[2];
  const auto counters = reflector.counters();
  EXPECT_EQ(counters.lists, 1);
  EXPECT_EQ(counters.failures, 1);
}

// A kind whose CRD is not installed: the server answers the list with 404. The reflector
// counts as synced with nothing, lists again every unserved_recheck, and once the kind is
// served stores it and says so through on_served, once.
TEST(ReflectorFaults, AnUnservedKindIsSyncedEmptyUntilItIsServed) {
  std::atomic<int> lists{0};
  FaultServer server([&](ServerConnection& c, const std::string& request) {
    if (!is_watch(request)) {
      if (lists++ < 2) {
        const std::string body =
            R"({"kind":"Status","status":"Failure","reason":"NotFound","code":404})";
        c.send("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body);
        return;
      }
      return send_json(c, list_of({cm("monitor", "20")}, "20"));
    }
    c.send(chunked_head());
    c.hang();
  });
  Client client = client_for(server);
  Recorder recorder;
  std::atomic<int> served_calls{0};
  Reflector reflector(client,
                      {.collection = "/apis/monitoring.coreos.com/v1/namespaces/ns/podmonitors",
                       .may_be_unserved = true,
                       .unserved_recheck = 100ms,
                       .on_served = [&] { ++served_calls; }},
                      recorder.callback(), reflector_logger());
  ASSERT_TRUE(reflector.wait_synced(5s));
  EXPECT_FALSE(reflector.served());
  EXPECT_TRUE(reflector.store().list().empty());
  EXPECT_EQ(served_calls.load(), 0);
  ASSERT_TRUE(wait_for([&] { return reflector.served(); }));
  ASSERT_TRUE(wait_for([&] { return recorder.snapshot().size() == 1; }));
  EXPECT_EQ(recorder.snapshot(), (std::vector<std::string>{"added monitor@20"}));
  EXPECT_EQ(served_calls.load(), 1);
  EXPECT_EQ(lists.load(), 3);
  EXPECT_EQ(reflector.counters().failures, 0) << "a kind not served is no failure";
}

// Without may_be_unserved a 404 is an error like any other: retried with backoff, not synced.
TEST(ReflectorFaults, A404IsAFailureForAKindThatMustBeServed) {
  FaultServer server([&](ServerConnection& c, const std::string&) {
    const std::string body =
        R"({"kind":"Status","status":"Failure","reason":"NotFound","code":404})";
    c.send("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  Client client = client_for(server);
  Recorder recorder;
  Reflector reflector(client,
                      {.collection = "/api/v1/namespaces/ns/configmaps", .initial_backoff = 20ms},
                      recorder.callback(), reflector_logger());
  EXPECT_FALSE(reflector.wait_synced(500ms));
  EXPECT_GE(reflector.counters().failures, 1);
}

TEST(ReflectorFaults, RelistsAfterExpiryAndReportsWhatChanged) {
  std::atomic<int> lists{0};
  std::atomic<int> watches{0};
  FaultServer server([&](ServerConnection& c, const std::string& request) {
    if (!is_watch(request)) {
      if (lists++ == 0) return send_json(c, list_of({cm("a", "10"), cm("b", "10")}, "10"));
      return send_json(c, list_of({cm("b", "12"), cm("c", "13")}, "13"));
    }
    c.send(chunked_head());
    if (watches++ == 0) {
      c.send_chunk(event_line("ERROR", {{"kind", "Status"},
                                        {"code", 410},
                                        {"reason", "Expired"},
                                        {"message", "too old resource version: 10 (13)"}}));
      c.send("0\r\n\r\n");
      return;
    }
    c.hang();
  });
  Client client = client_for(server);
  Recorder recorder;
  Reflector reflector(client, {.collection = "/api/v1/namespaces/ns/configmaps"},
                      recorder.callback(), reflector_logger());
  ASSERT_TRUE(wait_for([&] { return recorder.snapshot().size() == 5; }));
  EXPECT_EQ(recorder.snapshot(),
            (std::vector<std::string>{"added a@10", "added b@10", "modified b@12", "added c@13",
                                      "deleted a@10"}));
  EXPECT_EQ(reflector.store().size(), 2U);
  EXPECT_FALSE(reflector.store().get("ns/a"));
  const auto counters = reflector.counters();
  EXPECT_EQ(counters.lists, 2);
  EXPECT_EQ(counters.expirations, 1);
  EXPECT_EQ(counters.failures, 0);
  const auto requests = server.requests();
  ASSERT_GE(requests.size(), 4U);
  EXPECT_NE(requests[3].find("resourceVersion=13"), std::string::npos) << requests[3];
}

TEST(ReflectorFaults, BacksOffFromGarbageAndStopsPromptly) {
  std::atomic<int> watches{0};
  FaultServer server([&](ServerConnection& c, const std::string& request) {
    if (!is_watch(request)) return send_json(c, list_of({}, "5"));
    ++watches;
    c.send(chunked_head());
    c.send_chunk("<html>502 Bad Gateway</html>\n");
  });
  Client client = client_for(server);
  auto reflector = std::make_unique<Reflector>(
      client,
      ReflectorOptions{
          .collection = "/api/v1/configmaps", .initial_backoff = 50ms, .max_backoff = 400ms},
      nullptr, reflector_logger());
  std::this_thread::sleep_for(2500ms);
  const auto counters = reflector->counters();
  // 50, 100, 200, 400, 400... ms (plus jitter up to half): about 6 to 9 attempts in 2.5 s,
  // not hundreds.
  EXPECT_GE(counters.failures, 4);
  EXPECT_LE(counters.failures, 15);
  EXPECT_EQ(counters.lists, 1);
  const auto started = std::chrono::steady_clock::now();
  reflector.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(ReflectorFaults, StopsPromptlyWhileWatching) {
  FaultServer server([&](ServerConnection& c, const std::string& request) {
    if (!is_watch(request)) return send_json(c, list_of({cm("a", "1")}, "1"));
    c.send(chunked_head());
    c.hang();
  });
  Client client = client_for(server);
  auto reflector = std::make_unique<Reflector>(
      client, ReflectorOptions{.collection = "/api/v1/configmaps"}, nullptr, reflector_logger());
  ASSERT_TRUE(reflector->wait_synced(10s));
  ASSERT_TRUE(wait_for([&] { return reflector->counters().watches == 1; }));
  std::this_thread::sleep_for(200ms);
  const auto started = std::chrono::steady_clock::now();
  reflector.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

// The transform reaches every object the reflector stores or reports: listed, added,
// modified and deleted alike, and the previous state of a modification too.
TEST(ReflectorFaults, TheTransformSeesEveryObjectBeforeItIsStoredOrReported) {
  const auto with_managed_fields = [](const std::string& name, const std::string& version) {
    json object = cm(name, version);
    object["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
    return object;
  };
  FaultServer server([&](ServerConnection& c, const std::string& request) {
    if (!is_watch(request)) return send_json(c, list_of({with_managed_fields("a", "10")}, "10"));
    c.send(chunked_head());
    c.send_chunk(event_line("ADDED", with_managed_fields("b", "11")));
    c.send_chunk(event_line("MODIFIED", with_managed_fields("a", "12")));
    c.send_chunk(event_line("DELETED", with_managed_fields("b", "13")));
    c.hang();
  });
  Client client = client_for(server);
  std::mutex mutex;
  std::vector<Change> seen;
  Reflector reflector(
      client, {.collection = "/api/v1/namespaces/ns/configmaps", .transform = strip_for_cache},
      [&](const Change& change) {
        std::lock_guard lock(mutex);
        seen.push_back(change);
      },
      reflector_logger());
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lock(mutex);
    return seen.size() == 4;
  }));
  std::lock_guard lock(mutex);
  for (const Change& change : seen) {
    EXPECT_FALSE(change.object->at("metadata").contains("managedFields")) << *change.object;
    if (change.previous) {
      EXPECT_FALSE(change.previous->at("metadata").contains("managedFields"));
    }
  }
  ASSERT_EQ(seen[2].type, ChangeType::modified);
  ASSERT_TRUE(seen[2].previous);
  EXPECT_EQ(seen[2].previous->at("metadata").at("resourceVersion"), "10");
  const ObjectPtr stored = reflector.store().get("ns/a");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->at("metadata").at("resourceVersion"), "12");
  EXPECT_FALSE(stored->at("metadata").contains("managedFields"));
  // The change and the store share one object.
  EXPECT_EQ(stored.get(), seen[2].object.get());
}

}  // namespace
}  // namespace p2l::kube
