#include "p2l/command_line.hpp"

#include <charconv>
#include <optional>

namespace p2l {
namespace {

// Walks the flags of one command, accepting both `--flag value` and `--flag=value`.
class FlagReader {
 public:
  FlagReader(const std::vector<std::string_view>& args, std::size_t first)
      : args_(args), position_(first) {}

  // Moves to the next argument; false at the end.
  bool next() {
    if (position_ >= args_.size()) return false;
    const std::string_view arg = args_[position_++];
    arg_ = arg;
    name_ = arg;
    inline_value_.reset();
    if (std::size_t equals = arg.find('='); arg.starts_with("--") && equals != arg.npos) {
      name_ = arg.substr(0, equals);
      inline_value_ = arg.substr(equals + 1);
    }
    return true;
  }

  [[nodiscard]] std::string_view arg() const { return arg_; }
  [[nodiscard]] std::string_view name() const { return name_; }
  [[nodiscard]] bool has_inline_value() const { return inline_value_.has_value(); }

  // The flag's value (inline or the next argument); nullopt when missing or empty.
  std::optional<std::string_view> value() {
    std::optional<std::string_view> found = inline_value_;
    if (!found && position_ < args_.size()) found = args_[position_++];
    if (found && found->empty()) return std::nullopt;
    return found;
  }

 private:
  const std::vector<std::string_view>& args_;
  std::size_t position_;
  std::string_view arg_;
  std::string_view name_;
  std::optional<std::string_view> inline_value_;
};

// Reads the policy flags, which `run` and `render` share, into a Policy.
class PolicyFlags {
 public:
  explicit PolicyFlags(Policy& policy) : policy_(policy) {}

  // False when `name` is not a policy flag; sets `error` when its value is wrong.
  bool read(FlagReader& flags, std::string_view name, std::optional<UsageError>& error) {
    if (name == "--allow-unsafe-fluentd-config") {
      read_switch(flags, name, policy_.allow_unsafe_fluentd_config, error);
    } else if (name == "--allow-node-port") {
      read_switch(flags, name, policy_.allow_node_port, error);
    } else if (name == "--allow-tolerations") {
      read_switch(flags, name, policy_.allow_tolerations, error);
    } else if (name == "--allowed-image-prefix" || name == "--allowed-ingress-annotation") {
      const auto value = flags.value();
      if (!value) {
        error = UsageError{std::string{name} + " needs a value"};
      } else if (name == "--allowed-image-prefix") {
        policy_.allowed_image_prefixes.emplace_back(*value);
      } else {
        // The first pattern given replaces the default "*".
        if (!patterns_given_) policy_.allowed_ingress_annotations.clear();
        patterns_given_ = true;
        policy_.allowed_ingress_annotations.emplace_back(*value);
      }
    } else {
      return false;
    }
    return true;
  }

 private:
  // `--flag` alone, or `--flag=true|false`.
  static void read_switch(FlagReader& flags, std::string_view name, bool& field,
                          std::optional<UsageError>& error) {
    if (!flags.has_inline_value()) {
      field = true;
      return;
    }
    const auto value = flags.value();
    if (value != "true" && value != "false") {
      error = UsageError{std::string{name} + " takes true or false"};
      return;
    }
    field = value == "true";
  }

