#include "p2l/yaml_emit.hpp"

#include "p2l/yaml_cpp_include.hpp"

#include "p2l/yaml_json.hpp"

namespace p2l {
namespace {

using nlohmann::json;

// Whether a plain scalar with this text would be read back as something other than this
// string. Strings starting like a number are quoted too, since YAML 1.1 readers also accept
// forms such as 1:30 (base 60) or 2024-01-01 (a timestamp).
bool needs_quotes(const std::string& text) {
  if (text.empty()) return true;
  if (!resolve_plain_scalar(text).is_string()) return true;
  const char first = text.front();
  return (first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.';
}

// A literal block (|, clip chomping) gives back exactly the text only when the text ends in one
// newline, its first line is not indented (the block's indentation is taken from it), and no line
// is made of spaces alone.
bool fits_literal_block(const std::string& text) {
  if (text.size() < 2 || text.back() != '\n' || text[text.size() - 2] == '\n') return false;
  if (text.front() == ' ' || text.front() == '\t') return false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string_view line{text.data() + start, end - start};
    if (!line.empty() && line.find_first_not_of(' ') == std::string_view::npos) return false;
    for (char c : line) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && c != '\t') || byte == 0x7f) return false;
    }
    start = end + 1;
  }
  return true;
}

void emit_string(YAML::Emitter& out, const std::string& text) {
  if (text.find('\n') != std::string::npos) {
    if (fits_literal_block(text)) {
      out << YAML::Literal << text;
    } else {
      out << YAML::DoubleQuoted << text;
    }
  } else if (needs_quotes(text)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << text;
  }
}

void emit(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const json& item : value)
        emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::value_t::string:
      emit_string(out, value.get_ref<const std::string&>());
      break;
    case json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      out << value.dump();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

}  // namespace

std::string to_yaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string to_yaml_documents(const std::vector<json>& values) {
  std::string text;
  for (const json& value : values) {
    text += "---\n";
    text += to_yaml(value);
  }
  return text;
}

}  // namespace p2l
