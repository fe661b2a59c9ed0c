#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace p2l {

struct ConfigIssue {
  int line;  // 1-based line within the checked text
  std::string message;
  friend bool operator==(const ConfigIssue&, const ConfigIssue&) = default;
};

// A syntax check of a Fluentd configuration fragment (spec.fluentd.outputConfig), so that
// mistakes surface when the resource is applied rather than as a crash-looping sidecar:
// unbalanced or misnamed <section>/</section> tags, text after a tag on its line, an empty
// fragment, and a fragment without any <match> section. It does not know plugin parameters.
[[nodiscard]] std::vector<ConfigIssue> check_output_config(std::string_view config);

}  // namespace p2l
