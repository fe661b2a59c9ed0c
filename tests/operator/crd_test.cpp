#include <functional>
#include <regex>

#include <gtest/gtest.h>

#include "p2l/decode.hpp"
#include "p2l/post2log_fields.hpp"
#include "p2l/yaml_json.hpp"
#include "test_support.hpp"

namespace p2l {
namespace {

using nlohmann::json;

json load_crd() {
  YamlLoadResult loaded =
      load_yaml_documents(test::read_text(test::source_path("crds/post2log.io_post2logs.yaml")));
  if (loaded.error) throw std::runtime_error(loaded.error->message);
  return loaded.documents.at(0).value;
}

const json& version_of(const json& crd) {
  return crd["spec"]["versions"][0];
}
const json& root_schema(const json& crd) {
  return version_of(crd)["schema"]["openAPIV3Schema"];
}
const json& spec_schema(const json& crd) {
  return root_schema(crd)["properties"]["spec"];
}

// Calls `visit` for every schema below `schema` reached through "properties", with its JSON
// pointer relative to `schema`.
void walk(const json& schema, const std::string& pointer,
          const std::function<void(const std::string&, const json&)>& visit) {
  visit(pointer, schema);
  if (!schema.contains("properties")) return;
  for (const auto& [name, child] : schema["properties"].items()) {
    walk(child, pointer + "/" + name, visit);
  }
}

// Post2LogSpec{} with the optional ingress present, as defaults apply to it once set.
json model_defaults() {
  json defaults = Post2LogSpec{};
  defaults["ingress"] = IngressSpec{};
  defaults["ingress"].erase("annotations");
  return defaults;
}

json valid_resource() {
  return json{{"apiVersion", "post2log.io/v1alpha1"},
              {"kind", "Post2Log"},
              {"metadata", {{"name", "demo"}}},
              {"spec", json::object()}};
}

std::vector<FieldError> decode_with(const std::string& pointer, const json& value) {
  json resource = valid_resource();
  resource["spec"][json::json_pointer{pointer}] = value;
  return decode_post2log(resource).errors;
}

TEST(Crd, DescribesThePost2LogKind) {
  const json crd = load_crd();
  EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd["metadata"]["name"], "post2logs.post2log.io");
  EXPECT_EQ(crd["spec"]["group"], "post2log.io");
  EXPECT_EQ(crd["spec"]["scope"], "Namespaced");
  EXPECT_EQ(crd["spec"]["names"]["kind"], "Post2Log");
  EXPECT_EQ(crd["spec"]["names"]["plural"], "post2logs");
  EXPECT_EQ(crd["spec"]["names"]["singular"], "post2log");
  EXPECT_EQ(crd["spec"]["names"]["shortNames"], json::array({"p2l"}));
  ASSERT_EQ(crd["spec"]["versions"].size(), 1u);
  const json& version = version_of(crd);
  EXPECT_EQ(version["name"], "v1alpha1");
  EXPECT_EQ(version["served"], true);
  EXPECT_EQ(version["storage"], true);
  EXPECT_EQ(version["subresources"], (json{{"status", json::object()},
                                           {"scale",
                                            {{"specReplicasPath", ".spec.replicas"},
                                             {"statusReplicasPath", ".status.replicas"},
                                             {"labelSelectorPath", ".status.selector"}}}}));
  std::vector<std::string> columns;
  std::vector<std::string> wide_columns;
  for (const json& column : version["additionalPrinterColumns"])
    (column.value("priority", 0) == 0 ? columns : wide_columns).push_back(column["name"]);
  EXPECT_EQ(columns, (std::vector<std::string>{"Ready", "Endpoint", "Port", "Age"}));
  EXPECT_EQ(wide_columns, (std::vector<std::string>{"Replicas", "Updated", "URL"}));
  EXPECT_EQ(version["additionalPrinterColumns"][0]["jsonPath"], ".status.ready");
}

TEST(Crd, SchemaDefaultsEqualTheModelDefaults) {
  const json crd = load_crd();
  const json model = model_defaults();
  std::set<std::string> defaulted;
  walk(spec_schema(crd), "", [&](const std::string& pointer, const json& schema) {
    if (!schema.contains("default") || pointer.empty()) return;
    defaulted.insert(pointer);
    const json& crd_default = schema["default"];
    ASSERT_TRUE(model.contains(json::json_pointer{pointer})) << pointer << " has no model default";
    if (crd_default == json::object()) {
      EXPECT_TRUE(model[json::json_pointer{pointer}].is_object()) << pointer;
    } else {
      EXPECT_EQ(model[json::json_pointer{pointer}], crd_default) << pointer;
    }
  });
  // And the other way round: every defaulted model field has the same default in the CRD.
  const json leaves = model.flatten();
  for (const auto& [pointer, value] : leaves.items()) {
    EXPECT_TRUE(defaulted.contains(pointer)) << pointer << " = " << value << " has no CRD default";
  }
  EXPECT_GE(defaulted.size(), 13u);
}

TEST(Crd, EveryFieldIsDescribed) {
  const json crd = load_crd();
  for (const char* part : {"spec", "status"}) {
    walk(root_schema(crd)["properties"][part], std::string{"/"} + part,
         [&](const std::string& pointer, const json& schema) {
           EXPECT_TRUE(schema.contains("description")) << pointer;
         });
  }
}

TEST(Crd, EverySchemaFieldIsKnownToTheModel) {
  const json crd = load_crd();
  std::size_t fields = 0;
  walk(spec_schema(crd), "", [&](const std::string& pointer, const json& schema) {
    if (pointer.empty() || schema.contains("properties")) return;
    ++fields;
    json sample;
    if (schema.contains("enum")) {
      sample = schema["enum"].back();
    } else if (schema.value("x-kubernetes-int-or-string", false)) {
      sample = "1Gi";
    } else if (schema["type"] == "integer") {
      sample = schema.value("minimum", 1);
    } else if (schema["type"] == "boolean") {
      sample = false;
    } else if (schema["type"] == "object") {
      sample = json::object();
    } else if (schema["type"] == "array") {
      sample = json::array();
    } else {
      sample = "x";
    }
    for (const FieldError& error : decode_with(pointer, sample)) {
      EXPECT_NE(error.message, "unknown field") << pointer;
    }
  });
  EXPECT_GE(fields, 25u);
}

// The CRD and the model must draw every integer range at the same place.
TEST(Crd, IntegerRangesMatchTheModel) {
  const json crd = load_crd();
  std::size_t ranges = 0;
  walk(spec_schema(crd), "", [&](const std::string& pointer, const json& schema) {
    if (schema.value("type", "") != "integer" || !schema.contains("minimum")) return;
    ++ranges;
    const auto min = schema["minimum"].get<std::int64_t>();
    const auto max = schema["maximum"].get<std::int64_t>();
    EXPECT_TRUE(decode_with(pointer, min).empty()) << pointer << " = " << min;
    EXPECT_TRUE(decode_with(pointer, max).empty()) << pointer << " = " << max;
    EXPECT_FALSE(decode_with(pointer, min - 1).empty()) << pointer << " = " << min - 1;
    EXPECT_FALSE(decode_with(pointer, max + 1).empty()) << pointer << " = " << max + 1;
  });
  EXPECT_EQ(ranges, 6u);
}

TEST(Crd, EnumsMatchTheModel) {
  const json crd = load_crd();
  std::size_t enums = 0;
  walk(spec_schema(crd), "", [&](const std::string& pointer, const json& schema) {
    if (!schema.contains("enum")) return;
    ++enums;
    for (const json& value : schema["enum"]) {
      EXPECT_TRUE(decode_with(pointer, value).empty()) << pointer << " = " << value;
    }
    EXPECT_FALSE(decode_with(pointer, "NotInTheEnum").empty()) << pointer;
  });
  EXPECT_EQ(enums, 3u);
}

TEST(Crd, LimitsTheNameLikeTheModel) {
  const json crd = load_crd();
  std::string rules;
  for (const json& rule : root_schema(crd)["x-kubernetes-validations"]) {
    rules += rule["rule"].get<std::string>() + "\n";
  }
  EXPECT_NE(rules.find("self.metadata.name.size() <= " + std::to_string(kMaxNameLength)),
            std::string::npos)
      << rules;
  EXPECT_EQ(spec_schema(crd)["properties"]["replicas"]["maximum"], kMaxReplicas);
}

TEST(Crd, StatusHasTheFieldsThePrinterColumnsAndConditionsNeed) {
  const json crd = load_crd();
  const json& status = root_schema(crd)["properties"]["status"]["properties"];
  for (const char* field :
       {"observedGeneration", "replicas", "readyReplicas", "ready", "url", "conditions"}) {
    EXPECT_TRUE(status.contains(field)) << field;
  }
  const json& conditions = status["conditions"];
  EXPECT_EQ(conditions["x-kubernetes-list-type"], "map");
  EXPECT_EQ(conditions["x-kubernetes-list-map-keys"], json::array({"type"}));
  for (const char* field :
       {"type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"}) {
    EXPECT_TRUE(conditions["items"]["properties"].contains(field)) << field;
  }
}

}  // namespace
}  // namespace p2l

