#include "p2l/manifest_reader.hpp"

#include "p2l/decode.hpp"
#include "p2l/yaml_json.hpp"

namespace p2l {

ManifestReadResult read_post2log_manifest(std::string_view text, const PolicyCheck& policy) {
  ManifestReadResult result;
  YamlLoadResult loaded = load_yaml_documents(text);
  if (loaded.error) {
    result.errors.push_back(*loaded.error);
    return result;
  }
  if (loaded.documents.empty()) {
    result.errors.push_back({{}, 1, "no Post2Log found: the input holds no YAML document"});
    return result;
  }
  for (const YamlDocument& document : loaded.documents) {
    DecodeResult decoded = decode_post2log(document.value, document.lines);
    if (decoded.resource && policy) {
      std::vector<FieldError> refused = policy(*decoded.resource);
      attach_lines(refused, document.lines);
      if (!refused.empty()) {
        decoded.errors = std::move(refused);
        decoded.resource.reset();
      }
    }
    if (decoded.resource) {
      result.resources.push_back(std::move(*decoded.resource));
    } else {
      result.errors.insert(result.errors.end(), decoded.errors.begin(), decoded.errors.end());
    }
  }
  if (!result.errors.empty()) result.resources.clear();
  return result;
}

}  // namespace p2l
