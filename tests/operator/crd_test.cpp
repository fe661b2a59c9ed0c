#include <functional>
#include <regex>
#include <set>
#include <type_traits>
#include <variant>

#include <gtest/gtest.h>

#include "p2l/decode.hpp"
#include "p2l/policy.hpp"
#include "p2l/post2log_fields.hpp"
#include "p2l/validate.hpp"
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

namespace p2l {
namespace {

// Whether the CRD describes a field at `path`: names go through properties (or
// additionalProperties, for maps), indices through items, and anything goes below
// x-kubernetes-preserve-unknown-fields. metadata is the API server's ObjectMeta, which a CRD
// leaves as a bare object, so its names are checked against ObjectMeta's.
bool crd_has(const json& crd, const FieldPath& path) {
  static const std::set<std::string> kObjectMeta{"name",   "namespace",   "uid",
                                                 "labels", "annotations", "generateName"};
  const auto& segments = path.segments();
  if (!segments.empty() && segments[0] == FieldPath::Segment{"metadata"}) {
    if (segments.size() == 1) return true;
    const auto* name = std::get_if<std::string>(&segments[1]);
    return segments.size() == 2 && name && kObjectMeta.contains(*name);
  }
  const json* schema = &root_schema(crd);
  for (const FieldPath::Segment& segment : segments) {
    if (schema->value("x-kubernetes-preserve-unknown-fields", false)) return true;
    if (const auto* name = std::get_if<std::string>(&segment)) {
      if (schema->contains("properties") && (*schema)["properties"].contains(*name)) {
        schema = &(*schema)["properties"][*name];
      } else if (schema->contains("additionalProperties") &&
                 (*schema)["additionalProperties"].is_object()) {
        schema = &(*schema)["additionalProperties"];
      } else {
        return false;
      }
    } else if (schema->contains("items")) {
      schema = &(*schema)["items"];
    } else {
      return false;
    }
  }
  return true;
}

template <typename T>
void collect_table(const FieldPath& base, std::vector<FieldPath>& out);

// The path of `field` and of every field below it (a list by its first item).
template <typename Struct, typename Member>
void collect_field(const FieldPath& base, const Field<Struct, Member>& field,
                   std::vector<FieldPath>& out) {
  const FieldPath path = base.key(field.name);
  out.push_back(path);
  using Held = typename detail::Nested<Member>::type;
  if constexpr (HasFieldTable<Held>) {
    collect_table<Held>(path, out);
  } else if constexpr (requires { typename Member::value_type; }) {
    // A list of objects (other containers hold no field table).
    using Item = typename Member::value_type;
    if constexpr (HasFieldTable<Item>) collect_table<Item>(path.index(0), out);
  }
}

template <typename T>
void collect_table(const FieldPath& base, std::vector<FieldPath>& out) {
  std::apply([&](const auto&... field) { (collect_field(base, field, out), ...); },
             FieldTable<T>::fields);
}

// Error paths are built from the field tables only (field_path), so every table path being in
// the CRD means every path an error names is one the CRD knows.
TEST(Crd, EveryFieldOfTheTablesIsInTheSchema) {
  const json crd = load_crd();
  std::vector<FieldPath> paths;
  collect_table<Post2Log>(FieldPath{}, paths);
  for (const FieldPath& path : paths)
    EXPECT_TRUE(crd_has(crd, path)) << path;
  EXPECT_GE(paths.size(), 45u);
  for (const FieldPath& unknown :
       {FieldPath{"spec", "portName"}, FieldPath{"spec", "tolerations"}.index(0).key("bogus"),
        FieldPath{"spec", "port"}.index(0), FieldPath{"metadata", "bogus"}}) {
    EXPECT_FALSE(crd_has(crd, unknown)) << unknown;
  }
}

// A resource that breaks every rule validate_post2log and check_policy know.
Post2Log everything_wrong() {
  Post2Log resource;
  resource.metadata = {.name = "Demo", .namespace_name = "Not_A_Label", .uid = {}};
  Post2LogSpec& spec = resource.spec;
  spec.port = 0;
  spec.endpoint = "relative";
  spec.node_port = 1;
  spec.ingress = IngressSpec{.annotations = {{"example.com/config-snippet", "x"}},
                             .host = "-bad-",
                             .class_name = "Bad_Class",
                             .path_type = "Any"};
  spec.monitoring.pod_monitor = PodMonitorSpec{.interval = "soon", .labels = {}};
  spec.workers = 0;
  spec.replicas = 0;
  spec.storage = "big";
  spec.storage_class_name = "Bad_Class";
  spec.rotation = {.max_bytes = 1, .backups = 0};
  spec.log_level = "loud";
  spec.fluentd.storage = "0";
  spec.fluentd.output_config = "</x>\n@include other.conf\n";
  spec.image = {.receiver = "", .fluentd = "two words", .pull_policy = "Sometimes"};
  const ResourceRequirements bad{.limits = {{"cpu", "lots"}}, .requests = {{"memory", "-1"}}};
  spec.resources = {.receiver = bad, .fluentd = bad};
  spec.tolerations = {{.key = "k", .operator_name = "Maybe", .value = {}, .effect = "Soon"},
                      {.key = "k", .operator_name = "Exists", .value = "v", .effect = {}}};
  return resource;
}

TEST(Crd, EveryPathAnErrorNamesIsInTheSchema) {
  const json crd = load_crd();
  const Post2Log resource = everything_wrong();
  std::vector<FieldError> errors = validate_post2log(resource);
  for (FieldError& error : check_policy(resource, Policy{}, RenderOptions{}))
    errors.push_back(std::move(error));
  std::set<FieldPath> paths;
  for (const FieldError& error : errors) {
    EXPECT_TRUE(crd_has(crd, error.path)) << describe(error);
    paths.insert(error.path);
  }
  EXPECT_GE(paths.size(), 30u) << summarize(errors, 100, 100000);
}

}  // namespace
}  // namespace p2l
