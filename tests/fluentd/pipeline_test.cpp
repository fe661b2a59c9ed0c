// The whole shipping path for real: the receiver (2 workers, small files) writes, a real
// Fluentd runs the operator's rendered fluent.conf (paths moved into a temporary directory,
// the default stdout output, its log captured) and ships. Real processes, real sockets.

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fluentd_process.hpp"
#include "http_client.hpp"
#include "p2l/fluentd_config.hpp"
#include "p2l/render.hpp"
#include "receiver_process.hpp"
#include "temp_dir.hpp"

namespace p2l::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A loopback port nobody listens on right now.
std::uint16_t free_port() {
  static std::atomic<std::uint16_t> next{static_cast<std::uint16_t>(25000 + (::getpid() % 4000))};
  return next++;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(logs_);
    fs::create_directories(state_);
    // The operator's fluent.conf of a default Post2Log, with the pod's paths moved here.
    std::string config = render_fluent_conf(FluentdSpec{});
    config = replace_all(config, "/data/logs", logs_.string());
    config = replace_all(config, "/fluentd/state", state_.string());
    config = replace_all(config, "port 24220", "port " + std::to_string(monitor_port_));
    std::ofstream(config_) << config;
  }

  std::map<std::string, std::string> receiver_env() const {
    return {{"P2L_WORKERS", "2"},
            {"P2L_ROTBYTES", "16384"},
            {"P2L_ROTBACKUPS", "2"},
            {"P2L_SHIPPER_POS_FILE", (state_ / "post2log.pos").string()}};
  }

  void start_fluentd() { fluentd_ = std::make_unique<FluentdProcess>(config_, output_); }

  // What Fluentd shipped: the records its stdout output printed ("TIME post2log: {...}").
  // Only whole lines count: Fluentd may be writing the last one as this reads the file.
  std::vector<ordered_json> shipped() const {
    std::vector<ordered_json> records;
    std::string text = read_text(output_);
    const auto last_newline = text.rfind('\n');
    text.resize(last_newline == std::string::npos ? 0 : last_newline + 1);
    std::istringstream lines(text);
    std::string line;
    static const std::string kMarker = " post2log: ";
    while (std::getline(lines, line)) {
      const auto at = line.find(kMarker);
      if (at == std::string::npos) continue;
      const auto record = ordered_json::parse(line.substr(at + kMarker.size()), nullptr, false);
      EXPECT_FALSE(record.is_discarded()) << line;
      if (!record.is_discarded()) records.push_back(record);
    }
    return records;
  }

  std::multiset<std::string> shipped_ids() const {
    std::multiset<std::string> ids;
    for (const auto& record : shipped())
      ids.insert(record.value("id", std::string("<none>")));
    return ids;
  }

  // Waits (up to 90 s) until every id in `acknowledged` was shipped; returns the shipped ids.
  std::multiset<std::string> await_shipped(const std::vector<std::string>& acknowledged) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (true) {
      auto ids = shipped_ids();
      bool all = true;
      for (const auto& id : acknowledged) {
        if (!ids.contains(id)) {
          all = false;
          break;
        }
      }
      if (all || std::chrono::steady_clock::now() > deadline) return ids;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  // Reports duplicates (Fluentd ships at least once) and fails for any id missing.
  static std::size_t expect_all_present(const std::vector<std::string>& acknowledged,
                                        const std::multiset<std::string>& ids,
                                        const std::string& what) {
    std::size_t missing = 0;
    std::size_t duplicates = 0;
    for (const auto& id : acknowledged) {
      const auto count = ids.count(id);
      if (count == 0) ++missing;
      if (count > 1) duplicates += count - 1;
    }
    EXPECT_EQ(missing, 0u) << what << ": acknowledged records never shipped";
    std::cout << what << ": " << acknowledged.size() << " acknowledged, " << missing << " missing, "
              << duplicates << " shipped twice or more\n";
    return duplicates;
  }

  static std::uint64_t metric(std::uint16_t port, const std::string& name) {
    const std::string page = http_request(port, "GET", "/metrics").body;
    const std::regex line("\\n" + name + " ([0-9]+)\\n");
    std::smatch match;
    if (!std::regex_search(page, match, line)) {
      ADD_FAILURE() << name << " not in /metrics:\n" << page;
      return 0;
    }
    return std::stoull(match[1]);
  }

  TempDir dir_;
  fs::path logs_ = dir_.path() / "logs";
  fs::path state_ = dir_.path() / "state";
  fs::path config_ = dir_.path() / "fluent.conf";
  fs::path output_ = dir_.path() / "fluentd.out";
  std::uint16_t monitor_port_ = free_port();
  std::unique_ptr<FluentdProcess> fluentd_;
};

