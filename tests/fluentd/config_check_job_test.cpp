// The configuration check Job's container, run as the kubelet would run it (its command with
// its environment), with the real Fluentd in place of the image's: the configuration a
// Post2Log renders passes; one naming a plugin that is not installed fails, and what Fluentd
// prints is what the operator puts in the status. Only the pod around it is missing here
// (integration.config_check and the e2e tier run it as a Job).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "p2l/controller/config_check.hpp"
#include "p2l/manifest_reader.hpp"
#include "p2l/render.hpp"

namespace p2l {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ContainerRun {
  int exit_code = -1;
  std::string output;
};

// `fluentd` on PATH is scripts/fluentd/run.sh, as an image puts its own on PATH.
ContainerRun run_check_container(const json& job) {
  const json& container = job["spec"]["template"]["spec"]["containers"][0];
  const fs::path bin = fs::temp_directory_path() / ("p2l-check-bin-" + std::to_string(getpid()));
  fs::create_directories(bin);
  {
    std::ofstream wrapper(bin / "fluentd");
    wrapper << "#!/bin/sh\nexec " << P2L_SOURCE_DIR << "/scripts/fluentd/run.sh \"$@\"\n";
  }
  fs::permissions(bin / "fluentd", fs::perms::owner_all);
  const fs::path out = bin / "output";
  // The command as the kubelet runs it (sh -c SCRIPT), its environment exported first.
  std::string env;
  for (const json& item : container["env"]) {
    const std::string file = (bin / item["name"].get<std::string>()).string();
    std::ofstream(file) << item["value"].get<std::string>();
    env += "export " + item["name"].get<std::string>() + "=\"$(cat '" + file + "')\"; ";
  }
  const json& command = container["command"];
  EXPECT_EQ(command[0], "sh");
  EXPECT_EQ(command[1], "-c");
  const std::string script = bin.string() + "/script";
  std::ofstream(script) << command[2].get<std::string>();
  const std::string line = "PATH='" + bin.string() + "':\"$PATH\"; " + env + "timeout 120 sh '" +
                           script + "' >'" + out.string() + "' 2>&1";
  const int status = std::system(line.c_str());
  ContainerRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out);
  run.output.assign(std::istreambuf_iterator<char>(in), {});
  fs::remove_all(bin);
  return run;
}

json job_for(const std::string& output_config) {
  std::string manifest =
      "apiVersion: post2log.io/v1alpha1\nkind: Post2Log\nmetadata:\n  name: checked\n"
      "spec:\n  fluentd:\n    outputConfig: |\n";
  for (std::size_t start = 0; start < output_config.size();) {
    const std::size_t end = output_config.find('\n', start);
    manifest += "      " + output_config.substr(start, end - start) + "\n";
    start = end == std::string::npos ? output_config.size() : end + 1;
  }
  const ManifestReadResult read = read_post2log_manifest(manifest);
  EXPECT_TRUE(read.errors.empty()) << summarize(read.errors);
  return render_fluentd_config_check_job(read.resources.at(0), RenderOptions{});
}

TEST(ConfigCheckJob, TheRenderedConfigurationPasses) {
  const ContainerRun run =
      run_check_container(job_for("<match post2log>\n  @type stdout\n</match>"));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("finished dry run mode"), std::string::npos) << run.output;
}

TEST(ConfigCheckJob, AnUnknownPluginFailsWithFluentdsOwnWords) {
  const ContainerRun run =
      run_check_container(job_for("<match post2log>\n  @type nonexistent_plugin\n</match>"));
  EXPECT_NE(run.exit_code, 0) << run.output;
  const std::string summary = controller::fluentd_error_summary(run.output);
  EXPECT_NE(summary.find("Unknown output plugin 'nonexistent_plugin'"), std::string::npos)
      << summary;
}

TEST(ConfigCheckJob, AMissingRequiredParameterFailsToo) {
  const ContainerRun run = run_check_container(job_for("<match post2log>\n  @type file\n</match>"));
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_NE(controller::fluentd_error_summary(run.output).find("'path' parameter is required"),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace p2l
