// The client against a real kube-apiserver started by the CTest fixture.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

#include <fstream>
#include <sstream>
#include <thread>

#include "control_plane.hpp"
#include "p2l/kube/cpprest_transport.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/kube/events.hpp"
#include "p2l/kube/kubeconfig.hpp"
#include "p2l/yaml_json.hpp"

namespace p2l::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ControlPlane;
using testing::eventually;
using testing::ScopedNamespace;

json config_map(const std::string& ns, const std::string& name, json data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", std::move(data)}};
}

std::string rv(const json& object) {
  return object["metadata"]["resourceVersion"];
}

class Integration : public ::testing::Test {
 protected:
  Client client = ControlPlane::instance().make_client();
};

TEST_F(Integration, VersionAndGet) {
  const json version = client.get("/version");
  EXPECT_EQ(version.value("gitVersion", ""), "v1.34.4");
  const json ns = client.get("/api/v1/namespaces/default");
  EXPECT_EQ(ns["metadata"]["name"], "default");
  EXPECT_FALSE(client.find("/api/v1/namespaces/does-not-exist"));
}

TEST_F(Integration, ListFollowsContinueTokens) {
  ScopedNamespace ns(client, "list");
  const auto collection = collection_path(resources::config_maps(), ns.name());
  for (int i = 0; i < 25; ++i) {
    client.create(collection,
                  config_map(ns.name(), "cm-" + std::to_string(i), {{"i", std::to_string(i)}}));
  }
  // Plus kube-root-ca.crt, which every namespace gets.
  const ListResult listed = client.list(collection, {.limit = 10});
  EXPECT_EQ(listed.items.size(), 26U);
  EXPECT_EQ(listed.pages, 3);
  EXPECT_FALSE(listed.resource_version.empty());
  // Listed objects are whole objects, like watched ones: the server leaves
  // apiVersion and kind out of list items.
  for (const json& item : listed.items) {
    EXPECT_EQ(item.value("apiVersion", ""), "v1");
    EXPECT_EQ(item.value("kind", ""), "ConfigMap");
  }

  const ListResult selected =
      client.list(collection, {.field_selector = "metadata.name=cm-7", .limit = 10});
  ASSERT_EQ(selected.items.size(), 1U);
  EXPECT_EQ(selected.items[0]["data"]["i"], "7");
}

TEST_F(Integration, ServerSideApplyCreatesUpdatesAndIsIdempotent) {
  ScopedNamespace ns(client, "apply");
  const auto type = resources::config_maps();
  const json created =
      client.apply(type, config_map(ns.name(), "settings", {{"a", "1"}}), "post2log-test");
  EXPECT_EQ(created["data"]["a"], "1");
  const auto& managed = created["metadata"]["managedFields"];
  ASSERT_TRUE(managed.is_array());
  EXPECT_EQ(managed[0]["manager"], "post2log-test");
  EXPECT_EQ(managed[0]["operation"], "Apply");

  const json updated =
      client.apply(type, config_map(ns.name(), "settings", {{"a", "2"}}), "post2log-test");
  EXPECT_EQ(updated["data"]["a"], "2");
  EXPECT_NE(rv(updated), rv(created));

  const json unchanged =
      client.apply(type, config_map(ns.name(), "settings", {{"a", "2"}}), "post2log-test");
  EXPECT_EQ(rv(unchanged), rv(updated)) << "a no-op apply must not write";

  // Another manager taking the same field conflicts unless forced.
  try {
    client.apply(type, config_map(ns.name(), "settings", {{"a", "3"}}), "someone-else", false);
    FAIL() << "no conflict";
  } catch (const ApiError& error) {
    EXPECT_TRUE(error.conflict()) << error.what();
    EXPECT_EQ(error.reason(), "Conflict");
  }
  const json forced =
      client.apply(type, config_map(ns.name(), "settings", {{"a", "3"}}), "someone-else", true);
  EXPECT_EQ(forced["data"]["a"], "3");
}

