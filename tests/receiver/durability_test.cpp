// What the receiver promises about the files: rotation under concurrent load
// loses and duplicates nothing, every acknowledged record survives kill -9,
// a full disk gives 503s and writing resumes by itself, and SIGTERM finishes
// the requests in flight. Real process, real sockets, real files.

#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "log_files.hpp"
#include "receiver_process.hpp"
#include "temp_dir.hpp"

namespace p2l::test {
namespace {

namespace fs = std::filesystem;

// The `id` of every record in `dir`; fails the test on a line that is not JSON.
std::multiset<std::string> record_ids(const fs::path& dir) {
  std::multiset<std::string> ids;
  for (const std::string& line : read_all_lines(dir)) {
    const auto record = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(record.is_discarded()) << "torn or invalid line: " << line;
    if (record.is_discarded()) continue;
    ids.insert(record.value("id", std::string("<none>")));
  }
  return ids;
}

TEST(Durability, RotationUnderConcurrentLoadKeepsEveryLineExactlyOnce) {
  TempDir dir;
  const fs::path logs = dir.path() / "logs";
  constexpr std::size_t kMaxBytes = 4096;
  ReceiverProcess receiver(logs, {{"P2L_WORKERS", "2"},
                                  {"P2L_ROTBYTES", std::to_string(kMaxBytes)},
                                  {"P2L_ROTBACKUPS", "1000"}});

  constexpr int kClients = 8;
  constexpr int kPerClient = 400;
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpConnection connection(receiver.port());
      for (int i = 0; i < kPerClient; ++i) {
        const std::string id = std::to_string(c) + "-" + std::to_string(i);
        const auto reply =
            connection.request("POST", "/postback?id=" + id,
                               R"({"payload":"xxxxxxxxxxxxxxxxxxxxxxxx"})", "application/json");
        if (reply.status != 200) ++failures;
      }
    });
  }
  for (auto& client : clients)
    client.join();
  ASSERT_EQ(failures.load(), 0);

  const auto ids = record_ids(logs);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kClients * kPerClient));
  for (int c = 0; c < kClients; ++c) {
    for (int i = 0; i < kPerClient; ++i) {
      const std::string id = std::to_string(c) + "-" + std::to_string(i);
      ASSERT_EQ(ids.count(id), 1u) << id;
    }
  }
  // Many files, each within the limit, named x.log and x.log.N only.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(logs)) {
    ++files;
    EXPECT_LE(entry.file_size(), kMaxBytes) << entry.path();
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name.starts_with("post2log-1.log") || name.starts_with("post2log-2.log")) << name;
  }
  EXPECT_GT(files, 50u);
  EXPECT_TRUE(all_files_end_with_newline(logs));
  const auto metrics = http_request(receiver.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("post2log_records_written_total " + std::to_string(kClients * kPerClient) +
                         "\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("post2log_log_rotations_total " + std::to_string(files - 2) + "\n"),
            std::string::npos)
      << metrics;
}

TEST(Durability, EveryAcknowledgedRecordSurvivesKill9) {
  TempDir dir;
  const fs::path logs = dir.path() / "logs";
  ReceiverProcess receiver(
      logs, {{"P2L_WORKERS", "2"}, {"P2L_ROTBYTES", "65536"}, {"P2L_ROTBACKUPS", "1000"}});

  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      try {
        HttpConnection connection(receiver.port());
        for (int i = 0; !stop; ++i) {
          const std::string id = std::to_string(c) + "-" + std::to_string(i);
          ++sent;
          const auto reply =
              connection.request("POST", "/postback?id=" + id, R"({"k":"v"})", "application/json");
          if (reply.status == 200) {
            const std::lock_guard lock(mutex);
            acknowledged.push_back(id);
          }
        }
      } catch (const std::exception&) {
        // The connection died with the server: expected.
      }
    });
  }
  while (sent < 3000)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(receiver.stop(SIGKILL), 128 + SIGKILL);
  stop = true;
  for (auto& client : clients)
    client.join();

  ASSERT_GT(acknowledged.size(), 1000u);
  const auto ids = record_ids(logs);
  for (const std::string& id : acknowledged)
    ASSERT_EQ(ids.count(id), 1u) << id;
  EXPECT_TRUE(all_files_end_with_newline(logs));
}

// A small filesystem of our own, so filling it cannot disturb the machine.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const fs::path& where, const char* size) : where_(where) {
    fs::create_directories(where_);
    const std::string options = std::string("size=") + size;
    if (::mount("tmpfs", where_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      throw std::runtime_error("cannot mount a tmpfs at " + where_.string() + " (" +
                               std::strerror(errno) + "); this test needs root");
    }
  }
  ~SmallTmpfs() { ::umount2(where_.c_str(), MNT_DETACH); }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

 private:
  fs::path where_;
};

