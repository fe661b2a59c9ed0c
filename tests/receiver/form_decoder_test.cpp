#include "form_decoder.hpp"

#include <gtest/gtest.h>

namespace p2l {
namespace {

std::vector<FormField> decode(std::string_view text) {
  std::vector<FormField> fields;
  EXPECT_TRUE(decode_form(text, fields)) << text;
  return fields;
}

TEST(FormDecoder, DecodesPercentAndPlus) {
  const auto fields = decode("a=1&b=x+y&c=%C3%A9%2B%26");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].key, "a");
  EXPECT_EQ(fields[0].value, "1");
  EXPECT_EQ(fields[1].value, "x y");
  EXPECT_EQ(fields[2].value, "\xC3\xA9+&");
}

TEST(FormDecoder, KeepsEmptyValuesAndSkipsEmptySegments) {
  const auto fields = decode("a=&&b&=v&");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].key, "a");
  EXPECT_EQ(fields[0].value, "");
  EXPECT_EQ(fields[1].key, "b");
  EXPECT_EQ(fields[1].value, "");
  EXPECT_EQ(fields[2].key, "");
  EXPECT_EQ(fields[2].value, "v");
}

TEST(FormDecoder, KeepsMalformedEscapesLiterally) {
  const auto fields = decode("a=%zz&b=100%&c=%4");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].value, "%zz");
  EXPECT_EQ(fields[1].value, "100%");
  EXPECT_EQ(fields[2].value, "%4");
}

TEST(FormDecoder, KeyMayHoldEncodedEqualsSign) {
  const auto fields = decode("a%3Db=c=d");
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].key, "a=b");
  EXPECT_EQ(fields[0].value, "c=d");
}

TEST(FormDecoder, RejectsInvalidUtf8) {
  std::vector<FormField> fields;
  EXPECT_FALSE(decode_form("a=%FF", fields));
  EXPECT_FALSE(decode_form("%C3=1", fields));
  EXPECT_FALSE(decode_form("a=%ED%A0%80", fields));  // an encoded surrogate
}

TEST(FormDecoder, EmptyInputGivesNoFields) {
  EXPECT_TRUE(decode("").empty());
}

}  // namespace
}  // namespace p2l