json read_yaml_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return load_yaml_documents(text.str()).documents.at(0).value;
}

TEST_F(Integration, StatusPatchOnTheCustomResource) {
  const json crd = read_yaml_file(P2L_CRD_FILE);
  ASSERT_EQ(crd["kind"], "CustomResourceDefinition");
  client.apply(resources::custom_resource_definitions(), crd, "post2log-test");
  const auto crd_path = object_path(resources::custom_resource_definitions(), "",
                                    crd["metadata"]["name"].get<std::string>());
  ASSERT_TRUE(eventually([&] {
    for (const auto& condition :
         client.get(crd_path)["status"].value("conditions", json::array())) {
      if (condition["type"] == "Established" && condition["status"] == "True") return true;
    }
    return false;
  }));

  ScopedNamespace ns(client, "status");
  const json cr{{"apiVersion", "post2log.io/v1alpha1"},
                {"kind", "Post2Log"},
                {"metadata", {{"name", "clicks"}, {"namespace", ns.name()}}},
                {"spec", json::object()}};
  // The CRD is served a moment after it is established.
  json created;
  ASSERT_TRUE(eventually([&] {
    try {
      created = client.apply(resources::post2logs(), cr, "post2log-test");
      return true;
    } catch (const ApiError&) {
      return false;
    }
  }));
  const auto path = object_path(resources::post2logs(), ns.name(), "clicks");
  const json status{{"observedGeneration", created["metadata"]["generation"]},
                    {"replicas", 1},
                    {"readyReplicas", 0},
                    {"conditions",
                     {{{"type", "Ready"},
                       {"status", "False"},
                       {"reason", "Pending"},
                       {"message", "waiting for shard 0"},
                       {"lastTransitionTime", "2024-05-01T12:00:00Z"}}}}};
  const json patched = client.patch_status(path, status);
  EXPECT_EQ(patched["status"]["readyReplicas"], 0);
  EXPECT_EQ(patched["status"]["conditions"][0]["reason"], "Pending");
  EXPECT_EQ(patched["metadata"]["generation"], created["metadata"]["generation"])
      << "a status write does not bump the generation";

  // A status field outside the schema is rejected with the server's message.
  try {
    client.patch_status(path, {{"readyReplicas", "many"}});
    FAIL() << "no error";
  } catch (const ApiError& error) {
    EXPECT_TRUE(error.invalid()) << error.what();
    EXPECT_NE(error.message().find("readyReplicas"), std::string::npos) << error.message();
  }
  // The spec is not writable through /status.
  const json after = client.get(path);
  EXPECT_EQ(after["status"]["conditions"][0]["message"], "waiting for shard 0");
}

TEST_F(Integration, WatchSeesCreateUpdateDelete) {
  ScopedNamespace ns(client, "watch");
  const auto collection = collection_path(resources::config_maps(), ns.name());
  const ListResult listed = client.list(collection);
  WatchStream watch =
      client.watch(collection, listed.resource_version,
                   {.field_selector = "metadata.name=watched", .timeout_seconds = 60});
  std::thread writer([&] {
    client.create(collection, config_map(ns.name(), "watched", {{"v", "1"}}));
    client.merge_patch(collection + "/watched", {{"data", {{"v", "2"}}}});
    client.remove(collection + "/watched");
  });
  std::vector<WatchEventType> seen;
  while (seen.size() < 3) {
    auto event = watch.next();
    ASSERT_TRUE(event) << "watch ended early";
    if (event->type == WatchEventType::bookmark) continue;
    EXPECT_EQ(event->object["metadata"]["name"], "watched");
    seen.push_back(event->type);
    if (event->type == WatchEventType::modified) {
      EXPECT_EQ(event->object["data"]["v"], "2");
    }
  }
  writer.join();
  EXPECT_EQ(seen, (std::vector<WatchEventType>{WatchEventType::added, WatchEventType::modified,
                                               WatchEventType::deleted}));
  watch.cancel();
}

