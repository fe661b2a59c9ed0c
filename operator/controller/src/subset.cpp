#include "p2l/controller/subset.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

bool is_zero_value(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return true;
    case json::value_t::boolean:
      return !value.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return value == 0;
    case json::value_t::string:
      return value.get_ref<const std::string&>().empty();
    case json::value_t::object:
    case json::value_t::array:
      return value.empty();
    default:
      return false;
  }
}

}  // namespace

bool contains_subset(const json& live, const json& desired) {
  if (desired.is_object()) {
    if (!live.is_object()) return live.is_null() && desired.empty();
    for (const auto& [key, value] : desired.items()) {
      const auto found = live.find(key);
      if (found == live.end()) {
        if (!is_zero_value(value)) return false;
      } else if (!contains_subset(*found, value)) {
        return false;
      }
    }
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array()) return live.is_null() && desired.empty();
    if (live.size() != desired.size()) return false;
    for (std::size_t i = 0; i < desired.size(); ++i) {
      if (!contains_subset(live[i], desired[i])) return false;
    }
    return true;
  }
  if (desired.is_null()) return live.is_null();
  return live == desired;
}

}  // namespace p2l::controller
