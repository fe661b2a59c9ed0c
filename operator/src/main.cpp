#include <iostream>
#include <string_view>
#include <variant>
#include <vector>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "p2l/command_line.hpp"
#include "p2l/controller/run.hpp"
#include "p2l/render_command.hpp"

namespace {

template <typename... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};

}  // namespace

int main(int argc, char** argv) {
  // Standard output carries rendered objects only; diagnostics go to standard error.
  spdlog::set_default_logger(spdlog::stderr_color_st("post2log-operator"));
  spdlog::set_level(spdlog::level::warn);
  spdlog::cfg::load_env_levels();

  const std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return std::visit(
      Overloaded{
          [](const p2l::HelpRequest&) {
            std::cout << p2l::help_text();
            return p2l::kExitSuccess;
          },
          [](const p2l::VersionRequest&) {
            std::cout << "post2log-operator " << P2L_VERSION << '\n';
            return p2l::kExitSuccess;
          },
          [](const p2l::RenderRequest& request) {
            return p2l::run_render(request, std::cin, std::cout, std::cerr);
          },
          [](const p2l::RunRequest& request) { return p2l::controller::run(request); },
          [](const p2l::UsageError& error) {
            std::cerr << "post2log-operator: " << error.message << "\n"
                      << "Run post2log-operator --help for usage.\n";
            return p2l::kExitUsage;
          },
      },
      p2l::parse_command_line(args));
}
