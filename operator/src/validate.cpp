#include "p2l/validate.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <span>
#include <string>

#include "p2l/fluentd_config_check.hpp"
#include "p2l/post2log_fields.hpp"
#include "p2l/receiver_contract.hpp"

namespace p2l {
namespace {

using Errors = std::vector<FieldError>;

bool matches(std::string_view text, const std::regex& pattern) {
  return std::regex_match(text.begin(), text.end(), pattern);
}

template <typename Int>
void check_range(Errors& errors, const FieldPath& path, Int value, Int min, Int max) {
  if (value < min) {
    errors.push_back(
        {path, {}, "must be >= " + std::to_string(min) + ", got " + std::to_string(value)});
  } else if (value > max) {
    errors.push_back(
        {path, {}, "must be <= " + std::to_string(max) + ", got " + std::to_string(value)});
  }
}

void check_one_of(Errors& errors, const FieldPath& path, std::string_view value,
                  std::span<const std::string_view> allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (std::string_view choice : allowed)
    list += (list.empty() ? "" : ", ") + std::string{choice};
  errors.push_back({path, {}, "must be one of " + list + ", got \"" + std::string{value} + "\""});
}

void check_one_of(Errors& errors, const FieldPath& path, std::string_view value,
                  std::initializer_list<std::string_view> allowed) {
  check_one_of(errors, path, value, std::span{allowed.begin(), allowed.size()});
}

void check_size(Errors& errors, const FieldPath& path, std::string_view value,
                std::string_view what) {
  if (!is_quantity(value)) {
    errors.push_back(
        {path, {}, "must be a quantity such as 4Gi, got \"" + std::string{value} + "\""});
  } else if (value.find_first_of("123456789") >= value.find_first_not_of("0123456789.")) {
    errors.push_back({path, {}, std::string{what} + " must be greater than zero"});
  }
}

void check_endpoint(Errors& errors, const FieldPath& path, const std::string& endpoint) {
  static const std::regex kPath{R"(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)"};
  if (endpoint.empty() || endpoint.front() != '/') {
    errors.push_back(
        {path, {}, "must be an absolute path starting with /, got \"" + endpoint + "\""});
  } else if (endpoint.find_first_of("?#") != std::string::npos) {
    errors.push_back(
        {path, {}, "must be a path without query or fragment, got \"" + endpoint + "\""});
  } else if (endpoint.size() > 256) {
    errors.push_back({path, {}, "must be at most 256 characters long"});
  } else if (!matches(endpoint, kPath)) {
    errors.push_back(
        {path, {}, "contains characters not allowed in a URL path: \"" + endpoint + "\""});
  } else if (receiver_contract::is_reserved_path(endpoint)) {
    errors.push_back({path, {}, endpoint + " is reserved for the receiver's own use"});
  }
}

void check_image(Errors& errors, const FieldPath& path, const std::optional<std::string>& image) {
  if (!image) return;
  if (image->empty() || image->find_first_of(" \t\r\n") != std::string::npos) {
    errors.push_back({path, {}, "must be a container image reference, got \"" + *image + "\""});
  }
}

void check_resources(Errors& errors, const FieldPath& path,
                     const std::optional<ResourceRequirements>& resources) {
  if (!resources) return;
  for (const auto& [part, quantities] :
       {std::pair{field_path<&ResourceRequirements::limits>(path), &resources->limits},
        std::pair{field_path<&ResourceRequirements::requests>(path), &resources->requests}}) {
    for (const auto& [name, value] : *quantities) {
      if (!is_quantity(value)) {
        errors.push_back({part.key(name),
                          {},
                          "must be a quantity such as 500m or 128Mi, got \"" + value + "\""});
      }
    }
  }
}

void check_tolerations(Errors& errors, const FieldPath& path,
                       const std::vector<Toleration>& tolerations) {
  for (std::size_t i = 0; i < tolerations.size(); ++i) {
    const Toleration& toleration = tolerations[i];
    FieldPath item = path.index(i);
    if (toleration.operator_name) {
      check_one_of(errors, field_path<&Toleration::operator_name>(item), *toleration.operator_name,
                   {"Exists", "Equal"});
    }
    if (toleration.effect && !toleration.effect->empty()) {
      check_one_of(errors, field_path<&Toleration::effect>(item), *toleration.effect,
                   {"NoSchedule", "PreferNoSchedule", "NoExecute"});
    }
    if (toleration.operator_name == "Exists" && toleration.value && !toleration.value->empty()) {
      errors.push_back(
          {field_path<&Toleration::value>(item), {}, "must be empty when operator is Exists"});
    }
  }
}

void check_metadata(Errors& errors, const ObjectMeta& metadata) {
  if (metadata.name.empty()) return;  // reported as missing while decoding
  const FieldPath name = field_path<&Post2Log::metadata, &ObjectMeta::name>();
  if (metadata.name.size() > kMaxNameLength) {
    errors.push_back({name,
                      {},
                      "must be at most " + std::to_string(kMaxNameLength) +
                          " characters long so that child names such as NAME-99-fluentd fit 63, "
                          "got " +
                          std::to_string(metadata.name.size())});
  } else if (!is_dns1035_label(metadata.name)) {
    errors.push_back({name,
                      {},
                      "must start with a lowercase letter and contain only lowercase letters, "
                      "digits and '-' (it names the Service), got \"" +
                          metadata.name + "\""});
  }
  if (metadata.namespace_name && !is_dns1123_label(*metadata.namespace_name)) {
    errors.push_back({field_path<&Post2Log::metadata, &ObjectMeta::namespace_name>(),
                      {},
                      "must be a DNS label, got \"" + *metadata.namespace_name + "\""});
  }
}

void check_ingress(Errors& errors, const IngressSpec& ingress) {
  const FieldPath path = spec_field_path<&Post2LogSpec::ingress>();
  if (ingress.host) {
    std::string_view host = *ingress.host;
    if (host.starts_with("*.")) host.remove_prefix(2);
    if (!is_dns1123_subdomain(host)) {
      errors.push_back({field_path<&IngressSpec::host>(path),
                        {},
                        "must be a DNS name such as example.com (optionally starting with *.), "
                        "got \"" +
                            *ingress.host + "\""});
    }
  }
  if (ingress.class_name && !is_dns1123_subdomain(*ingress.class_name)) {
    errors.push_back({field_path<&IngressSpec::class_name>(path),
                      {},
                      "must be the name of an IngressClass, got \"" + *ingress.class_name + "\""});
  }
  check_one_of(errors, field_path<&IngressSpec::path_type>(path), ingress.path_type,
               {"Exact", "Prefix"});
}

// A Prometheus duration (its Duration type's pattern), as the PodMonitor's schema checks it.
void check_pod_monitor(Errors& errors, const PodMonitorSpec& monitor) {
  static const std::regex kDuration{
      "0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?"};
  if (monitor.interval && (monitor.interval->empty() || !matches(*monitor.interval, kDuration))) {
    errors.push_back(
        {spec_field_path<&Post2LogSpec::monitoring, &MonitoringSpec::pod_monitor,
                         &PodMonitorSpec::interval>(),
         {},
         "must be a Prometheus duration such as 30s or 1m, got \"" + *monitor.interval + "\""});
  }
}

void check_output_config_field(Errors& errors, const std::string& output_config) {
  const FieldPath path = spec_field_path<&Post2LogSpec::fluentd, &FluentdSpec::output_config>();
  if (output_config.size() > 65536) {
    errors.push_back({path, {}, "must be at most 65536 characters long"});
    return;
  }
  for (const ConfigIssue& issue : check_output_config(output_config)) {
    errors.push_back({path, {}, "line " + std::to_string(issue.line) + ": " + issue.message});
  }
}

}  // namespace

bool is_quantity(std::string_view text) {
  static const std::regex kQuantity{
      R"(([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?[0-9]+)?)"};
  return !text.empty() && text.size() <= 64 && matches(text, kQuantity);
}

bool is_dns1123_label(std::string_view text) {
  static const std::regex kLabel{"[a-z0-9]([-a-z0-9]*[a-z0-9])?"};
  return text.size() <= 63 && matches(text, kLabel);
}

bool is_dns1035_label(std::string_view text) {
  static const std::regex kLabel{"[a-z]([-a-z0-9]*[a-z0-9])?"};
  return text.size() <= 63 && matches(text, kLabel);
}

bool is_dns1123_subdomain(std::string_view text) {
  static const std::regex kSubdomain{
      R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)"};
  return text.size() <= 253 && matches(text, kSubdomain);
}

std::vector<FieldError> validate_post2log(const Post2Log& resource) {
  Errors errors;
  const Post2LogSpec& spec = resource.spec;
  check_metadata(errors, resource.metadata);
  check_range(errors, spec_field_path<&Post2LogSpec::port>(), spec.port, 1, 65535);
  check_endpoint(errors, spec_field_path<&Post2LogSpec::endpoint>(), spec.endpoint);
  if (spec.node_port) {
    check_range(errors, spec_field_path<&Post2LogSpec::node_port>(), *spec.node_port, 30000, 32767);
  }
  if (spec.ingress) check_ingress(errors, *spec.ingress);
  if (spec.monitoring.pod_monitor) check_pod_monitor(errors, *spec.monitoring.pod_monitor);
  check_range(errors, spec_field_path<&Post2LogSpec::workers>(), spec.workers,
              static_cast<std::int32_t>(receiver_contract::kWorkersRange.min),
              static_cast<std::int32_t>(receiver_contract::kWorkersRange.max));
  check_range(errors, spec_field_path<&Post2LogSpec::replicas>(), spec.replicas, 1, kMaxReplicas);
  check_size(errors, spec_field_path<&Post2LogSpec::storage>(), spec.storage, "the log volume");
  if (spec.storage_class_name && !is_dns1123_subdomain(*spec.storage_class_name)) {
    errors.push_back(
        {spec_field_path<&Post2LogSpec::storage_class_name>(),
         {},
         "must be the name of a StorageClass, got \"" + *spec.storage_class_name + "\""});
  }
  const FieldPath rotation = spec_field_path<&Post2LogSpec::rotation>();
  check_range(errors, field_path<&Rotation::max_bytes>(rotation), spec.rotation.max_bytes,
              std::int64_t{1024}, std::int64_t{1073741824});
  // Narrower than the receiver accepts: a hundred files of up to 1 GiB per worker is plenty.
  static_assert(receiver_contract::kRotationBackupsRange.contains(100));
  check_range(errors, field_path<&Rotation::backups>(rotation), spec.rotation.backups, 1, 100);
  check_one_of(errors, spec_field_path<&Post2LogSpec::log_level>(), spec.log_level,
               receiver_contract::kLogLevels);
  check_size(errors, spec_field_path<&Post2LogSpec::fluentd, &FluentdSpec::storage>(),
             spec.fluentd.storage, "the Fluentd volume");
  check_output_config_field(errors, spec.fluentd.output_config);
  const FieldPath image = spec_field_path<&Post2LogSpec::image>();
  check_image(errors, field_path<&ImageSpec::receiver>(image), spec.image.receiver);
  check_image(errors, field_path<&ImageSpec::fluentd>(image), spec.image.fluentd);
  if (spec.image.pull_policy) {
    check_one_of(errors, field_path<&ImageSpec::pull_policy>(image), *spec.image.pull_policy,
                 {"Always", "IfNotPresent", "Never"});
  }
  const FieldPath resources = spec_field_path<&Post2LogSpec::resources>();
  check_resources(errors, field_path<&PodResources::receiver>(resources), spec.resources.receiver);
  check_resources(errors, field_path<&PodResources::fluentd>(resources), spec.resources.fluentd);
  check_tolerations(errors, spec_field_path<&Post2LogSpec::tolerations>(), spec.tolerations);
  return errors;
}

}  // namespace p2l
