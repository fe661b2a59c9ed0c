// What one anonymous client must not be able to do to a shard: grow its memory without
// bound, smuggle a second request past the framing, or make it refuse a request in a way
// the client cannot read. The real binary over real loopback sockets.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "log_files.hpp"
#include "receiver_process.hpp"
#include "temp_dir.hpp"

namespace p2l::test {
namespace {

// The resident set of process `pid`, in KiB.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  throw std::runtime_error("no VmRSS for pid " + std::to_string(pid));
}

class Hardening : public ::testing::Test {
 protected:
  void start(const std::map<std::string, std::string>& env = {}) {
    receiver_ = std::make_unique<ReceiverProcess>(log_dir_, env);
  }
  std::uint16_t port() const { return receiver_->port(); }

  // Sends `head`, then `filler` over and over, until the server answers or `limit` bytes
  // went out; returns the bytes of filler sent. A server that never answers fails the test
  // with its memory growth in the message.
  std::size_t send_until_answered(HttpConnection& connection, const std::string& head, char filler,
                                  std::size_t limit) {
    const long rss_before = rss_kib(receiver_->pid());
    connection.send_raw(head);
    const std::string piece(64 * 1024, filler);
    std::size_t sent = 0;
    while (sent < limit) {
      if (connection.readable(std::chrono::milliseconds(0))) return sent;
      connection.send_raw(piece);
      sent += piece.size();
    }
    if (connection.readable(std::chrono::seconds(2))) return sent;
    ADD_FAILURE() << "no answer after " << sent / 1024 / 1024 << " MiB; the receiver grew from "
                  << rss_before / 1024 << " MiB to " << rss_kib(receiver_->pid()) / 1024 << " MiB";
    return sent;
  }

