#include "p2l/command_line.hpp"

#include <optional>

namespace p2l {
namespace {

Command parse_render(const std::vector<std::string_view>& args) {
  RenderRequest request;
  bool have_file = false;
  for (std::size_t position = 1; position < args.size(); ++position) {
    const std::string_view arg = args[position];
    if (arg == "-h" || arg == "--help") return HelpRequest{};
    // Both `--flag value` and `--flag=value`.
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (std::size_t equals = arg.find('='); arg.starts_with("--") && equals != arg.npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    }
    auto take_value = [&]() -> std::optional<std::string_view> {
      if (!value && position + 1 < args.size()) value = args[++position];
      if (value && value->empty()) return std::nullopt;
      return value;
    };
    if (name == "-f" || name == "--filename") {
      auto file = take_value();
      if (!file) return UsageError{"render: " + std::string{name} + " needs a file name"};
      if (have_file) return UsageError{"render: -f may be given only once"};
      request.file = std::string{*file};
      have_file = true;
    } else if (name == "--receiver-image" || name == "--fluentd-image") {
      auto image = take_value();
      if (!image) return UsageError{"render: " + std::string{name} + " needs an image"};
      (name == "--receiver-image" ? request.options.receiver_image
                                  : request.options.fluentd_image) = std::string{*image};
    } else {
      return UsageError{"render: unknown argument " + std::string{arg}};
    }
  }
  if (!have_file) return UsageError{"render: -f FILE is required"};
  return request;
}

}  // namespace

Command parse_command_line(const std::vector<std::string_view>& args) {
  if (args.empty()) return UsageError{"no command given"};
  const std::string_view first = args.front();
  if (first == "-h" || first == "--help" || first == "help") return HelpRequest{};
  if (first == "--version") return VersionRequest{};
  if (first == "render") return parse_render(args);
  return UsageError{"unknown command " + std::string{first}};
}

std::string help_text() {
  const RenderOptions defaults;
  return "Usage: post2log-operator COMMAND [FLAGS]\n"
         "\n"
         "The Kubernetes operator for Post2Log resources (post2log.io/v1alpha1).\n"
         "\n"
         "Commands:\n"
         "  render -f FILE    Print the child objects of the Post2Log resource(s) in FILE\n"
         "                    (ConfigMap, Service, Ingress, PersistentVolumeClaims,\n"
         "                    Deployments) as multi-document YAML. Nothing is sent to a\n"
         "                    cluster.\n"
         "\n"
         "Flags of render:\n"
         "  -f, --filename FILE      YAML or JSON file with one or more Post2Logs; - reads\n"
         "                           standard input\n"
         "      --receiver-image IMG receiver image where a resource sets none\n"
         "                           (default " +
         defaults.receiver_image +
         ")\n"
         "      --fluentd-image IMG  Fluentd image where a resource sets none\n"
         "                           (default " +
         defaults.fluentd_image +
         ")\n"
         "\n"
         "Other flags:\n"
         "  -h, --help               Show this help\n"
         "      --version            Print the version\n"
         "\n"
         "Exit status: 0 success, 1 invalid input, 2 usage error.\n"
         "Problems with the input are printed to standard error as FILE:LINE: FIELD: MESSAGE.\n"
         "Diagnostics go to standard error too; SPDLOG_LEVEL=debug shows more of them.\n";
}

}  // namespace p2l
