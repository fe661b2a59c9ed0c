#include "p2l/json_log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "p2l/receiver_contract.hpp"
#include "p2l/rfc3339.hpp"

namespace p2l {
namespace {

using nlohmann::ordered_json;

// A JSON logger writing into a string, and its lines parsed: parsing fails the test on a
// line that is not JSON.
class CapturedLog {
 public:
  explicit CapturedLog(spdlog::level::level_enum level = spdlog::level::trace)
      : logger_(make_json_logger("test-logger", level,
                                 std::make_shared<spdlog::sinks::ostream_sink_mt>(text_))) {}

  spdlog::logger& logger() { return *logger_; }
  std::string text() const { return text_.str(); }

  std::vector<ordered_json> lines() const {
    std::vector<ordered_json> parsed;
    std::istringstream input(text_.str());
    for (std::string line; std::getline(input, line);) {
      parsed.push_back(ordered_json::parse(line));
    }
    return parsed;
  }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> logger_;
};

std::vector<std::string> keys_of(const ordered_json& line) {
  std::vector<std::string> keys;
  for (const auto& item : line.items())
    keys.push_back(item.key());
  return keys;
}

TEST(JsonLog, FieldsFollowTheLinesOwnMembersInOrder) {
  CapturedLog log;
  log_json(log.logger(), spdlog::level::info, "listening", {{"port", 8080}, {"host", "0.0.0.0"}});
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(keys_of(lines[0]),
            (std::vector<std::string>{"ts", "level", "logger", "msg", "port", "host"}));
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["logger"], "test-logger");
  EXPECT_EQ(lines[0]["msg"], "listening");
  EXPECT_EQ(lines[0]["port"], 8080);
  EXPECT_EQ(lines[0]["host"], "0.0.0.0");
  // Compact, as the scripts that grep the log expect.
  EXPECT_NE(log.text().find(R"("msg":"listening","port":8080)"), std::string::npos);
}

TEST(JsonLog, TheTimeIsTheMessagesInUtcMilliseconds) {
  CapturedLog log;
  const auto before = format_rfc3339(std::chrono::system_clock::now(), SubSecond::millis);
  log_json(log.logger(), spdlog::level::info, "now");
  const auto after = format_rfc3339(std::chrono::system_clock::now(), SubSecond::millis);
  const std::string ts = log.lines().at(0)["ts"];
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << ts;
  // The same fixed-width format sorts as time does.
  EXPECT_LE(before, ts);
  EXPECT_LE(ts, after);
}

TEST(JsonLog, PlainMessagesBecomeAnEscapedMsg) {
  CapturedLog log;
  log.logger().info("a \"quoted\" word,\na second line\tand a \\ backslash");
  log.logger().warn("{} requests", 3);
  // What used to mark structured text: now just a character of the message.
  log.logger().info("\x1e\"not\":\"a field\"");
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["msg"], "a \"quoted\" word,\na second line\tand a \\ backslash");
  EXPECT_EQ(keys_of(lines[0]), (std::vector<std::string>{"ts", "level", "logger", "msg"}));
  EXPECT_EQ(lines[1]["msg"], "3 requests");
  EXPECT_EQ(lines[1]["level"], "warning");
  EXPECT_EQ(lines[2]["msg"], "\x1e\"not\":\"a field\"");
  EXPECT_FALSE(lines[2].contains("not"));
}

TEST(JsonLog, InvalidUtf8BecomesTheReplacementCharacter) {
  CapturedLog log;
  log_json(log.logger(), spdlog::level::info, "bad \xff byte", {{"path", "/a\xc3"}});
  log.logger().info("plain \xfe too");
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["msg"], "bad \xef\xbf\xbd byte");
  EXPECT_EQ(lines[0]["path"], "/a\xef\xbf\xbd");
  EXPECT_EQ(lines[1]["msg"], "plain \xef\xbf\xbd too");
}

TEST(JsonLog, FieldsNamedLikeTheLinesOwnAreLeftOut) {
  CapturedLog log;
  log_json(log.logger(), spdlog::level::info, "the message",
           {{"msg", "other"}, {"level", "other"}, {"ts", 0}, {"logger", "other"}, {"key", "k"}});
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(keys_of(lines[0]), (std::vector<std::string>{"ts", "level", "logger", "msg", "key"}));
  EXPECT_EQ(lines[0]["msg"], "the message");
  EXPECT_EQ(lines[0]["level"], "info");
  // A parser keeps one of two equal keys, so look at the text as well.
  EXPECT_EQ(log.text().find("other"), std::string::npos);
}

TEST(JsonLog, FieldsThatAreNotAnObjectGoInAsFields) {
  CapturedLog log;
  log_json(log.logger(), spdlog::level::info, "a list", ordered_json::array({1, 2}));
  log_json(log.logger(), spdlog::level::info, "nothing", ordered_json());
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["fields"], ordered_json::array({1, 2}));
  EXPECT_EQ(keys_of(lines[1]), (std::vector<std::string>{"ts", "level", "logger", "msg"}));
}

// Each line carries the fields of its own log_json call: not the next plain message's, nor
// those of another thread logging at the same time.
TEST(JsonLog, FieldsStayOnTheirOwnLineAndThread) {
  CapturedLog log;
  constexpr int kThreads = 4;
  constexpr int kLinesEach = 200;
  std::vector<std::jthread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&log, thread] {
      for (int line = 0; line < kLinesEach; ++line) {
        log_json(log.logger(), spdlog::level::info, std::to_string(thread), {{"thread", thread}});
        log.logger().info("plain");
      }
    });
  }
  threads.clear();
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 2u * kThreads * kLinesEach);
  for (const auto& line : lines) {
    if (line["msg"] == "plain") {
      EXPECT_FALSE(line.contains("thread"));
    } else {
      EXPECT_EQ(line["msg"], std::to_string(line["thread"].get<int>()));
    }
  }
}

TEST(JsonLog, LinesBelowTheLevelAreLeftOut) {
  CapturedLog log(spdlog::level::warn);
  for (const auto level : {spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
                           spdlog::level::warn, spdlog::level::err, spdlog::level::critical}) {
    log_json(log.logger(), level, "with fields", {{"key", "k"}});
    log.logger().log(level, "plain");
  }
  std::vector<std::string> levels_shown;
  for (const auto& line : log.lines())
    levels_shown.push_back(line["level"]);
  EXPECT_EQ(levels_shown, (std::vector<std::string>{"warning", "warning", "error", "error",
                                                    "critical", "critical"}));
}

TEST(JsonLog, TheReceiversLevelNamesAreTheLinesLevelNames) {
  // P2L_LOGLEVEL takes uvicorn's names; the receiver hands them to spdlog as they are, and its
  // lines show the same names.
  for (const std::string_view name : receiver_contract::kLogLevels) {
    const auto level = spdlog::level::from_str(std::string(name));
    const auto shown = spdlog::level::to_string_view(level);
    EXPECT_EQ(std::string_view(shown.data(), shown.size()), name);
  }
}

}  // namespace
}  // namespace p2l