  TempDir dir_;
  std::filesystem::path log_dir_ = dir_.path() / "logs";
  std::unique_ptr<ReceiverProcess> receiver_;
};

constexpr std::size_t kFlood = 64 * 1024 * 1024;

TEST_F(Hardening, AChunkSizeLineThatNeverEndsIsRefusedWithBoundedMemory) {
  start();
  const long rss_before = rss_kib(receiver_->pid());
  HttpConnection connection(port());
  const std::size_t sent = send_until_answered(
      connection,
      "POST /postback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;a=", 'b', kFlood);
  // Up to a few MiB sit in the kernel's socket buffers before the answer is seen.
  EXPECT_LT(sent, 16U * 1024U * 1024U) << "refused only after " << sent << " bytes";
  EXPECT_LT(rss_kib(receiver_->pid()) - rss_before, 4 * 1024) << "KiB grown";
  const HttpReply reply = connection.read_reply();
  EXPECT_EQ(reply.status, 400);
  EXPECT_TRUE(connection.closed_by_server(std::chrono::seconds(6)));
  EXPECT_TRUE(read_all_lines(log_dir_).empty());
}

TEST_F(Hardening, ATrailerThatNeverEndsIsRefusedWithBoundedMemory) {
  start();
  const long rss_before = rss_kib(receiver_->pid());
  HttpConnection connection(port());
  const std::size_t sent =
      send_until_answered(connection,
                          "POST /postback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "2\r\n{}\r\n0\r\nX-Trailer: ",
                          'b', kFlood);
  // Up to a few MiB sit in the kernel's socket buffers before the answer is seen.
  EXPECT_LT(sent, 16U * 1024U * 1024U) << "refused only after " << sent << " bytes";
  EXPECT_LT(rss_kib(receiver_->pid()) - rss_before, 4 * 1024) << "KiB grown";
  const HttpReply reply = connection.read_reply();
  EXPECT_GE(reply.status, 400);
  EXPECT_LT(reply.status, 500);
  EXPECT_TRUE(read_all_lines(log_dir_).empty());
}

TEST_F(Hardening, ATransferCodingNotEndingInChunkedIsRefusedAndNothingIsSmuggled) {
  start();
  HttpConnection connection(port());
  // Without the rule, the "body" below is read as a second request, which is logged.
  connection.send_raw(
      "POST /postback?first=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
      "POST /postback?smuggled=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  const HttpReply reply = connection.read_reply();
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("chunked"), std::string::npos) << reply.body;
  EXPECT_TRUE(connection.closed_by_server(std::chrono::seconds(6)));
  EXPECT_TRUE(read_all_lines(log_dir_).empty()) << "a record was written";
}

TEST_F(Hardening, AClientThatSendsAnOversizeBodyAnywayReadsThe413) {
  // As Python's http.client does: the whole body, no Expect: 100-continue, then the reply.
  start({{"P2L_MAX_BODY_BYTES", "1024"}});
  HttpConnection connection(port());
  const std::string body(3 * 1024 * 1024, 'x');
  connection.send_raw(
      "POST /postback HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  ASSERT_NO_THROW(connection.send_raw(body)) << "the receiver reset the connection";
  const HttpReply reply = connection.read_reply();
  EXPECT_EQ(reply.status, 413);
  EXPECT_TRUE(connection.closed_by_server(std::chrono::seconds(6)));
  EXPECT_TRUE(read_all_lines(log_dir_).empty());
}

TEST_F(Hardening, TheHeaderTimeoutRunsFromTheFirstByteApartFromTheIdleWait) {
  start({{"P2L_KEEPALIVE_TIMEOUT", "30"}, {"P2L_HEADER_TIMEOUT", "1"}});
  HttpConnection idle(port());
  HttpConnection slow(port());
  slow.send_raw("POST /postback HTTP/1.1\r\nHost:");
  // The slow header is cut off after about a second; the idle connection may wait on.
  EXPECT_TRUE(slow.closed_by_server(std::chrono::milliseconds(4000)));
  EXPECT_FALSE(idle.closed_by_server(std::chrono::milliseconds(1500)));
  EXPECT_EQ(idle.request("POST", "/postback", "{}").status, 200);
}

TEST_F(Hardening, IdleConnectionsDoNotLockOthersOut) {
  start({{"P2L_MAX_CONNECTIONS", "8"}, {"P2L_KEEPALIVE_TIMEOUT", "60"}});
  std::vector<std::unique_ptr<HttpConnection>> hoard;
  for (int i = 0; i < 50; ++i)
    hoard.push_back(std::make_unique<HttpConnection>(port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  HttpConnection client(port());
  client.send_raw("POST /postback HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(client.readable(std::chrono::seconds(3))) << "a new client was locked out";
  EXPECT_EQ(client.read_reply().status, 200);
  const std::string log = receiver_->log_output();
  EXPECT_EQ(log.find("accept failed"), std::string::npos) << log;
}

TEST_F(Hardening, AtTheLimitWithEveryConnectionBusyAcceptingPausesAndResumes) {
  start({{"P2L_MAX_CONNECTIONS", "2"}, {"P2L_HEADER_TIMEOUT", "60"}});
  // Two connections in the middle of a header: busy, not idle, so not closed for others.
  auto busy1 = std::make_unique<HttpConnection>(port());
  auto busy2 = std::make_unique<HttpConnection>(port());
  busy1->send_raw("POST /postback HTTP/1.1\r\nHost:");
  busy2->send_raw("POST /postback HTTP/1.1\r\nHost:");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  HttpConnection waiting(port());  // the kernel completes the handshake; the receiver waits
  waiting.send_raw("POST /postback HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_FALSE(waiting.readable(std::chrono::milliseconds(1000))) << "accepted beyond the limit";
  busy1.reset();  // one place frees up
  ASSERT_TRUE(waiting.readable(std::chrono::seconds(3))) << "accepting did not resume";
  EXPECT_EQ(waiting.read_reply().status, 200);
  const std::string log = receiver_->log_output();
  EXPECT_EQ(log.find("accept failed"), std::string::npos) << log;
}

}  // namespace
}  // namespace p2l::test
