#include "p2l/post2log_fields.hpp"

namespace p2l {

// Unlike a nested object, metadata and spec are written even when they say nothing.
void to_json(nlohmann::json& out, const Post2Log& value) {
  out = nlohmann::json{{"apiVersion", kApiVersion}, {"kind", kKind}};
  std::apply(
      [&](const auto&... field) { ((out[std::string{field.name}] = value.*field.member), ...); },
      FieldTable<Post2Log>::fields);
}

}  // namespace p2l
