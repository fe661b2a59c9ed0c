#include "p2l/policy.hpp"

#include <algorithm>

#include "p2l/post2log_fields.hpp"

namespace p2l {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// Why a line of Fluentd configuration is unsafe, or empty when it is not.
std::string unsafe_directive(std::string_view line) {
  if (line.find("#{") != std::string_view::npos) {
    return "Ruby interpolation #{...} runs code";
  }
  const std::string_view text = trim(line);
  if (text.starts_with("@include")) return "@include reads configuration from elsewhere";
  if (text.starts_with("<source")) return "<source> adds an input";
  if (text.starts_with("<system")) return "<system> changes Fluentd's own settings";
  for (const std::string_view key : {std::string_view{"@type"}, std::string_view{"type"}}) {
    if (!text.starts_with(key) || text.size() == key.size() ||
        (text[key.size()] != ' ' && text[key.size()] != '\t')) {
      continue;
    }
    const std::string_view plugin = trim(text.substr(key.size()));
    if (plugin == "exec" || plugin == "exec_filter") {
      return "@type " + std::string{plugin} + " runs commands";
    }
  }
  return {};
}

void check_image(const std::optional<std::string>& image, const std::string& default_image,
                 const Policy& policy, FieldPath path, std::vector<FieldError>& errors) {
  if (!image || *image == default_image) return;
  const bool allowed =
      std::any_of(policy.allowed_image_prefixes.begin(), policy.allowed_image_prefixes.end(),
                  [&](const std::string& prefix) { return image->starts_with(prefix); });
  if (!allowed) {
    errors.push_back({.path = std::move(path),
                      .message = "image " + *image +
                                 " is not allowed by the operator's policy (allow it with "
                                 "--allowed-image-prefix)"});
  }
}

bool annotation_allowed(const std::string& name, const Policy& policy) {
  const bool snippet = name.ends_with("-snippet");
  return std::any_of(policy.allowed_ingress_annotations.begin(),
                     policy.allowed_ingress_annotations.end(), [&](const std::string& pattern) {
                       return matches_pattern(pattern, name) && !(snippet && pattern == "*");
                     });
}

}  // namespace

bool matches_pattern(std::string_view pattern, std::string_view text) {
  const auto star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  const std::string_view head = pattern.substr(0, star);
  if (!text.starts_with(head)) return false;
  const std::string_view rest = pattern.substr(star + 1);
  for (std::size_t skip = head.size(); skip <= text.size(); ++skip) {
    if (matches_pattern(rest, text.substr(skip))) return true;
  }
  return false;
}

std::vector<FieldError> check_policy(const Post2Log& resource, const Policy& policy,
                                     const RenderOptions& defaults) {
  std::vector<FieldError> errors;
  const Post2LogSpec& spec = resource.spec;
  if (!policy.allow_unsafe_fluentd_config) {
    std::string_view config = spec.fluentd.output_config;
    int line_number = 0;
    while (!config.empty()) {
      ++line_number;
      const auto end = config.find('\n');
      const std::string_view line = config.substr(0, end);
      config = end == std::string_view::npos ? std::string_view{} : config.substr(end + 1);
      if (const std::string why = unsafe_directive(line); !why.empty()) {
        errors.push_back(
            {.path = spec_field_path<&Post2LogSpec::fluentd, &FluentdSpec::output_config>(),
             .message = "line " + std::to_string(line_number) + ": " + why +
                        "; refused by the operator's policy (allow it with "
                        "--allow-unsafe-fluentd-config)"});
      }
    }
  }
  const FieldPath image = spec_field_path<&Post2LogSpec::image>();
  check_image(spec.image.receiver, defaults.receiver_image, policy,
              field_path<&ImageSpec::receiver>(image), errors);
  check_image(spec.image.fluentd, defaults.fluentd_image, policy,
              field_path<&ImageSpec::fluentd>(image), errors);
  if (spec.ingress) {
    for (const auto& [name, value] : spec.ingress->annotations) {
      if (annotation_allowed(name, policy)) continue;
      errors.push_back(
          {.path = spec_field_path<&Post2LogSpec::ingress, &IngressSpec::annotations>().key(name),
           .message = "this annotation is not allowed by the operator's policy "
                      "(allow it with --allowed-ingress-annotation)"});
    }
  }
  if (spec.node_port && !policy.allow_node_port) {
    errors.push_back({.path = spec_field_path<&Post2LogSpec::node_port>(),
                      .message = "node ports are not allowed by the operator's policy (allow "
                                 "them with --allow-node-port)"});
  }
  if (!spec.tolerations.empty() && !policy.allow_tolerations) {
    errors.push_back({.path = spec_field_path<&Post2LogSpec::tolerations>(),
                      .message = "tolerations are not allowed by the operator's policy (allow "
                                 "them with --allow-tolerations)"});
  }
  return errors;
}

}  // namespace p2l
