#include <sstream>

#include <gtest/gtest.h>

#include "p2l/field_error.hpp"
#include "p2l/post2log_fields.hpp"
#include "p2l/yaml_json.hpp"

namespace p2l {
namespace {

TEST(FieldPath, RendersNamesWithDotsAndIndicesInBrackets) {
  EXPECT_EQ(FieldPath{}.str(), "");
  EXPECT_EQ((FieldPath{"spec", "fluentd", "outputConfig"}.str()), "spec.fluentd.outputConfig");
  EXPECT_EQ((FieldPath{"spec", "ingress", "tls"}.index(0).key("hosts").index(1).str()),
            "spec.ingress.tls[0].hosts[1]");
  EXPECT_EQ(FieldPath{}.index(2).key("a").str(), "[2].a");
  std::ostringstream shown;
  shown << FieldPath{"spec"}.key("port");
  EXPECT_EQ(shown.str(), "spec.port");
}

TEST(FieldPath, QuotesNamesThatAreNotPlain) {
  EXPECT_EQ((FieldPath{"spec", "ingress", "annotations"}.key("kubernetes.io/ingress.class").str()),
            R"(spec.ingress.annotations["kubernetes.io/ingress.class"])");
  EXPECT_EQ(FieldPath{"a"}.key(R"(say "hi"\)").str(), R"(a["say \"hi\"\\"])");
  EXPECT_EQ(FieldPath{"a"}.key("").str(), R"(a[""])");
  EXPECT_EQ(FieldPath{"a"}.key("x-y_z@$0").str(), "a.x-y_z@$0");
}

TEST(FieldPath, IsItsSegmentsNotItsText) {
  const FieldPath built = FieldPath{}.key("spec").key("tolerations").index(3).key("key");
  ASSERT_EQ(built.segments().size(), 4u);
  EXPECT_EQ(std::get<std::string>(built.segments()[1]), "tolerations");
  EXPECT_EQ(std::get<std::size_t>(built.segments()[2]), 3u);
  EXPECT_EQ(FieldPath({"spec", "port"}), FieldPath{}.key("spec").key("port"));
  // One name with a dot in it is not two names, though both hold the same characters.
  EXPECT_NE(FieldPath{"a.b"}, (FieldPath{"a", "b"}));
  EXPECT_NE(FieldPath{"a"}.key("0"), FieldPath{"a"}.index(0));
  EXPECT_LT(FieldPath{"spec"}, (FieldPath{"spec", "port"}));
}

TEST(FieldPath, KnowsItsParentAndPrefixesBySegment) {
  const FieldPath key = FieldPath{"spec", "tolerations"}.index(0).key("key");
  EXPECT_EQ(key.parent(), (FieldPath{"spec", "tolerations"}.index(0)));
  EXPECT_EQ(key.parent().parent(), (FieldPath{"spec", "tolerations"}));
  EXPECT_EQ(FieldPath{}.parent(), FieldPath{});
  EXPECT_TRUE(key.starts_with(FieldPath{"spec", "tolerations"}));
  EXPECT_TRUE(key.starts_with(key));
  EXPECT_TRUE(key.starts_with(FieldPath{}));
  EXPECT_FALSE(FieldPath{"spec"}.starts_with(key));
  // "spec.port" begins the text "spec.portName", but not the path.
  EXPECT_FALSE((FieldPath{"spec", "portName"}.starts_with(FieldPath{"spec", "port"})));
}

TEST(FieldPath, FindsTheLineOfTheClosestFieldTheInputHolds) {
  const YamlLoadResult loaded = load_yaml_documents(
      "apiVersion: x\n"
      "spec:\n"
      "  ingress:\n"
      "    annotations:\n"
      "      a.b/c: \"1\"\n"
      "  tolerations:\n"
      "    - key: k\n"
      "      value: v\n");
  ASSERT_EQ(loaded.documents.size(), 1u);
  const LineMap& lines = loaded.documents[0].lines;
  const FieldPath spec{"spec"};
  EXPECT_EQ(find_line(lines, FieldPath{}), 1);
  EXPECT_EQ(find_line(lines, spec.key("ingress").key("annotations").key("a.b/c")), 5);
  EXPECT_EQ(find_line(lines, spec.key("tolerations").index(0)), 7);
  EXPECT_EQ(find_line(lines, spec.key("tolerations").index(0).key("value")), 8);
  // Absent fields (defaulted, or found by validation only) fall back to what holds them.
  EXPECT_EQ(find_line(lines, spec.key("tolerations").index(0).key("effect")), 7);
  EXPECT_EQ(find_line(lines, spec.key("ingress").key("host")), 3);
  EXPECT_EQ(find_line(lines, FieldPath{"status", "replicas"}), 1);
  EXPECT_EQ(find_line({}, spec), std::nullopt);

  std::vector<FieldError> errors{{.path = spec.key("ingress").key("pathType"), .message = "x"},
                                 {.path = spec, .line = 42, .message = "kept"}};
  attach_lines(errors, lines);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[1].line, 42);
}

TEST(FieldPath, DescribesAnErrorWithItsPath) {
  EXPECT_EQ(describe({.path = FieldPath{"spec", "port"}, .message = "must be >= 1, got 0"}),
            "spec.port: must be >= 1, got 0");
  EXPECT_EQ(describe({.message = "invalid YAML"}), "invalid YAML");
}

TEST(FieldPath, IsBuiltFromTheFieldTables) {
  EXPECT_EQ(field_name<&Toleration::operator_name>, "operator");
  EXPECT_EQ(field_name<&ObjectMeta::namespace_name>, "namespace");
  EXPECT_EQ((field_path<&Post2Log::spec, &Post2LogSpec::rotation, &Rotation::backups>()),
            (FieldPath{"spec", "rotation", "backups"}));
  EXPECT_EQ((spec_field_path<&Post2LogSpec::monitoring, &MonitoringSpec::pod_monitor,
                             &PodMonitorSpec::interval>()
                 .str()),
            "spec.monitoring.podMonitor.interval");
  const FieldPath item = spec_field_path<&Post2LogSpec::tolerations>().index(1);
  EXPECT_EQ(field_path<&Toleration::toleration_seconds>(item).str(),
            "spec.tolerations[1].tolerationSeconds");
}

}  // namespace
}  // namespace p2l
