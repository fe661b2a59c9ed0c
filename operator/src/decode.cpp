#include "p2l/decode.hpp"

#include <limits>
#include <set>
#include <string>

#include "p2l/validate.hpp"

namespace p2l {
namespace {

using nlohmann::json;
using Errors = std::vector<FieldError>;

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "list";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

std::string shown(const json& value) {
  if (value.is_object() || value.is_array()) return type_name(value);
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return type_name(value) + " " + text;
}

void type_error(Errors& errors, const FieldPath& path, std::string_view expected, const json& got) {
  errors.push_back(
      {path.str(), std::nullopt, "must be " + std::string{expected} + ", got " + shown(got)});
}

// One JSON object being read field by field; whatever is not read is an unknown field.
class ObjectReader {
 public:
  ObjectReader(const json& object, FieldPath path, Errors& errors)
      : object_(object), path_(std::move(path)), errors_(errors) {}

  // The value of `name`, or nullptr when absent or null (null means "use the default", as in
  // the API server's pruning and defaulting).
  const json* take(std::string_view name) {
    known_.emplace(name);
    auto found = object_.find(std::string{name});
    if (found == object_.end() || found->is_null()) return nullptr;
    return &*found;
  }

  [[nodiscard]] FieldPath path(std::string_view name) const { return path_.key(name); }

  void reject_unknown() {
    for (const auto& [name, value] : object_.items()) {
      if (!known_.contains(name)) errors_.push_back({path_.key(name).str(), {}, "unknown field"});
    }
  }

 private:
  const json& object_;
  FieldPath path_;
  Errors& errors_;
  std::set<std::string, std::less<>> known_;
};

class Decoder {
 public:
  explicit Decoder(Errors& errors) : errors_(errors) {}

  bool is_object(const json& value, const FieldPath& path) {
    if (value.is_object()) return true;
    type_error(errors_, path, "an object", value);
    return false;
  }

  template <typename Int>
  void integer(ObjectReader& reader, std::string_view name, Int& out) {
    const json* value = reader.take(name);
    if (!value) return;
    if (auto parsed = read_integer<Int>(*value, reader.path(name))) out = *parsed;
  }

  template <typename Int>
  void integer(ObjectReader& reader, std::string_view name, std::optional<Int>& out) {
    const json* value = reader.take(name);
    if (!value) return;
    if (auto parsed = read_integer<Int>(*value, reader.path(name))) out = *parsed;
  }

  void boolean(ObjectReader& reader, std::string_view name, bool& out) {
    const json* value = reader.take(name);
    if (!value) return;
    if (value->is_boolean()) {
      out = value->get<bool>();
    } else {
      type_error(errors_, reader.path(name), "true or false", *value);
    }
  }

  void string(ObjectReader& reader, std::string_view name, std::string& out) {
    const json* value = reader.take(name);
    if (!value) return;
    if (auto text = read_string(*value, reader.path(name))) out = *text;
  }

  void string(ObjectReader& reader, std::string_view name, std::optional<std::string>& out) {
    const json* value = reader.take(name);
    if (!value) return;
    if (auto text = read_string(*value, reader.path(name))) out = *text;
  }

  // A Kubernetes quantity may be written as a number or a string; it is kept as a string.
  std::optional<std::string> quantity(const json& value, const FieldPath& path) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return value.dump();
    type_error(errors_, path, "a quantity such as 4Gi", value);
    return std::nullopt;
  }

  void quantity(ObjectReader& reader, std::string_view name, std::string& out) {
    const json* value = reader.take(name);
    if (!value) return;
    if (auto text = quantity(*value, reader.path(name))) out = *text;
  }

  void string_map(ObjectReader& reader, std::string_view name,
                  std::map<std::string, std::string>& out) {
    const json* value = reader.take(name);
    if (!value) return;
    FieldPath path = reader.path(name);
    if (!is_object(*value, path)) return;
    for (const auto& [key, item] : value->items()) {
      if (item.is_string()) {
        out[key] = item.get<std::string>();
      } else {
        type_error(errors_, path.key(key), "a string", item);
      }
    }
  }

  void quantity_map(ObjectReader& reader, std::string_view name,
                    std::map<std::string, std::string>& out) {
    const json* value = reader.take(name);
    if (!value) return;
    FieldPath path = reader.path(name);
    if (!is_object(*value, path)) return;
    for (const auto& [key, item] : value->items()) {
      if (auto text = quantity(item, path.key(key))) out[key] = *text;
    }
  }

