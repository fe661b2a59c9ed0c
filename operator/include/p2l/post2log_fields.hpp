#pragma once

#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "p2l/field_error.hpp"
#include "p2l/post2log.hpp"

namespace p2l {

// How a member is written in the API, where its C++ type does not say it all.
enum class Codec {
  plain,         // by its type: integer, boolean, string, string map, list, nested object
  quantity,      // a Kubernetes quantity: a string, or an integer written as one
  quantity_map,  // a map of quantities
  peers,         // networking.k8s.io/v1 NetworkPolicyPeers, passed through: objects in a list
  affinity,      // core/v1 Affinity, passed through: its three parts must be objects
};

// One API field of a struct: its name as the API spells it, and the member that holds it.
template <typename Struct, typename Member>
struct Field {
  std::string_view name;
  Member Struct::*member;
  Codec codec = Codec::plain;
};
template <typename Struct, typename Member>
Field(std::string_view, Member Struct::*) -> Field<Struct, Member>;
template <typename Struct, typename Member>
Field(std::string_view, Member Struct::*, Codec) -> Field<Struct, Member>;

// The one list of a struct's API fields, in the API's order. decode_post2log reads the fields
// (and reports any other as unknown) from it, to_json writes them from it, and the paths of
// validation errors name them from it (field_path).
template <typename T>
struct FieldTable;

template <typename T>
concept HasFieldTable = requires {
  FieldTable<T>::fields;
};

template <>
struct FieldTable<Rotation> {
  static constexpr std::tuple fields{Field{"maxBytes", &Rotation::max_bytes},
                                     Field{"backups", &Rotation::backups}};
};

template <>
struct FieldTable<FluentdSpec> {
  static constexpr std::tuple fields{Field{"enabled", &FluentdSpec::enabled},
                                     Field{"storage", &FluentdSpec::storage, Codec::quantity},
                                     Field{"outputConfig", &FluentdSpec::output_config}};
};

template <>
struct FieldTable<IngressSpec> {
  static constexpr std::tuple fields{
      Field{"annotations", &IngressSpec::annotations}, Field{"host", &IngressSpec::host},
      Field{"className", &IngressSpec::class_name}, Field{"pathType", &IngressSpec::path_type}};
};

template <>
struct FieldTable<NetworkPolicySpec> {
  static constexpr std::tuple fields{Field{"from", &NetworkPolicySpec::from, Codec::peers}};
};

template <>
struct FieldTable<PodMonitorSpec> {
  static constexpr std::tuple fields{Field{"interval", &PodMonitorSpec::interval},
                                     Field{"labels", &PodMonitorSpec::labels}};
};

template <>
struct FieldTable<MonitoringSpec> {
  static constexpr std::tuple fields{Field{"podMonitor", &MonitoringSpec::pod_monitor}};
};

template <>
struct FieldTable<ImageSpec> {
  static constexpr std::tuple fields{Field{"receiver", &ImageSpec::receiver},
                                     Field{"fluentd", &ImageSpec::fluentd},
                                     Field{"pullPolicy", &ImageSpec::pull_policy}};
};

template <>
struct FieldTable<ResourceRequirements> {
  static constexpr std::tuple fields{
      Field{"limits", &ResourceRequirements::limits, Codec::quantity_map},
      Field{"requests", &ResourceRequirements::requests, Codec::quantity_map}};
};

template <>
struct FieldTable<PodResources> {
  static constexpr std::tuple fields{Field{"receiver", &PodResources::receiver},
                                     Field{"fluentd", &PodResources::fluentd}};
};

template <>
struct FieldTable<Toleration> {
  static constexpr std::tuple fields{
      Field{"key", &Toleration::key}, Field{"operator", &Toleration::operator_name},
      Field{"value", &Toleration::value}, Field{"effect", &Toleration::effect},
      Field{"tolerationSeconds", &Toleration::toleration_seconds}};
};

template <>
struct FieldTable<Post2LogSpec> {
  static constexpr std::tuple fields{Field{"port", &Post2LogSpec::port},
                                     Field{"endpoint", &Post2LogSpec::endpoint},
                                     Field{"logQueryParams", &Post2LogSpec::log_query_params},
                                     Field{"nodePort", &Post2LogSpec::node_port},
                                     Field{"ingress", &Post2LogSpec::ingress},
                                     Field{"networkPolicy", &Post2LogSpec::network_policy},
                                     Field{"monitoring", &Post2LogSpec::monitoring},
                                     Field{"workers", &Post2LogSpec::workers},
                                     Field{"replicas", &Post2LogSpec::replicas},
                                     Field{"storage", &Post2LogSpec::storage, Codec::quantity},
                                     Field{"storageClassName", &Post2LogSpec::storage_class_name},
                                     Field{"rotation", &Post2LogSpec::rotation},
                                     Field{"logLevel", &Post2LogSpec::log_level},
                                     Field{"fluentd", &Post2LogSpec::fluentd},
                                     Field{"image", &Post2LogSpec::image},
                                     Field{"resources", &Post2LogSpec::resources},
                                     Field{"nodeSelector", &Post2LogSpec::node_selector},
                                     Field{"tolerations", &Post2LogSpec::tolerations},
                                     Field{"affinity", &Post2LogSpec::affinity, Codec::affinity}};
};

// The metadata the model keeps; the rest of metadata is the API server's business.
template <>
struct FieldTable<ObjectMeta> {
  static constexpr std::tuple fields{Field{"name", &ObjectMeta::name},
                                     Field{"namespace", &ObjectMeta::namespace_name},
                                     Field{"uid", &ObjectMeta::uid}};
};

// The top level: the fields of the model besides apiVersion and kind, which are constants.
template <>
struct FieldTable<Post2Log> {
  static constexpr std::tuple fields{Field{"metadata", &Post2Log::metadata},
                                     Field{"spec", &Post2Log::spec}};
};

namespace detail {

template <auto Member>
struct MemberOf;
template <typename Struct, typename Member, Member Struct::*pointer>
struct MemberOf<pointer> {
  using owner = Struct;
  using type = Member;
};

// The struct a member leads into: an optional nested object counts as the object.
template <typename T>
struct Nested {
  using type = T;
};
template <typename T>
struct Nested<std::optional<T>> {
  using type = T;
};

template <auto Member>
consteval std::string_view name_in_table() {
  using Owner = typename MemberOf<Member>::owner;
  std::string_view name;
  std::apply(
      [&](const auto&... field) {
        (
            [&] {
              if constexpr (std::is_same_v<decltype(field.member), decltype(Member)>) {
                if (field.member == Member) name = field.name;
              }
            }(),
            ...);
      },
      FieldTable<Owner>::fields);
  return name;
}

template <auto Member>
consteval std::string_view checked_name() {
  constexpr std::string_view name = name_in_table<Member>();
  static_assert(!name.empty(), "a member missing from its struct's field table");
  return name;
}

// Whether each member belongs to the struct that the member before it holds.
template <auto Last>
consteval bool is_chain() {
  return true;
}
template <auto First, auto Second, auto... Rest>
consteval bool is_chain() {
  using Holds = typename Nested<typename MemberOf<First>::type>::type;
  return std::is_same_v<Holds, typename MemberOf<Second>::owner> && is_chain<Second, Rest...>();
}

}  // namespace detail

// The API name of a member, from its struct's field table; a member the table does not list
// does not compile.
template <auto Member>
inline constexpr std::string_view field_name = detail::checked_name<Member>();

// The path of a field reached from `base` through `Members`, each a member of the struct the
// one before holds: field_path<&Post2Log::spec, &Post2LogSpec::rotation, &Rotation::backups>()
// is spec.rotation.backups. Renaming a field in its table renames it here too.
template <auto... Members>
[[nodiscard]] FieldPath field_path(FieldPath base = {}) {
  static_assert(detail::is_chain<Members...>(), "each member must belong to the one before");
  ((base = base.key(field_name<Members>)), ...);
  return base;
}

// A field below spec, where most error paths lead.
template <auto... Members>
[[nodiscard]] FieldPath spec_field_path() {
  return field_path<&Post2Log::spec, Members...>();
}

// Serialisation in the API's field names, from the field tables: unset optionals, empty maps
// and lists, and nested objects with nothing set are left out.
template <HasFieldTable T>
void to_json(nlohmann::json& out, const T& value);
void to_json(nlohmann::json& out, const Post2Log& value);

namespace detail {

template <typename T>
void put(nlohmann::json& out, std::string_view name, const T& value) {
  out[std::string{name}] = value;
}
// A nested object that is always there (not optional) is left out when it has nothing to
// say: ImageSpec{} with every image unset. An optional one that is set stays, even as {}.
template <HasFieldTable T>
void put(nlohmann::json& out, std::string_view name, const T& value) {
  nlohmann::json nested = value;
  if (!nested.empty()) out[std::string{name}] = std::move(nested);
}
template <typename T>
void put(nlohmann::json& out, std::string_view name, const std::optional<T>& value) {
  if (value) out[std::string{name}] = *value;
}
template <typename K, typename V>
void put(nlohmann::json& out, std::string_view name, const std::map<K, V>& value) {
  if (!value.empty()) out[std::string{name}] = value;
}
template <typename T>
void put(nlohmann::json& out, std::string_view name, const std::vector<T>& value) {
  if (!value.empty()) out[std::string{name}] = value;
}

}  // namespace detail

template <HasFieldTable T>
void to_json(nlohmann::json& out, const T& value) {
  out = nlohmann::json::object();
  std::apply(
      [&](const auto&... field) { (detail::put(out, field.name, value.*field.member), ...); },
      FieldTable<T>::fields);
}

}  // namespace p2l