TEST_F(Integration, BookmarksArriveBeforeTheServerEndsTheWatch) {
  ScopedNamespace ns(client, "bookmark");
  ScopedNamespace elsewhere(client, "bookmark-other");
  const auto collection = collection_path(resources::config_maps(), ns.name());
  const ListResult listed = client.list(collection);
  // The API server sends a bookmark shortly (2 s) before a watch's timeoutSeconds runs out,
  // but only once its watch cache has moved past the watch's resourceVersion: writes to the
  // same resource elsewhere, which this watch does not see, move it.
  WatchStream watch = client.watch(collection, listed.resource_version, {.timeout_seconds = 10});
  // Keep the cache moving for the whole watch: on a busy machine the bookmark
  // may be computed late, and it needs a newer resourceVersion to carry.
  std::atomic<bool> watching{true};
  std::thread writer([&] {
    for (int i = 0; watching && i < 40; ++i) {
      client.create(collection_path(resources::config_maps(), elsewhere.name()),
                    config_map(elsewhere.name(), "other-" + std::to_string(i), json::object()));
      std::this_thread::sleep_for(500ms);
    }
  });
  int bookmarks = 0;
  int others = 0;
  std::string bookmark_version;
  while (auto event = watch.next()) {
    if (event->type == WatchEventType::bookmark) {
      ++bookmarks;
      bookmark_version = event->object["metadata"]["resourceVersion"];
      EXPECT_FALSE(event->object["metadata"].contains("name"));
    } else {
      ++others;
    }
  }
  watching = false;
  writer.join();
  EXPECT_GE(bookmarks, 1);
  EXPECT_EQ(others, 0);
  EXPECT_GT(std::stoll(bookmark_version), std::stoll(listed.resource_version));
}

TEST_F(Integration, DeleteWithPropagation) {
  ScopedNamespace ns(client, "delete");
  const auto collection = collection_path(resources::config_maps(), ns.name());
  client.create(collection, config_map(ns.name(), "doomed", json::object()));
  const json answer = client.remove(collection + "/doomed", Propagation::foreground);
  EXPECT_TRUE(answer.is_object());
  ASSERT_TRUE(eventually([&] { return !client.find(collection + "/doomed"); }));
  try {
    client.remove(collection + "/doomed");
    FAIL() << "deleted twice";
  } catch (const ApiError& error) {
    EXPECT_TRUE(error.not_found());
  }
}