  void resources(ObjectReader& reader, std::string_view name,
                 std::optional<ResourceRequirements>& out) {
    const json* value = reader.take(name);
    if (!value) return;
    FieldPath path = reader.path(name);
    if (!is_object(*value, path)) return;
    ObjectReader fields{*value, path, errors_};
    ResourceRequirements requirements;
    quantity_map(fields, "limits", requirements.limits);
    quantity_map(fields, "requests", requirements.requests);
    fields.reject_unknown();
    out = std::move(requirements);
  }

  void tolerations(ObjectReader& reader, std::vector<Toleration>& out) {
    const json* value = reader.take("tolerations");
    if (!value) return;
    FieldPath path = reader.path("tolerations");
    if (!value->is_array()) {
      type_error(errors_, path, "a list", *value);
      return;
    }
    for (std::size_t i = 0; i < value->size(); ++i) {
      FieldPath item_path = path.index(i);
      const json& item = (*value)[i];
      if (!is_object(item, item_path)) continue;
      ObjectReader fields{item, item_path, errors_};
      Toleration toleration;
      string(fields, "key", toleration.key);
      string(fields, "operator", toleration.operator_name);
      string(fields, "value", toleration.value);
      string(fields, "effect", toleration.effect);
      integer(fields, "tolerationSeconds", toleration.toleration_seconds);
      fields.reject_unknown();
      out.push_back(std::move(toleration));
    }
  }

  // NetworkPolicy peers are passed through; each must be an object.
  void peers(ObjectReader& reader, std::optional<json>& out) {
    const json* value = reader.take("from");
    if (!value) return;
    FieldPath path = reader.path("from");
    if (!value->is_array()) {
      type_error(errors_, path, "a list", *value);
      return;
    }
    for (std::size_t i = 0; i < value->size(); ++i)
      is_object((*value)[i], path.index(i));
    out = *value;
  }

  // Affinity is passed through to the pods; only its three top-level parts are known here.
  void affinity(ObjectReader& reader, std::optional<json>& out) {
    const json* value = reader.take("affinity");
    if (!value) return;
    FieldPath path = reader.path("affinity");
    if (!is_object(*value, path)) return;
    ObjectReader fields{*value, path, errors_};
    for (std::string_view part : {"nodeAffinity", "podAffinity", "podAntiAffinity"}) {
      if (const json* item = fields.take(part)) is_object(*item, path.key(part));
    }
    fields.reject_unknown();
    out = *value;
  }

  // Reads the object field `name` of `fields` with `read_members`, then reports any member it
  // did not take. Returns false when the field is absent or not an object.
  template <typename ReadMembers>
  bool nested(ObjectReader& fields, std::string_view name, ReadMembers read_members) {
    const json* value = fields.take(name);
    if (value == nullptr) return false;
    const FieldPath path = fields.path(name);
    if (!is_object(*value, path)) return false;
    ObjectReader members{*value, path, errors_};
    read_members(members);
    members.reject_unknown();
    return true;
  }

  void spec(const json& value, const FieldPath& path, Post2LogSpec& out) {
    if (!is_object(value, path)) return;
    ObjectReader fields{value, path, errors_};
    integer(fields, "port", out.port);
    string(fields, "endpoint", out.endpoint);
    boolean(fields, "logQueryParams", out.log_query_params);
    integer(fields, "nodePort", out.node_port);
    IngressSpec ingress_spec;
    const bool has_ingress = nested(fields, "ingress", [&](ObjectReader& ingress) {
      string_map(ingress, "annotations", ingress_spec.annotations);
      string(ingress, "host", ingress_spec.host);
      string(ingress, "className", ingress_spec.class_name);
      string(ingress, "pathType", ingress_spec.path_type);
    });
    if (has_ingress) out.ingress = std::move(ingress_spec);
    NetworkPolicySpec network_policy;
    const bool has_network_policy = nested(
        fields, "networkPolicy", [&](ObjectReader& policy) { peers(policy, network_policy.from); });
    if (has_network_policy) out.network_policy = std::move(network_policy);
    nested(fields, "monitoring", [&](ObjectReader& monitoring) {
      PodMonitorSpec pod_monitor;
      const bool has_pod_monitor = nested(monitoring, "podMonitor", [&](ObjectReader& monitor) {
        string(monitor, "interval", pod_monitor.interval);
        string_map(monitor, "labels", pod_monitor.labels);
      });
      if (has_pod_monitor) out.monitoring.pod_monitor = std::move(pod_monitor);
    });
    integer(fields, "workers", out.workers);
    integer(fields, "replicas", out.replicas);
    quantity(fields, "storage", out.storage);
    string(fields, "storageClassName", out.storage_class_name);
    nested(fields, "rotation", [&](ObjectReader& rotation) {
      integer(rotation, "maxBytes", out.rotation.max_bytes);
      integer(rotation, "backups", out.rotation.backups);
    });
    string(fields, "logLevel", out.log_level);
    nested(fields, "fluentd", [&](ObjectReader& fluentd) {
      boolean(fluentd, "enabled", out.fluentd.enabled);
      quantity(fluentd, "storage", out.fluentd.storage);
      string(fluentd, "outputConfig", out.fluentd.output_config);
    });
    nested(fields, "image", [&](ObjectReader& image) {
      string(image, "receiver", out.image.receiver);
      string(image, "fluentd", out.image.fluentd);
      string(image, "pullPolicy", out.image.pull_policy);
    });
    nested(fields, "resources", [&](ObjectReader& resource_fields) {
      resources(resource_fields, "receiver", out.resources.receiver);
      resources(resource_fields, "fluentd", out.resources.fluentd);
    });
    string_map(fields, "nodeSelector", out.node_selector);
    tolerations(fields, out.tolerations);
    affinity(fields, out.affinity);
    fields.reject_unknown();
  }

