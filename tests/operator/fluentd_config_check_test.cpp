#include <gtest/gtest.h>

#include "p2l/fluentd_config_check.hpp"
#include "p2l/post2log.hpp"

namespace p2l {
namespace {

std::vector<ConfigIssue> check(std::string_view config) {
  return check_output_config(config);
}

TEST(OutputConfigCheck, AcceptsTheDefault) {
  EXPECT_TRUE(check(kDefaultOutputConfig).empty());
}

TEST(OutputConfigCheck, AcceptsNestedSectionsCommentsAndLabels) {
  EXPECT_TRUE(check("# ship it\n"
                    "<filter post2log>\n  @type grep\n  <exclude>\n    key _path\n"
                    "    pattern /x/\n  </exclude>\n</filter>\n"
                    "<match post2log> # primary\n  @type copy\n  <store>\n    @type stdout\n"
                    "  </store>\n  <buffer tag, time>\n    timekey 60\n  </buffer>\n</match>\n"
                    "<label @FLUENT_LOG>\n  <match **>\n    @type null\n  </match>\n</label>\n")
                  .empty());
}

TEST(OutputConfigCheck, RejectsAnEmptyConfig) {
  EXPECT_EQ(check(""), (std::vector<ConfigIssue>{{1, "the configuration is empty"}}));
  EXPECT_EQ(check("\n  \n# only a comment\n"),
            (std::vector<ConfigIssue>{{1, "the configuration is empty"}}));
}

TEST(OutputConfigCheck, RejectsAConfigWithoutMatch) {
  auto issues = check("<filter post2log>\n  @type stdout\n</filter>\n");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].line, 1);
  EXPECT_NE(issues[0].message.find("no <match> section"), std::string::npos);
}

TEST(OutputConfigCheck, RejectsTextAfterAClosingTag) {
  auto issues = check("<match post2log>\n  @type stdout\n</match>\"\n");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0], (ConfigIssue{3, "unexpected text after </match>: \""}));
}

TEST(OutputConfigCheck, RejectsTextAfterAnOpeningTag) {
  auto issues = check("<match post2log> @type stdout\n</match>\n");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0], (ConfigIssue{1, "unexpected text after <match post2log>: @type stdout"}));
}

TEST(OutputConfigCheck, RejectsASectionThatIsNeverClosed) {
  auto issues = check("<match post2log>\n  @type stdout\n  <buffer>\n  </buffer>\n");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0], (ConfigIssue{1, "<match> is never closed"}));
}

TEST(OutputConfigCheck, RejectsAMisnamedClosingTag) {
  auto issues = check("<match post2log>\n  <buffer>\n  </bufer>\n</match>\n");
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0], (ConfigIssue{3, "</bufer> does not match <buffer> opened on line 2"}));
  EXPECT_EQ(issues[1], (ConfigIssue{4, "</match> does not match <buffer> opened on line 2"}));
}

TEST(OutputConfigCheck, RejectsAClosingTagWithNothingOpen) {
  auto issues = check("<match post2log>\n</match>\n</match>\n");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0], (ConfigIssue{3, "</match> closes a section that was never opened"}));
}

TEST(OutputConfigCheck, RejectsATagWithoutClosingBracket) {
  auto issues = check("<match post2log\n  @type stdout\n</match>\n");
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].line, 1);
  EXPECT_NE(issues[0].message.find("without a closing '>'"), std::string::npos);
}

TEST(OutputConfigCheck, RejectsMalformedSectionNames) {
  auto opening = check("<match post2log>\n  <9buffer>\n  </9buffer>\n</match>\n");
  ASSERT_FALSE(opening.empty());
  EXPECT_EQ(opening[0].line, 2);
  EXPECT_NE(opening[0].message.find("malformed section tag <9buffer>"), std::string::npos);
  auto closing = check("<match post2log>\n</ma-tch>\n");
  ASSERT_EQ(closing.size(), 2u);
  EXPECT_EQ(closing[0], (ConfigIssue{1, "<match> is never closed"}));
  EXPECT_EQ(closing[1], (ConfigIssue{2, "malformed closing tag </ma-tch>"}));
}

}  // namespace
}  // namespace p2l