TEST_F(Integration, EventsAreRecorded) {
  ScopedNamespace ns(client, "events");
  const auto collection = collection_path(resources::config_maps(), ns.name());
  const json target = client.create(collection, config_map(ns.name(), "subject", json::object()));
  EventRecord record;
  record.regarding = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"namespace", ns.name()},
                      {"name", "subject"},
                      {"uid", target["metadata"]["uid"]}};
  record.reason = "Reconciled";
  record.note = "applied 3 children";
  record.action = "Apply";
  record.reporting_instance = "post2log-operator-test";
  const json created = create_event(client, record);
  EXPECT_EQ(created["reason"], "Reconciled");
  const ListResult events = client.list(collection_path(resources::events(), ns.name()));
  bool found = false;
  for (const auto& event : events.items) {
    if (event["regarding"]["name"] == "subject" && event["note"] == "applied 3 children") {
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // The same event through the core/v1 API, as `kubectl describe` reads it.
  const json core = client.get("/api/v1/namespaces/" + ns.name() + "/events/" +
                               created["metadata"]["name"].get<std::string>());
  EXPECT_EQ(core["involvedObject"]["name"], "subject");
  EXPECT_EQ(core["message"], "applied 3 children");
}

TEST_F(Integration, OnlyTheClustersCaIsTrustedWhenOneIsGiven) {
  const ControlPlane& plane = ControlPlane::instance();
  const auto pki = plane.dir() / "pki";
  const auto read = [](const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  // The system trust store (OpenSSL's default paths, pointed here at a file) holds the CA
  // that signed the API server's certificate; the kubeconfig names another CA.
  ::setenv("SSL_CERT_FILE", (pki / "ca.crt").c_str(), 1);
  Connection connection = load_kubeconfig({plane.kubeconfig()});
  connection.ca_pem = read(pki / "front-proxy-ca.crt");
  auto transport = make_cpprest_transport(connection, testing::integration_logger());
  Client wrong_ca(std::move(connection), std::move(transport), testing::integration_logger());
  EXPECT_THROW((void)wrong_ca.get("/version"), TransportError)
      << "a certificate the named CA did not sign was accepted through the system store";
  ::unsetenv("SSL_CERT_FILE");
  EXPECT_EQ(client.get("/version").value("gitVersion", ""), "v1.34.4");
}

TEST_F(Integration, RotatedClientCertificateFilesAreReadAgain) {
  const ControlPlane& plane = ControlPlane::instance();
  const auto pki = plane.dir() / "pki";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("p2l-rotate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto install = [&](const std::string& name) {  // as a cert manager would: rename over
    for (const char* extension : {".crt", ".key"}) {
      std::filesystem::copy_file(pki / (name + extension), dir / (std::string("new") + extension),
                                 std::filesystem::copy_options::overwrite_existing);
      std::filesystem::rename(dir / (std::string("new") + extension),
                              dir / (std::string("client") + extension));
    }
  };
  install("admin");
  const json served = read_yaml_file(plane.kubeconfig());
  const json kubeconfig = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters",
       {{{"name", "c"},
         {"cluster",
          {{"server", served["clusters"][0]["cluster"]["server"]},
           {"certificate-authority", (pki / "ca.crt").string()}}}}}},
      {"users",
       {{{"name", "u"},
         {"user",
          {{"client-certificate", (dir / "client.crt").string()},
           {"client-key", (dir / "client.key").string()}}}}}},
      {"contexts", {{{"name", "x"}, {"context", {{"cluster", "c"}, {"user", "u"}}}}}},
      {"current-context", "x"}};
  std::ofstream(dir / "kubeconfig") << kubeconfig.dump();
  Connection connection = load_kubeconfig({dir / "kubeconfig"});
  auto transport = make_cpprest_transport(connection, testing::integration_logger());
  Client rotating(std::move(connection), std::move(transport), testing::integration_logger());
  const auto who = [&] {
    return rotating
        .create("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}})
        .at("status")
        .at("userInfo")
        .value("username", "");
  };
  EXPECT_EQ(who(), "post2log-admin");
  install("apiserver-kubelet-client");  // the certificate rotated on disk
  EXPECT_EQ(who(), "kube-apiserver-kubelet-client")
      << "the next request did not use the new certificate";
  std::filesystem::remove_all(dir);
}

TEST_F(Integration, ErrorsCarryTheServersMessage) {
  try {
    client.get("/api/v1/namespaces/default/configmaps/absent");
    FAIL() << "no error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.http_status(), 404);
    EXPECT_EQ(error.reason(), "NotFound");
    EXPECT_EQ(error.message(), "configmaps \"absent\" not found");
  }
  try {
    client.create("/api/v1/namespaces/default/configmaps",
                  config_map("default", "Not_A_Valid_Name", json::object()));
    FAIL() << "no error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.http_status(), 422);
    EXPECT_EQ(error.reason(), "Invalid");
    EXPECT_NE(error.message().find("Not_A_Valid_Name"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find("RFC 1123"), std::string::npos) << error.message();
  }
  try {
    client.get("/apis/nonexistent.example.com/v1/things");
    FAIL() << "no error";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.http_status(), 404);
  }
}

}  // namespace
}  // namespace p2l::kube