  void metadata(const json& value, const FieldPath& path, ObjectMeta& out) {
    if (!is_object(value, path)) return;
    // Everything else in metadata (labels, resourceVersion, managedFields, ...) belongs to
    // the API server and is not this model's business.
    auto read = [&](std::string_view name, auto& target) {
      auto found = value.find(std::string{name});
      if (found == value.end() || found->is_null()) return false;
      if (auto text = read_string(*found, path.key(name))) target = *text;
      return true;
    };
    if (!read("name", out.name)) errors_.push_back({path.key("name").str(), {}, "is required"});
    read("namespace", out.namespace_name);
    read("uid", out.uid);
  }

  void resource(const json& value, Post2Log& out) {
    FieldPath root;
    if (!is_object(value, root)) return;
    ObjectReader fields{value, root, errors_};
    expect_constant(fields, "apiVersion", kApiVersion);
    expect_constant(fields, "kind", kKind);
    if (const json* meta = fields.take("metadata")) {
      metadata(*meta, fields.path("metadata"), out.metadata);
    } else {
      errors_.push_back({"metadata", {}, "is required"});
    }
    if (const json* spec_value = fields.take("spec"))
      spec(*spec_value, fields.path("spec"), out.spec);
    fields.take("status");
    fields.reject_unknown();
  }

 private:
  template <typename Int>
  std::optional<Int> read_integer(const json& value, const FieldPath& path) {
    if (!value.is_number_integer()) {
      type_error(errors_, path, "an integer", value);
      return std::nullopt;
    }
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
      errors_.push_back({path.str(), {}, "is out of range, got " + value.dump()});
      return std::nullopt;
    }
    const auto number = value.get<std::int64_t>();
    if (number < std::numeric_limits<Int>::min() || number > std::numeric_limits<Int>::max()) {
      errors_.push_back({path.str(), {}, "is out of range, got " + value.dump()});
      return std::nullopt;
    }
    return static_cast<Int>(number);
  }

  std::optional<std::string> read_string(const json& value, const FieldPath& path) {
    if (value.is_string()) return value.get<std::string>();
    type_error(errors_, path, "a string", value);
    return std::nullopt;
  }

  void expect_constant(ObjectReader& fields, std::string_view name, std::string_view expected) {
    const json* value = fields.take(name);
    FieldPath path = fields.path(name);
    if (!value) {
      errors_.push_back({path.str(), {}, "is required (" + std::string{expected} + ")"});
    } else if (!value->is_string() || value->get<std::string>() != expected) {
      errors_.push_back(
          {path.str(), {}, "must be " + std::string{expected} + ", got " + shown(*value)});
    }
  }

  Errors& errors_;
};

}  // namespace

DecodeResult decode_post2log(const json& object, const LineMap& lines) {
  DecodeResult result;
  Post2Log resource;
  Decoder{result.errors}.resource(object, resource);
  // Fields that failed to decode hold their defaults; report only the decoding problem there.
  std::set<std::string, std::less<>> undecodable;
  for (const FieldError& error : result.errors)
    undecodable.insert(error.path);
  for (FieldError& error : validate_post2log(resource)) {
    if (!undecodable.contains(error.path)) result.errors.push_back(std::move(error));
  }
  attach_lines(result.errors, lines);
  if (result.errors.empty()) result.resource = std::move(resource);
  return result;
}

}  // namespace p2l