// Posts from `clients` connections until `stop`, recording what was acknowledged. The target
// port comes from `port()` on each (re)connection, so the receiver may be restarted.
class Load {
 public:
  Load(std::function<std::uint16_t()> port, int clients, std::string prefix)
      : port_(std::move(port)) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, c, prefix] {
        int i = 0;
        while (!stop_) {
          try {
            HttpConnection connection(port_());
            while (!stop_) {
              const std::string id = prefix + std::to_string(c) + "-" + std::to_string(i++);
              const auto reply = connection.request("POST", "/postback?id=" + id,
                                                    R"({"k":"v","n":1})", "application/json");
              if (reply.status == 200) {
                const std::lock_guard lock(mutex_);
                acknowledged_.push_back(id);
              }
              std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
          } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));  // receiver restarting
          }
        }
      });
    }
  }
  ~Load() { finish(); }
  std::vector<std::string> finish() {
    stop_ = true;
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
    const std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  std::size_t count() {
    const std::lock_guard lock(mutex_);
    return acknowledged_.size();
  }
  void await(std::size_t at_least) {
    while (count() < at_least)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

 private:
  std::function<std::uint16_t()> port_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> acknowledged_;
  std::vector<std::thread> threads_;
};

TEST_F(Pipeline, ShipsEveryRecordOnceWithItsFieldsAcrossRotations) {
  ReceiverProcess receiver(logs_, receiver_env());
  start_fluentd();
  // Posted: a field named "time" and one of each JSON type, in this order.
  const std::string body =
      R"({"time":"2020-01-01T00:00:00Z","int":42,"neg":-7,"float":1.5,"yes":true,"no":false,)"
      R"("nothing":null,"list":[1,"two",{"three":3}],"object":{"a":{"b":[]}}})";
  std::vector<std::string> acknowledged;
  // Rounds of about one rotated file per worker, shipped before the next round: the pace of
  // production (10 MiB files), where Fluentd has long found a rotated file before the next.
  for (int round = 0; round < 4; ++round) {
    for (int c = 0; c < 2; ++c) {
      HttpConnection connection(receiver.port());
      for (int i = 0; i < 50; ++i) {
        const std::string id =
            std::to_string(round) + "-" + std::to_string(c) + "-" + std::to_string(i);
        const auto reply =
            connection.request("POST", "/postback?id=" + id + "&q=1", body, "application/json");
        ASSERT_EQ(reply.status, 200);
        acknowledged.push_back(id);
      }
    }
    await_shipped(acknowledged);
    std::this_thread::sleep_for(std::chrono::seconds(6));  // past Fluentd's refresh_interval
  }
  EXPECT_GE(metric(receiver.port(), "post2log_log_rotations_total"), 3u);

  const auto ids = await_shipped(acknowledged);
  const std::size_t duplicates = expect_all_present(acknowledged, ids, "steady shipping");
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(ids.size(), acknowledged.size());

  // Field order and JSON types as the receiver wrote them, "time" included.
  const auto records = shipped();
  ASSERT_FALSE(records.empty());
  const ordered_json& record = records.front();
  std::vector<std::string> keys;
  for (const auto& [key, value] : record.items())
    keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "q", "time", "int", "neg", "float", "yes", "no",
                                            "nothing", "list", "object", "_path", "_postTimestamp",
                                            "_postDatetimeGMT", "_nodeName", "_workerPodHash",
                                            "_workerProcId"}));
  EXPECT_EQ(record["time"], "2020-01-01T00:00:00Z");
  EXPECT_EQ(record["int"], 42);
  EXPECT_TRUE(record["int"].is_number_integer());
  EXPECT_EQ(record["neg"], -7);
  EXPECT_TRUE(record["float"].is_number_float());
  EXPECT_EQ(record["yes"], true);
  EXPECT_EQ(record["no"], false);
  EXPECT_TRUE(record["nothing"].is_null());
  EXPECT_EQ(record["list"], ordered_json::parse(R"([1,"two",{"three":3}])"));
  EXPECT_EQ(record["object"], ordered_json::parse(R"({"a":{"b":[]}})"));
  EXPECT_TRUE(record["_postTimestamp"].is_number_integer());
  EXPECT_TRUE(record["_workerProcId"].is_string());

  // Everything shipped: no backlog.
  EXPECT_EQ(metric(receiver.port(), "post2log_receiver_unshipped_bytes"), 0u);

  // The fluentd container's liveness probe, as rendered, against this Fluentd.
  Post2Log resource;
  resource.metadata.name = "p";
  const auto deployment = render_shard_deployment(resource, 0, RenderOptions{});
  std::vector<std::string> probe;
  for (const auto& container : deployment["spec"]["template"]["spec"]["containers"]) {
    if (container["name"] != "fluentd") continue;
    for (const auto& part : container["livenessProbe"]["exec"]["command"])
      probe.push_back(replace_all(part.get<std::string>(), "24220", std::to_string(monitor_port_)));
  }
  ASSERT_EQ(probe.size(), 3u);
  probe[0] = "/usr/bin/ruby";
  const fs::path probe_output = dir_.path() / "probe.out";
  EXPECT_EQ(run_command(probe, probe_output), 0)
      << "the liveness probe fails on a running Fluentd:\n"
      << read_text(probe_output);
  fluentd_->stop(SIGKILL);
  EXPECT_NE(run_command(probe, probe_output), 0) << "the liveness probe passes without Fluentd";
}

