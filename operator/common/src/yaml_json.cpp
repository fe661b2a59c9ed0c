#include "p2l/yaml_json.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <string>

#include "p2l/yaml_cpp_include.hpp"

namespace p2l {
namespace {

using nlohmann::json;

bool one_of(std::string_view text, std::initializer_list<std::string_view> choices) {
  for (std::string_view choice : choices) {
    if (text == choice) return true;
  }
  return false;
}

// Integers as Go's strconv.ParseInt(s, 0, 64) reads them after the YAML 1.1 resolver drops
// underscores: optional sign, then decimal, 0x hex, 0o / leading-0 octal or 0b binary.
std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != '_') digits += c;
  }
  if (digits.empty()) return std::nullopt;
  bool negative = false;
  std::size_t pos = 0;
  if (digits[0] == '+' || digits[0] == '-') {
    negative = digits[0] == '-';
    pos = 1;
  }
  int base = 10;
  std::string_view rest = std::string_view{digits}.substr(pos);
  if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
    base = 16;
    rest.remove_prefix(2);
  } else if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'o' || rest[1] == 'O')) {
    base = 8;
    rest.remove_prefix(2);
  } else if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'b' || rest[1] == 'B')) {
    base = 2;
    rest.remove_prefix(2);
  } else if (rest.size() > 1 && rest[0] == '0') {
    base = 8;
    rest.remove_prefix(1);
  }
  if (rest.empty()) return std::nullopt;
  std::uint64_t magnitude = 0;
  auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), magnitude, base);
  if (error != std::errc{} || end != rest.data() + rest.size()) return std::nullopt;
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (magnitude > max + 1) return std::nullopt;
    return magnitude == max + 1 ? std::numeric_limits<std::int64_t>::min()
                                : -static_cast<std::int64_t>(magnitude);
  }
  if (magnitude > max) return std::nullopt;
  return static_cast<std::int64_t>(magnitude);
}

std::optional<double> parse_float(std::string_view text) {
  if (one_of(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return std::numeric_limits<double>::infinity();
  }
  if (one_of(text, {"-.inf", "-.Inf", "-.INF"})) return -std::numeric_limits<double>::infinity();
  if (one_of(text, {".nan", ".NaN", ".NAN"})) return std::numeric_limits<double>::quiet_NaN();
  static const std::regex kFloat{R"([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?)"};
  std::string plain{text};
  if (!std::regex_match(plain, kFloat)) return std::nullopt;
  std::erase(plain, '_');
  if (plain[0] == '+') plain.erase(0, 1);
  double value = 0;
  auto [end, error] = std::from_chars(plain.data(), plain.data() + plain.size(), value);
  if (error != std::errc{} || end != plain.data() + plain.size()) return std::nullopt;
  return value;
}

struct Converter {
  LineMap& lines;

  json convert(const YAML::Node& node, const FieldPath& path) {
    switch (node.Type()) {
      case YAML::NodeType::Map:
        return convert_map(node, path);
      case YAML::NodeType::Sequence: {
        json array = json::array();
        std::size_t index = 0;
        for (const YAML::Node& item : node) {
          FieldPath item_path = path.index(index++);
          lines.emplace(item_path, item.Mark().line + 1);
          array.push_back(convert(item, item_path));
        }
        return array;
      }
      case YAML::NodeType::Scalar:
        if (node.Tag() == "?") return resolve_plain_scalar(node.Scalar());
        return json(node.Scalar());
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        break;
    }
    return nullptr;
  }

  json convert_map(const YAML::Node& node, const FieldPath& path) {
    json object = json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node& key = it->first;
      const int key_line = key.Mark().line + 1;
      if (!key.IsScalar()) {
        throw YAML::ParserException(key.Mark(), "mapping keys must be scalars");
      }
      const std::string& name = key.Scalar();
      if (object.contains(name)) {
        throw YAML::ParserException(key.Mark(), "duplicate key \"" + name + "\"");
      }
      FieldPath child = path.key(name);
      lines.emplace(child, key_line);
      object[name] = convert(it->second, child);
    }
    return object;
  }
};

}  // namespace

json resolve_plain_scalar(std::string_view text) {
  if (one_of(text, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (one_of(text, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})) {
    return true;
  }
  if (one_of(text, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"})) {
    return false;
  }
  if (auto integer = parse_integer(text)) return *integer;
  if (auto number = parse_float(text)) return *number;
  return std::string{text};
}

YamlLoadResult load_yaml_documents(std::string_view text) {
  YamlLoadResult result;
  try {
    for (const YAML::Node& root : YAML::LoadAll(std::string{text})) {
      if (root.IsNull()) continue;
      YamlDocument document{json{}, {}, root.Mark().line + 1};
      document.lines.emplace(FieldPath{}, document.first_line);
      Converter converter{document.lines};
      document.value = converter.convert(root, FieldPath{});
      result.documents.push_back(std::move(document));
    }
  } catch (const YAML::Exception& error) {
    result.documents.clear();
    std::optional<int> line;
    if (!error.mark.is_null()) line = error.mark.line + 1;
    result.error = FieldError{{}, line, "invalid YAML: " + error.msg};
  }
  return result;
}

}  // namespace p2l
