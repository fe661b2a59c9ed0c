#include "json_object_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace p2l {
namespace {

using Members = std::vector<std::pair<std::string, std::string>>;

Members read_ok(std::string_view body) {
  JsonObjectReader reader;
  const std::string error = reader.read(body);
  EXPECT_EQ(error, "") << body;
  Members members;
  for (const auto& member : reader.members()) {
    members.emplace_back(member.key, std::string(reader.value(member)));
  }
  return members;
}

std::string read_error(std::string_view body) {
  JsonObjectReader reader;
  return reader.read(body);
}

TEST(JsonObjectReader, SplitsMembersAndCompactsValues) {
  const Members members =
      read_ok(" {\n \"a\" : [ 1 , 2.50 , { \"b\" : null } ] ,\t\"s\":\"x y\", \"t\":true}\r\n");
  const Members expected = {{"a", R"([1,2.50,{"b":null}])"}, {"s", R"("x y")"}, {"t", "true"}};
  EXPECT_EQ(members, expected);
}

TEST(JsonObjectReader, KeepsNumbersAndEscapesExactly) {
  const Members members = read_ok(
      R"({"big":123456789012345678901234567890,"f":-0.1e-7,"z":0,"e":"\u00e9\n\"\/","u":"é😀"})");
  const Members expected = {{"big", "123456789012345678901234567890"},
                            {"f", "-0.1e-7"},
                            {"z", "0"},
                            {"e", R"("\u00e9\n\"\/")"},
                            {"u", "\"é😀\""}};
  EXPECT_EQ(members, expected);
}

TEST(JsonObjectReader, DecodesKeysForComparison) {
  const Members members = read_ok(R"({"\u0061\ud83d\ude00":1,"tab\t":2})");
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "a\xF0\x9F\x98\x80");
  EXPECT_EQ(members[1].first, "tab\t");
}

TEST(JsonObjectReader, AcceptsEmptyObject) {
  EXPECT_TRUE(read_ok("{}").empty());
}

TEST(JsonObjectReader, RejectsNonObjects) {
  for (const char* body : {"[1]", "1", "\"s\"", "null", "true"}) {
    EXPECT_EQ(read_error(body), "body must be a JSON object") << body;
  }
  EXPECT_EQ(read_error("   "), "body is empty JSON");
}

TEST(JsonObjectReader, RejectsMalformedJson) {
  for (const char* body : {"{",
                           "{\"a\"}",
                           "{\"a\":}",
                           "{\"a\":1,}",
                           "{\"a\":01}",
                           "{\"a\":1.}",
                           "{\"a\":.5}",
                           "{\"a\":1e}",
                           "{\"a\":-}",
                           "{\"a\":tru}",
                           "{\"a\":nul}",
                           "{\"a\":[1,]}",
                           "{\"a\":[1 2]}",
                           "{\"a\":\"x}",
                           "{\"a\":\"\\x\"}",
                           "{\"a\":\"\\u12G4\"}",
                           "{a:1}",
                           "{'a':1}",
                           "{\"a\":1} {}",
                           "{\"a\":1}x",
                           "{\"a\":NaN}",
                           "{\"a\":Infinity}",
                           "{\"a\":+1}"}) {
    const std::string error = read_error(body);
    EXPECT_TRUE(error.starts_with("invalid JSON at byte ")) << body << " -> " << error;
  }
}

TEST(JsonObjectReader, RejectsControlCharactersInStrings) {
  EXPECT_NE(read_error(std::string("{\"a\":\"x\ny\"}")), "");
  EXPECT_NE(read_error(std::string("{\"a\":\"x\0y\"}", 11)), "");
}

TEST(JsonObjectReader, RejectsInvalidUtf8AndLoneSurrogates) {
  EXPECT_EQ(read_error("{\"a\":\"\xFF\"}"), "body is not valid UTF-8");
  EXPECT_EQ(read_error("{\"a\":\"\xC0\xAF\"}"), "body is not valid UTF-8");  // overlong '/'
  EXPECT_NE(read_error(R"({"a":"\ud800"})"), "");
  EXPECT_NE(read_error(R"({"a":"\udc00"})"), "");
  EXPECT_NE(read_error(R"({"a":"\ud800\u0041"})"), "");
}

TEST(JsonObjectReader, LimitsNestingDepth) {
  const std::string ok = "{\"a\":" + std::string(JsonObjectReader::kMaxDepth - 1, '[') +
                         std::string(JsonObjectReader::kMaxDepth - 1, ']') + "}";
  EXPECT_EQ(read_error(ok), "");
  const std::string deep = "{\"a\":" + std::string(100000, '[') + "}";
  EXPECT_NE(read_error(deep).find("nesting too deep"), std::string::npos);
}

TEST(JsonObjectReader, ReusedReaderForgetsThePreviousBody) {
  JsonObjectReader reader;
  ASSERT_EQ(reader.read(R"({"a":1,"b":2})"), "");
  ASSERT_EQ(reader.read(R"({"c":3})"), "");
  ASSERT_EQ(reader.members().size(), 1u);
  EXPECT_EQ(reader.members()[0].key, "c");
  EXPECT_EQ(reader.value(reader.members()[0]), "3");
}

}  // namespace
}  // namespace p2l