TEST_F(Pipeline, FluentdKilledMidStreamAndRestartedLosesNothing) {
  ReceiverProcess receiver(logs_, receiver_env());
  start_fluentd();
  Load load([&] { return receiver.port(); }, 2, "k");
  // Mid-stream: Fluentd has shipped part of what was posted, and posting goes on.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (shipped_ids().size() < 500 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GE(shipped_ids().size(), 500u) << "Fluentd shipped nothing before the kill";
  EXPECT_EQ(fluentd_->stop(SIGKILL), 128 + SIGKILL);
  load.await(load.count() + 600);
  start_fluentd();
  load.await(load.count() + 600);
  const auto acknowledged = load.finish();
  EXPECT_GE(metric(receiver.port(), "post2log_log_rotations_total"), 3u);
  expect_all_present(acknowledged, await_shipped(acknowledged), "fluentd killed with -9");
}

TEST_F(Pipeline, ReceiverRestartedMidStreamLosesNothing) {
  auto receiver = std::make_unique<ReceiverProcess>(logs_, receiver_env());
  std::atomic<std::uint16_t> port{receiver->port()};
  start_fluentd();
  Load load([&] { return port.load(); }, 2, "r");
  load.await(600);
  EXPECT_EQ(receiver->stop(SIGTERM), 0);
  receiver = std::make_unique<ReceiverProcess>(logs_, receiver_env());
  port = receiver->port();
  load.await(load.count() + 600);
  const auto acknowledged = load.finish();
  expect_all_present(acknowledged, await_shipped(acknowledged), "receiver restarted");
}

TEST_F(Pipeline, FluentdDownAcrossManyRotationsThenEveryRecordArrives) {
  ReceiverProcess receiver(logs_, receiver_env());
  // Fluentd ran once, so its position file exists, then stops.
  start_fluentd();
  std::vector<std::string> acknowledged;
  HttpConnection connection(receiver.port());
  auto post = [&](const std::string& id) {
    const auto reply = connection.request(
        "POST", "/postback?id=" + id, R"({"pad":"xxxxxxxxxxxxxxxxxxxxxxxx"})", "application/json");
    ASSERT_EQ(reply.status, 200);
    acknowledged.push_back(id);
  };
  for (int i = 0; i < 20; ++i)
    post("before-" + std::to_string(i));
  await_shipped(acknowledged);
  fluentd_->stop(SIGTERM);

  const auto rotations_before = metric(receiver.port(), "post2log_log_rotations_total");
  for (int i = 0; i < 3000; ++i)
    post("down-" + std::to_string(i));
  const auto rotations = metric(receiver.port(), "post2log_log_rotations_total") - rotations_before;
  EXPECT_GE(rotations, 10u) << "not many rotations while Fluentd was down";
  // More rotated files than P2L_ROTBACKUPS (2 per worker): the unshipped ones stayed.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(logs_))
    files += entry.path().filename().string().find(".log.") != std::string::npos ? 1u : 0u;
  EXPECT_GT(files, 4u);
  EXPECT_GT(metric(receiver.port(), "post2log_receiver_unshipped_bytes"), 0u);

  start_fluentd();
  const auto ids = await_shipped(acknowledged);
  expect_all_present(acknowledged, ids,
                     "fluentd down across " + std::to_string(rotations) + " rotations");
  EXPECT_EQ(metric(receiver.port(), "post2log_receiver_dropped_unshipped_lines_total"), 0u);
  EXPECT_EQ(metric(receiver.port(), "post2log_receiver_dropped_unshipped_bytes_total"), 0u);
}

}  // namespace
}  // namespace p2l::test
