#include <gtest/gtest.h>

#include "p2l/yaml_emit.hpp"
#include "p2l/yaml_json.hpp"

namespace p2l {
namespace {

using nlohmann::json;

json load_one(std::string_view text) {
  YamlLoadResult result = load_yaml_documents(text);
  EXPECT_FALSE(result.error) << (result.error ? result.error->message : "");
  EXPECT_EQ(result.documents.size(), 1u);
  return result.documents.empty() ? json{} : result.documents.front().value;
}

TEST(YamlLoad, TypesPlainScalarsLikeKubectl) {
  json value = load_one(
      "int: 80\nneg: -3\nhex: 0x1F\noctal: 0o17\nfloat: 1.5\nexp: 1e3\n"
      "t: true\nyes: yes\noff: Off\nnothing: ~\nempty:\nword: hello\nversion: 1.0.1\n");
  EXPECT_EQ(value["int"], 80);
  EXPECT_EQ(value["neg"], -3);
  EXPECT_EQ(value["hex"], 31);
  EXPECT_EQ(value["octal"], 15);
  EXPECT_EQ(value["float"], 1.5);
  EXPECT_EQ(value["exp"], 1000.0);
  EXPECT_EQ(value["t"], true);
  EXPECT_EQ(value["yes"], true);
  EXPECT_EQ(value["off"], false);
  EXPECT_TRUE(value["nothing"].is_null());
  EXPECT_TRUE(value["empty"].is_null());
  EXPECT_EQ(value["word"], "hello");
  EXPECT_EQ(value["version"], "1.0.1");
}

TEST(YamlLoad, QuotedAndBlockScalarsStayStrings) {
  json value = load_one("a: \"80\"\nb: 'true'\nc: !!str 12\nd: |\n  x: 1\n  y\n");
  EXPECT_EQ(value["a"], "80");
  EXPECT_EQ(value["b"], "true");
  EXPECT_EQ(value["c"], "12");
  EXPECT_EQ(value["d"], "x: 1\ny\n");
}

TEST(YamlLoad, RecordsTheLineOfEveryField) {
  YamlLoadResult result = load_yaml_documents(
      "# comment\nspec:\n  rotation:\n    backups: 0\n  list:\n    - a\n    - b\n");
  ASSERT_EQ(result.documents.size(), 1u);
  const LineMap& lines = result.documents[0].lines;
  EXPECT_EQ(lines.at(FieldPath{"spec"}), 2);
  EXPECT_EQ(lines.at(FieldPath{"spec", "rotation", "backups"}), 4);
  EXPECT_EQ(lines.at(FieldPath{"spec", "list"}.index(1)), 7);
}

TEST(YamlLoad, SplitsDocumentsAndSkipsEmptyOnes) {
  YamlLoadResult result = load_yaml_documents("---\na: 1\n---\n# nothing\n---\nb: 2\n");
  ASSERT_EQ(result.documents.size(), 2u);
  EXPECT_EQ(result.documents[0].value, json({{"a", 1}}));
  EXPECT_EQ(result.documents[1].value, json({{"b", 2}}));
  EXPECT_EQ(result.documents[1].lines.at(FieldPath{"b"}), 6);
}

TEST(YamlLoad, ReportsSyntaxErrorsWithTheirLine) {
  YamlLoadResult result = load_yaml_documents("a: 1\nb: [1, 2\nc: 3\n");
  ASSERT_TRUE(result.error);
  EXPECT_TRUE(result.documents.empty());
  ASSERT_TRUE(result.error->line);
  EXPECT_GE(*result.error->line, 2);
  EXPECT_NE(result.error->message.find("invalid YAML"), std::string::npos);
}

TEST(YamlLoad, RejectsDuplicateKeys) {
  YamlLoadResult result = load_yaml_documents("spec:\n  port: 1\n  port: 2\n");
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->line, 3);
  EXPECT_NE(result.error->message.find("duplicate key \"port\""), std::string::npos);
}

TEST(YamlLoad, ReadsJson) {
  json value = load_one(R"({"spec": {"port": 8080, "endpoint": "/p", "on": "yes", "x": null}})");
  EXPECT_EQ(value["spec"]["port"], 8080);
  EXPECT_EQ(value["spec"]["on"], "yes");
  EXPECT_TRUE(value["spec"]["x"].is_null());
}

// Whatever the emitter writes must read back as the same JSON.
TEST(YamlEmit, RoundTripsValuesThatYamlWouldMistype) {
  json original = {
      {"strings",
       {"true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "null",
        "~",
        "",
        "80",
        "-1",
        "1.0",
        "0x1F",
        "0o17",
        "1e3",
        ".5",
        ".inf",
        "1:30",
        "2024-01-01",
        "+1",
        "1_000",
        "@at",
        "*star",
        "&anchor",
        "!tag",
        "key: value",
        "# not a comment",
        "a #b",
        " padded ",
        "tab\there",
        "{braces}",
        "[brackets]",
        "quote\"d",
        "single'q",
        "back\\slash",
        "ünïcödé",
        "- dash",
        "? question",
        "%percent",
        "|pipe",
        ">fold",
        "`tick`",
        "comma, separated"}},
      {"numbers", {0, -7, 65535, 10485760, 1.25}},
      {"booleans", {true, false}},
      {"nested", {{"empty_object", json::object()}, {"empty_list", json::array()}}},
      {"80", "numeric key"},
      {"true", "boolean key"},
  };
  std::string yaml = to_yaml(original);
  EXPECT_EQ(load_one(yaml), original) << yaml;
}

TEST(YamlEmit, WritesMultiLineTextAsLiteralBlocksWhenExact) {
  json original = {{"conf", "<match post2log>\n  @type stdout\n</match>\n"}};
  std::string yaml = to_yaml(original);
  EXPECT_NE(yaml.find("conf: |\n  <match post2log>\n    @type stdout\n"), std::string::npos)
      << yaml;
  EXPECT_EQ(load_one(yaml), original);
}

TEST(YamlEmit, FallsBackToQuotesForMultiLineTextABlockWouldAlter) {
  for (const std::string text :
       {"no final newline\nx", "two final newlines\n\n", "  indented first line\nx\n",
        "line with only spaces\n   \nx\n", "carriage\r\nreturn\n", "\nleading newline\n"}) {
    json original = {{"text", text}};
    std::string yaml = to_yaml(original);
    EXPECT_EQ(load_one(yaml), original) << yaml;
  }
}

TEST(YamlEmit, SeparatesDocuments) {
  std::string yaml = to_yaml_documents({json{{"a", 1}}, json{{"b", "2"}}});
  EXPECT_EQ(yaml, "---\na: 1\n---\nb: \"2\"\n");
  YamlLoadResult result = load_yaml_documents(yaml);
  ASSERT_EQ(result.documents.size(), 2u);
  EXPECT_EQ(result.documents[1].value["b"], "2");
}

}  // namespace
}  // namespace p2l