TEST(Durability, FullDiskGives503AndWritingResumesWhenSpaceReturns) {
  TempDir dir;
  const fs::path volume = dir.path() / "volume";
  SmallTmpfs tmpfs(volume, "1m");
  const fs::path logs = volume / "logs";
  fs::create_directories(logs);
  ReceiverProcess receiver(logs, {{"P2L_ROTBYTES", "0"}});

  // Fill the volume except for a little room.
  const fs::path filler = volume / "filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string block(4096, 'f');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  std::error_code ignored;
  const std::string body = R"({"data":")" + std::string(300, 'd') + R"("})";
  int accepted = 0;
  int unavailable = 0;
  std::set<std::string> acknowledged;
  for (int i = 0; i < 200 && unavailable < 5; ++i) {
    const std::string id = "full-" + std::to_string(i);
    auto reply = http_request(receiver.port(), "POST", "/postback?id=" + id, body);
    if (reply.status == 200) {
      ++accepted;
      acknowledged.insert(id);
    } else {
      ASSERT_EQ(reply.status, 503) << reply.body;
      EXPECT_EQ(reply.header("retry-after"), "5");
      EXPECT_NE(reply.body.find("could not be stored"), std::string::npos) << reply.body;
      ++unavailable;
    }
  }
  ASSERT_EQ(unavailable, 5) << "the disk never filled up";
  EXPECT_EQ(http_request(receiver.port(), "GET", "/readyz").status, 503);
  EXPECT_EQ(http_request(receiver.port(), "GET", "/healthz").status, 200);
  EXPECT_TRUE(all_files_end_with_newline(logs));

  fs::remove(filler);
  EXPECT_EQ(http_request(receiver.port(), "GET", "/readyz").status, 200);
  const auto reply = http_request(receiver.port(), "POST", "/postback?id=after", body);
  EXPECT_EQ(reply.status, 200);
  acknowledged.insert("after");

  const auto ids = record_ids(logs);
  EXPECT_EQ(ids.size(), acknowledged.size());
  for (const auto& id : acknowledged)
    EXPECT_EQ(ids.count(id), 1u) << id;
  const auto metrics = http_request(receiver.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("post2log_write_errors_total 5\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("post2log_http_responses_total{code=\"503\"} 6\n"), std::string::npos)
      << metrics;  // five postbacks and one /readyz
}

TEST(Durability, SigtermFinishesTheRequestInFlightThenExitsZero) {
  TempDir dir;
  const fs::path logs = dir.path() / "logs";
  ReceiverProcess receiver(logs);

  HttpConnection idle(receiver.port());
  HttpConnection in_flight(receiver.port());
  const std::string body = R"({"late":"but kept"})";
  in_flight.send_raw(
      "POST /postback?id=inflight HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(receiver.pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // The idle connection is closed, new connections are refused, and the
  // request in flight is still answered once its body arrives.
  EXPECT_TRUE(idle.closed_by_server(std::chrono::milliseconds(3000)));
  EXPECT_THROW(HttpConnection{receiver.port()}, std::exception);
  in_flight.send_raw(body.substr(5));
  auto reply = in_flight.read_reply();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("connection"), "close");
  EXPECT_EQ(receiver.wait_exit(std::chrono::milliseconds(10000)), std::optional<int>(0));
  const auto ids = record_ids(logs);
  EXPECT_EQ(ids.count("inflight"), 1u);
  EXPECT_NE(receiver.log_output().find("\"msg\":\"stopped\""), std::string::npos);
}

TEST(Durability, AfterTheDrainTimeoutAStalledRequestIsAbandonedAndTheProcessExitsCleanly) {
  TempDir dir;
  const fs::path logs = dir.path() / "logs";
  ReceiverProcess receiver(logs, {{"P2L_DRAIN_TIMEOUT", "1"}, {"P2L_REQUEST_TIMEOUT", "60"}});
  HttpConnection stalled(receiver.port());
  stalled.send_raw(
      "POST /postback?id=stalled HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"a\":");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(receiver.pid(), SIGTERM);
  EXPECT_EQ(receiver.wait_exit(std::chrono::milliseconds(10000)), std::optional<int>(0));
  EXPECT_NE(receiver.log_output().find("drain timeout reached"), std::string::npos);
  EXPECT_NE(receiver.log_output().find("\"msg\":\"stopped\""), std::string::npos);
  EXPECT_EQ(record_ids(logs).count("stalled"), 0u);
}

}  // namespace
}  // namespace p2l::test