  Policy& policy_;
  bool patterns_given_ = false;
};

Command parse_render(const std::vector<std::string_view>& args) {
  RenderRequest request;
  bool have_file = false;
  FlagReader flags(args, 1);
  PolicyFlags policy(request.policy);
  while (flags.next()) {
    const std::string_view name = flags.name();
    if (name == "-h" || name == "--help") return HelpRequest{};
    std::optional<UsageError> policy_error;
    if (policy.read(flags, name, policy_error)) {
      if (policy_error) return UsageError{"render: " + policy_error->message};
      continue;
    }
    if (name == "-f" || name == "--filename") {
      auto file = flags.value();
      if (!file) return UsageError{"render: " + std::string{name} + " needs a file name"};
      if (have_file) return UsageError{"render: -f may be given only once"};
      request.file = std::string{*file};
      have_file = true;
    } else if (name == "--receiver-image" || name == "--fluentd-image") {
      auto image = flags.value();
      if (!image) return UsageError{"render: " + std::string{name} + " needs an image"};
      (name == "--receiver-image" ? request.options.receiver_image
                                  : request.options.fluentd_image) = std::string{*image};
    } else {
      return UsageError{"render: unknown argument " + std::string{flags.arg()}};
    }
  }
  if (!have_file) return UsageError{"render: -f FILE is required"};
  return request;
}

Command parse_run(const std::vector<std::string_view>& args, std::size_t first) {
  RunRequest request;
  FlagReader flags(args, first);
  PolicyFlags policy(request.policy);
  while (flags.next()) {
    const std::string name{flags.name()};
    if (name == "-h" || name == "--help") return HelpRequest{};
    std::optional<UsageError> policy_error;
    if (policy.read(flags, name, policy_error)) {
      if (policy_error) return UsageError{"run: " + policy_error->message};
      continue;
    }
    if (name == "--skip-fluentd-config-check") {
      if (flags.has_inline_value()) {
        return UsageError{"run: --skip-fluentd-config-check takes no value"};
      }
      request.check_fluentd_config = false;
      continue;
    }
    if (name == "--leader-elect") {
      if (!flags.has_inline_value()) {
        request.leader_elect = true;
        continue;
      }
      const auto value = flags.value();
      if (value != "true" && value != "false") {
        return UsageError{"run: --leader-elect takes true or false"};
      }
      request.leader_elect = value == "true";
      continue;
    }
    const bool known = name == "--kubeconfig" || name == "--namespace" ||
                       name == "--metrics-bind-address" || name == "--leader-election-namespace" ||
                       name == "--receiver-image" || name == "--fluentd-image" ||
                       name == "--concurrency" || name == "--resync-period";
    if (!known) return UsageError{"run: unknown argument " + std::string{flags.arg()}};
    const auto value = flags.value();
    if (!value) return UsageError{"run: " + name + " needs a value"};
    const std::string text{*value};
    if (name == "--kubeconfig") {
      request.kubeconfig = text;
    } else if (name == "--namespace") {
      // "a" or "a,b,c": the namespaces to watch.
      std::string_view list = text;
      while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = list.substr(0, comma);
        if (item.empty()) return UsageError{"run: --namespace has an empty name in " + text};
        request.namespaces.emplace_back(item);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      }
    } else if (name == "--metrics-bind-address") {
      request.metrics_bind_address = text;
    } else if (name == "--leader-election-namespace") {
      request.leader_election_namespace = text;
    } else if (name == "--receiver-image") {
      request.options.receiver_image = text;
    } else if (name == "--fluentd-image") {
      request.options.fluentd_image = text;
    } else if (name == "--concurrency") {
      int threads = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), threads);
      if (error != std::errc{} || end != text.data() + text.size() || threads < 1 || threads > 64) {
        return UsageError{"run: --concurrency must be an integer from 1 to 64, got " + text};
      }
      request.concurrency = threads;
    } else {
      const auto period = parse_duration(text);
      if (!period || period->count() < 1) {
        return UsageError{"run: --resync-period must be a duration such as 10m or 30s, got " +
                          text};
      }
      request.resync_period = *period;
    }
  }
  return request;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::chrono::seconds total{0};
  while (!text.empty()) {
    long long amount = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
    if (error != std::errc{} || amount < 0) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (text.empty()) return std::nullopt;  // a unit is required
    const char unit = text.front();
    text.remove_prefix(1);
    if (unit == 'h') {
      total += std::chrono::hours(amount);
    } else if (unit == 'm') {
      total += std::chrono::minutes(amount);
    } else if (unit == 's') {
      total += std::chrono::seconds(amount);
    } else {
      return std::nullopt;
    }
  }
  return total;
}

Command parse_command_line(const std::vector<std::string_view>& args) {
  if (args.empty()) return RunRequest{};
  const std::string_view first = args.front();
  if (first == "-h" || first == "--help" || first == "help") return HelpRequest{};
  if (first == "--version") return VersionRequest{};
  if (first == "render") return parse_render(args);
  if (first == "run") return parse_run(args, 1);
  // Flags without a command belong to `run`, the default command.
  if (first.starts_with("-")) return parse_run(args, 0);
  return UsageError{"unknown command " + std::string{first}};
}

