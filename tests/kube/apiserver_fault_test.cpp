// Watches and the reflector against a real kube-apiserver that ends watches, forgets old
// resourceVersions and gets killed with SIGKILL.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include "control_plane.hpp"
#include "p2l/kube/cpprest_transport.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/kube/kubeconfig.hpp"
#include "p2l/kube/reflector.hpp"
#include "p2l/yaml_json.hpp"

namespace p2l::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ControlPlane;
using testing::eventually;
using testing::integration_logger;
using testing::ScopedNamespace;

json config_map(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{"name", name}}}};
}

std::set<std::string> names_in(const std::vector<json>& objects) {
  std::set<std::string> names;
  for (const auto& object : objects)
    names.insert(object["metadata"]["name"].get<std::string>());
  return names;
}

std::set<std::string> names_in(const std::vector<ObjectPtr>& objects) {
  std::set<std::string> names;
  for (const auto& object : objects)
    names.insert(object->at("metadata").at("name").get<std::string>());
  return names;
}

std::set<std::string> names_on_server(Client& client, const std::string& collection) {
  std::vector<json> items;
  for (const auto& item : client.list(collection).items)
    items.push_back(item);
  return names_in(items);
}

class ApiServerFaults : public ::testing::Test {
 protected:
  Client client = ControlPlane::instance().make_client();
};

TEST_F(ApiServerFaults, ReflectorResumesAfterTheServerEndsEachWatch) {
  ScopedNamespace ns(client, "resume");
  const auto collection = collection_path(resources::config_maps(), ns.name());
  std::atomic<int> changes{0};
  Reflector reflector(
      client, {.collection = collection, .watch = {.timeout_seconds = 2}},
      [&](const Change&) { ++changes; }, integration_logger());
  ASSERT_TRUE(reflector.wait_synced(30s));
  for (int i = 0; i < 4; ++i) {
    client.create(collection, config_map(ns.name(), "cm-" + std::to_string(i)));
    std::this_thread::sleep_for(2500ms);  // each one lands in a later watch
  }
  ASSERT_TRUE(eventually(
      [&] { return names_in(reflector.store().list()) == names_on_server(client, collection); }));
  const auto counters = reflector.counters();
  EXPECT_GE(counters.watches, 4) << "the server should have ended several watches";
  EXPECT_EQ(counters.lists, 1) << "an ended watch resumes from its resourceVersion";
  EXPECT_EQ(counters.expirations, 0);
  EXPECT_EQ(counters.failures, 0);
}

TEST_F(ApiServerFaults, TooOldResourceVersionIsExpired) {
  // The watch cache of a custom resource starts when its CRD is established, at the then
  // current resourceVersion, so "1" is older than anything it holds. (For built-in types a
  // fresh API server still holds every event since it started, and "1" is valid.)
  std::ifstream in(P2L_CRD_FILE);
  std::ostringstream text;
  text << in.rdbuf();
  const json crd = load_yaml_documents(text.str()).documents.at(0).value;
  client.apply(resources::custom_resource_definitions(), crd, "post2log-test");
  const auto collection = collection_path(resources::post2logs(), "default");
  ASSERT_TRUE(eventually([&] {
    try {
      client.list(collection);
      return true;
    } catch (const ApiError&) {
      return false;  // not served yet
    }
  }));
  WatchStream watch = client.watch(collection, "1", {.timeout_seconds = 10});
  const auto event = watch.next();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, WatchEventType::expired) << event->object.dump();
  EXPECT_EQ(event->object.value("code", 0), 410) << event->object.dump();
  EXPECT_EQ(event->object.value("reason", ""), "Expired") << event->object.dump();
  integration_logger().info("a watch from resourceVersion 1 answers: {}", event->object.dump());
}

// The real API server's certificate checked against a CA that did not sign it.
TEST_F(ApiServerFaults, UntrustedServerCertificateIsATlsFailure) {
  Connection connection = load_kubeconfig({ControlPlane::instance().kubeconfig()});
  ASSERT_FALSE(connection.client_cert_pem.empty());
  connection.ca_pem = connection.client_cert_pem;
  connection.ca_file.clear();
  auto transport = make_cpprest_transport(connection, integration_logger());
  try {
    (void)transport->send({.method = "GET", .target = "/version"});
    FAIL() << "the server's certificate was trusted";
  } catch (const TransportError& error) {
    EXPECT_EQ(error.kind(), TransportErrorKind::tls) << error.what();
  }
}

TEST_F(ApiServerFaults, WatchAndReflectorSurviveKillingTheApiServer) {
  auto& plane = ControlPlane::instance();
  ScopedNamespace ns(client, "kill");
  const auto collection = collection_path(resources::config_maps(), ns.name());
  for (int i = 0; i < 3; ++i)
    client.create(collection, config_map(ns.name(), "before-" + std::to_string(i)));

  std::mutex seen_mutex;
  std::vector<Change> seen;
  Reflector reflector(
      client,
      {.collection = collection,
       .watch = {.timeout_seconds = 120},
       .initial_backoff = 200ms,
       .max_backoff = 2s},
      [&](const Change& change) {
        std::lock_guard lock(seen_mutex);
        seen.push_back(change);
      },
      integration_logger());
  ASSERT_TRUE(reflector.wait_synced(30s));
  // Three plus kube-root-ca.crt, which every namespace gets.
  ASSERT_TRUE(eventually(
      [&] { return names_in(reflector.store().list()) == names_on_server(client, collection); }));

  // A raw watch too: its reader must get an error, promptly, when the server dies.
  WatchStream raw =
      client.watch(collection, reflector.resource_version(), {.timeout_seconds = 120});
  auto raw_result = std::async(std::launch::async, [&] {
    try {
      while (auto event = raw.next()) {
      }
      return std::string("ended cleanly");
    } catch (const TransportError& error) {
      return std::string(to_string(error.kind())) + ": " + error.what();
    }
  });

  plane.kill_apiserver();
  ASSERT_EQ(raw_result.wait_for(30s), std::future_status::ready) << "the raw watch hangs";
  const std::string raw_outcome = raw_result.get();
  integration_logger().info("raw watch after kill -9: {}", raw_outcome);
  EXPECT_EQ(raw_outcome.rfind(to_string(TransportErrorKind::connection_lost), 0), 0U)
      << raw_outcome;

  std::this_thread::sleep_for(3s);  // the reflector fails to reconnect a few times
  plane.start_apiserver();
  plane.wait_apiserver_ready();

  // Changes right after the restart, possibly before the reflector is back.
  client.remove(collection + "/before-0");
  client.create(collection, config_map(ns.name(), "after-0"));
  client.create(collection, config_map(ns.name(), "after-1"));

  ASSERT_TRUE(eventually(
      [&] { return names_in(reflector.store().list()) == names_on_server(client, collection); },
      60s))
      << "the reflector did not converge after the restart";
  const auto counters = reflector.counters();
  integration_logger().info(
      "reflector after restart: lists={} watches={} expirations={} failures={}", counters.lists,
      counters.watches, counters.expirations, counters.failures);
  EXPECT_GE(counters.failures, 1);
  std::lock_guard lock(seen_mutex);
  bool saw_delete = false;
  for (const auto& change : seen) {
    if (change.type == ChangeType::deleted &&
        change.object->at("metadata").at("name") == "before-0") {
      saw_delete = true;
    }
  }
  EXPECT_TRUE(saw_delete) << "the deletion during the outage window was not reported";
}

}  // namespace
}  // namespace p2l::kube
