#include "p2l/decode.hpp"

#include <concepts>
#include <limits>
#include <set>
#include <string>

#include "p2l/post2log_fields.hpp"
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
      {path, std::nullopt, "must be " + std::string{expected} + ", got " + shown(got)});
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

  // Present and not null.
  [[nodiscard]] bool has(std::string_view name) const {
    auto found = object_.find(std::string{name});
    return found != object_.end() && !found->is_null();
  }

  [[nodiscard]] FieldPath path(std::string_view name) const { return path_.key(name); }

  void reject_unknown() {
    for (const auto& [name, value] : object_.items()) {
      if (!known_.contains(name)) errors_.push_back({path_.key(name), {}, "unknown field"});
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

  // One field of `reader` into `out`, by the member's type and the field's codec.
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) void read(ObjectReader& reader, std::string_view name,
                                               Int& out, Codec) {
    const json* value = reader.take(name);
    if (!value) return;
    if (auto parsed = read_integer<Int>(*value, reader.path(name))) out = *parsed;
  }

  void read(ObjectReader& reader, std::string_view name, bool& out, Codec) {
    const json* value = reader.take(name);
    if (!value) return;
    if (value->is_boolean()) {
      out = value->get<bool>();
    } else {
      type_error(errors_, reader.path(name), "true or false", *value);
    }
  }

  void read(ObjectReader& reader, std::string_view name, std::string& out, Codec codec) {
    const json* value = reader.take(name);
    if (!value) return;
    const FieldPath path = reader.path(name);
    if (auto text = codec == Codec::quantity ? quantity(*value, path) : read_string(*value, path))
      out = *text;
  }

  void read(ObjectReader& reader, std::string_view name, std::map<std::string, std::string>& out,
            Codec codec) {
    const json* value = reader.take(name);
    if (!value) return;
    const FieldPath path = reader.path(name);
    if (!is_object(*value, path)) return;
    for (const auto& [key, item] : value->items()) {
      if (codec == Codec::quantity_map) {
        if (auto text = quantity(item, path.key(key))) out[key] = *text;
      } else if (item.is_string()) {
        out[key] = item.get<std::string>();
      } else {
        type_error(errors_, path.key(key), "a string", item);
      }
    }
  }

  // Passed through as given (NetworkPolicyPeers, Affinity), with only their shape checked.
  void read(ObjectReader& reader, std::string_view name, std::optional<json>& out, Codec codec) {
    const json* value = reader.take(name);
    if (!value) return;
    const FieldPath path = reader.path(name);
    if (codec == Codec::peers) {
      if (!value->is_array()) {
        type_error(errors_, path, "a list", *value);
        return;
      }
      for (std::size_t i = 0; i < value->size(); ++i)
        is_object((*value)[i], path.index(i));
    } else {
      if (!is_object(*value, path)) return;
      ObjectReader parts{*value, path, errors_};
      for (std::string_view part : {"nodeAffinity", "podAffinity", "podAntiAffinity"}) {
        if (const json* item = parts.take(part)) is_object(*item, path.key(part));
      }
      parts.reject_unknown();
    }
    out = *value;
  }

  // An optional scalar: set when the field is present and reads.
  template <typename T>
  requires(!HasFieldTable<T>) void read(ObjectReader& reader, std::string_view name,
                                        std::optional<T>& out, Codec codec) {
    T value{};
    const std::size_t errors_before = errors_.size();
    if (reader.has(name)) {
      read(reader, name, value, codec);
      if (errors_.size() == errors_before) out = std::move(value);
    } else {
      reader.take(name);
    }
  }

  // A nested object read by its own field table.
  template <HasFieldTable T>
  void read(ObjectReader& reader, std::string_view name, T& out, Codec) {
    nested(reader, name, [&](ObjectReader& members) { read_fields(members, out); });
  }

  // A nested object that may be absent: set (even to its defaults, for `{}`) when present.
  template <HasFieldTable T>
  void read(ObjectReader& reader, std::string_view name, std::optional<T>& out, Codec) {
    T value{};
    if (nested(reader, name, [&](ObjectReader& members) { read_fields(members, value); })) {
      out = std::move(value);
    }
  }

  // A list of objects, each read by its field table.
  template <HasFieldTable T>
  void read(ObjectReader& reader, std::string_view name, std::vector<T>& out, Codec) {
    const json* value = reader.take(name);
    if (!value) return;
    const FieldPath path = reader.path(name);
    if (!value->is_array()) {
      type_error(errors_, path, "a list", *value);
      return;
    }
    for (std::size_t i = 0; i < value->size(); ++i) {
      const FieldPath item_path = path.index(i);
      const json& item = (*value)[i];
      if (!is_object(item, item_path)) continue;
      ObjectReader members{item, item_path, errors_};
      T element{};
      read_fields(members, element);
      members.reject_unknown();
      out.push_back(std::move(element));
    }
  }

  // Every field of T's table; the caller reports what is left as unknown.
  template <HasFieldTable T>
  void read_fields(ObjectReader& reader, T& out) {
    std::apply(
        [&](const auto&... field) {
          (read(reader, field.name, out.*field.member, field.codec), ...);
        },
        FieldTable<T>::fields);
  }

  // A Kubernetes quantity may be written as a number or a string; it is kept as a string.
  std::optional<std::string> quantity(const json& value, const FieldPath& path) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return value.dump();
    type_error(errors_, path, "a quantity such as 4Gi", value);
    return std::nullopt;
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
    read_fields(fields, out);
    fields.reject_unknown();
  }

  void metadata(const json& value, const FieldPath& path, ObjectMeta& out) {
    if (!is_object(value, path)) return;
    // Everything else in metadata (labels, resourceVersion, managedFields, ...) belongs to
    // the API server and is not this model's business: no unknown fields here.
    ObjectReader fields{value, path, errors_};
    if (!fields.has(field_name<&ObjectMeta::name>))
      errors_.push_back({field_path<&ObjectMeta::name>(path), {}, "is required"});
    read_fields(fields, out);
  }

  void resource(const json& value, Post2Log& out) {
    FieldPath root;
    if (!is_object(value, root)) return;
    ObjectReader fields{value, root, errors_};
    expect_constant(fields, "apiVersion", kApiVersion);
    expect_constant(fields, "kind", kKind);
    if (const json* meta = fields.take(field_name<&Post2Log::metadata>)) {
      metadata(*meta, field_path<&Post2Log::metadata>(), out.metadata);
    } else {
      errors_.push_back({field_path<&Post2Log::metadata>(), {}, "is required"});
    }
    if (const json* spec_value = fields.take(field_name<&Post2Log::spec>))
      spec(*spec_value, field_path<&Post2Log::spec>(), out.spec);
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
      errors_.push_back({path, {}, "is out of range, got " + value.dump()});
      return std::nullopt;
    }
    const auto number = value.get<std::int64_t>();
    if (number < std::numeric_limits<Int>::min() || number > std::numeric_limits<Int>::max()) {
      errors_.push_back({path, {}, "is out of range, got " + value.dump()});
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
      errors_.push_back({path, {}, "is required (" + std::string{expected} + ")"});
    } else if (!value->is_string() || value->get<std::string>() != expected) {
      errors_.push_back({path, {}, "must be " + std::string{expected} + ", got " + shown(*value)});
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
  std::set<FieldPath> undecodable;
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