namespace p2l {
namespace {

// The CRD's quantity patterns (ECMAScript-compatible) and the model agree on what is valid.
TEST(Crd, QuantityPatternsMatchTheModel) {
  const json crd = load_crd();
  const json& spec = spec_schema(crd)["properties"];
  const std::vector<std::string> values{"4Gi", "8Gi", "500M", "0.5Gi", ".5", "1e3",
                                        "10",  "0",   "0Gi",  "0.0",   "00", ".0",
                                        "0e3", "4GB", "-1",   "",      "Gi", "1.2.3"};
  for (const char* pointer : {"/storage", "/fluentd/storage"}) {
    const json& schema = spec_schema(crd)[json::json_pointer{
        std::string{"/properties"} +
        (pointer == std::string{"/storage"} ? "/storage" : "/fluentd/properties/storage")}];
    const std::regex pattern{schema["pattern"].get<std::string>()};
    for (const std::string& value : values) {
      EXPECT_EQ(std::regex_search(value, pattern), decode_with(pointer, value).empty())
          << pointer << " = \"" << value << "\"";
    }
  }
  const std::regex resource_pattern{spec["resources"]["properties"]["receiver"]["properties"]
                                        ["limits"]["additionalProperties"]["pattern"]
                                            .get<std::string>()};
  for (const std::string& value : values) {
    EXPECT_EQ(std::regex_search(value, resource_pattern),
              decode_with("/resources/receiver/limits/cpu", value).empty())
        << "limits.cpu = \"" << value << "\"";
  }
}

}  // namespace
}  // namespace p2l