std::string help_text() {
  const RenderOptions defaults;
  return "Usage: post2log-operator [COMMAND] [FLAGS]\n"
         "\n"
         "The Kubernetes operator for Post2Log resources (post2log.io/v1alpha1).\n"
         "\n"
         "Commands:\n"
         "  run               Run the controller (the default when no command is given):\n"
         "                    keep every Post2Log's Deployments, PVCs, Service, Ingress,\n"
         "                    NetworkPolicy, PodMonitor and Fluentd ConfigMap in line with\n"
         "                    its spec, and its status with what runs. Logs JSON lines to\n"
         "                    standard error.\n"
         "  render -f FILE    Print the child objects of the Post2Log resource(s) in FILE\n"
         "                    (ConfigMap, Service, Ingress, NetworkPolicy, PodMonitor,\n"
         "                    PersistentVolumeClaims, Deployments) as multi-document YAML.\n"
         "                    Nothing is sent to a cluster.\n"
         "\n"
         "Flags of run:\n"
         "      --kubeconfig FILE    kubeconfig to use (default: $KUBECONFIG, else the\n"
         "                           in-cluster service account, else ~/.kube/config)\n"
         "      --namespace NS[,NS...]\n"
         "                           watch only these namespaces (default: every namespace)\n"
         "      --metrics-bind-address HOST:PORT\n"
         "                           serve /healthz, /readyz and /metrics here (default\n"
         "                           127.0.0.1:8080; port 0 picks a free port, logged)\n"
         "      --leader-elect       run workers only while holding the Lease\n"
         "                           post2log-operator (for more than one replica)\n"
         "      --leader-election-namespace NS\n"
         "                           namespace of that Lease (default: the kubeconfig's or\n"
         "                           the pod's namespace)\n"
         "      --concurrency N      Post2Logs reconciled in parallel (default 2)\n"
         "      --resync-period D    reconcile every Post2Log this often, e.g. 10m, 30s\n"
         "                           (default 10m)\n"
         "      --receiver-image IMG, --fluentd-image IMG   as for render\n"
         "      --skip-fluentd-config-check\n"
         "                           apply a new Fluentd configuration without first\n"
         "                           running fluentd --dry-run on it in a Job (in the\n"
         "                           Post2Log's Fluentd image, before any shard gets it)\n"
         "      policy flags         as for render; the operator refuses a Post2Log that\n"
         "                           asks for more (ConfigValid=False naming the field and\n"
         "                           the flag)\n"
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
         "Policy flags (of run and render): what a Post2Log may ask for. Whoever may create\n"
         "a Post2Log is a namespace user; the defaults are the safe ones.\n"
         "      --allow-unsafe-fluentd-config\n"
         "                           allow outputConfig directives that run code or read\n"
         "                           other input: @type exec/exec_filter, @include,\n"
         "                           <source>, <system>, Ruby #{...} (default: refused)\n"
         "      --allowed-image-prefix P\n"
         "                           allow images starting with P (repeatable; the\n"
         "                           operator's default images are always allowed)\n"
         "      --allowed-ingress-annotation PATTERN\n"
         "                           allow Ingress annotations matching PATTERN ('*' any\n"
         "                           characters; repeatable; default *, but no *-snippet\n"
         "                           annotation unless a pattern other than * allows it)\n"
         "      --allow-node-port    allow spec.nodePort (default: refused)\n"
         "      --allow-tolerations  allow spec.tolerations (default: refused)\n"
         "\n"
         "Other flags:\n"
         "  -h, --help               Show this help\n"
         "      --version            Print the version\n"
         "\n"
         "Exit status: 0 success (for run: stopped by SIGTERM or SIGINT), 1 invalid input or,\n"
         "for run, a failure to start or lost leadership, 2 usage error.\n"
         "Problems with the input are printed to standard error as FILE:LINE: FIELD: MESSAGE.\n"
         "Diagnostics go to standard error too; SPDLOG_LEVEL=debug shows more of them.\n";
}

}  // namespace p2l
