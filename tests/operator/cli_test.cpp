#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include <map>

#include "p2l/manifest_reader.hpp"
#include "p2l/render.hpp"
#include "p2l/yaml_json.hpp"
#include "test_support.hpp"

namespace p2l {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

// Runs post2log-operator as its own process with `args` (already shell-quoted where needed).
Outcome run_operator(const std::string& args, const std::optional<fs::path>& input = {}) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  static int counter = 0;
  const fs::path dir = fs::path{::testing::TempDir()} /
                       ("p2l-cli-" + std::string{test->name()} + "-" + std::to_string(++counter));
  fs::create_directories(dir);
  const fs::path out = dir / "stdout";
  const fs::path err = dir / "stderr";
  const std::string command = quoted(P2L_OPERATOR_BINARY) + " " + args + " >" + quoted(out) +
                              " 2>" + quoted(err) + " <" +
                              (input ? quoted(*input) : std::string{"/dev/null"});
  const int raw = std::system(command.c_str());
  Outcome outcome;
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  outcome.out = test::read_text(out);
  outcome.err = test::read_text(err);
  fs::remove_all(dir);
  return outcome;
}

fs::path sample(std::string_view name) {
  return test::source_path("manifests/samples") / name;
}

std::vector<json> documents(const std::string& yaml) {
  YamlLoadResult loaded = load_yaml_documents(yaml);
  EXPECT_FALSE(loaded.error) << (loaded.error ? loaded.error->message : "");
  std::vector<json> values;
  for (const YamlDocument& document : loaded.documents)
    values.push_back(document.value);
  return values;
}

// The policy flags each sample needs beyond the safe defaults.
const std::map<std::string, std::string> kSampleFlags{
    {"default.yaml", ""},
    {"live-kafka.yaml", " --allowed-image-prefix registry.example.com/"},
    {"nodeport.yaml", " --allow-node-port"},
    {"ingress-traefik.yaml", ""}};

TEST(Cli, RenderPrintsTheChildrenAsYamlThatReadsBackToTheSameObjects) {
  for (const auto& [name, flags] : kSampleFlags) {
    SCOPED_TRACE(name);
    Outcome outcome = run_operator("render -f " + quoted(sample(name)) + flags);
    EXPECT_EQ(outcome.status, 0) << outcome.err;
    EXPECT_TRUE(outcome.out.starts_with("---\n"));
    ManifestReadResult manifest = read_post2log_manifest(test::read_text(sample(name)));
    ASSERT_EQ(manifest.resources.size(), 1u);
    EXPECT_EQ(documents(outcome.out), child_objects(render_children(manifest.resources[0])));
  }
}

TEST(Cli, RenderAppliesTheOperatorsPolicy) {
  // Without the flags they need, the samples are refused naming the field, its line and the
  // flag, as the operator would refuse them.
  Outcome node_port = run_operator("render -f " + quoted(sample("nodeport.yaml")));
  EXPECT_EQ(node_port.status, 1);
  EXPECT_NE(node_port.err.find("nodeport.yaml:8: spec.nodePort: node ports are not allowed by the "
                               "operator's policy (allow them with --allow-node-port)"),
            std::string::npos)
      << node_port.err;
  EXPECT_TRUE(node_port.out.empty());
  Outcome image = run_operator("render -f " + quoted(sample("live-kafka.yaml")));
  EXPECT_EQ(image.status, 1);
  EXPECT_NE(image.err.find("spec.image.fluentd: image registry.example.com/post2log/fluentd-kafka"),
            std::string::npos)
      << image.err;
  EXPECT_NE(image.err.find("--allowed-image-prefix"), std::string::npos);
  Outcome usage =
      run_operator("render -f " + quoted(sample("nodeport.yaml")) + " --allow-node-port=maybe");
  EXPECT_EQ(usage.status, 2);
}

TEST(Cli, RenderReadsStandardInputAndSeveralDocuments) {
  const fs::path input = fs::path{::testing::TempDir()} / "p2l-cli-two.yaml";
  test::write_text(input, test::manifest("  replicas: 2\n", "one") + "---\n" +
                              test::manifest("  fluentd: {enabled: false}\n", "two"));
  Outcome outcome = run_operator("render -f -", input);
  fs::remove(input);
  ASSERT_EQ(outcome.status, 0) << outcome.err;
  std::vector<json> objects = documents(outcome.out);
  // one: ConfigMap, Service, 2 x (2 PVCs + Deployment); two: Service, PVC, Deployment.
  ASSERT_EQ(objects.size(), 11u);
  EXPECT_EQ(objects.front()["metadata"]["name"], "one-fluentd");
  EXPECT_EQ(objects.back()["metadata"]["name"], "two-0");
}

TEST(Cli, RenderOptionsSetTheDefaultImages) {
  Outcome outcome =
      run_operator("render -f " + quoted(sample("default.yaml")) +
                   " --receiver-image r.example/recv:1 --fluentd-image=f.example/fd:2");
  ASSERT_EQ(outcome.status, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("image: r.example/recv:1\n"), std::string::npos);
  EXPECT_NE(outcome.out.find("image: f.example/fd:2\n"), std::string::npos);
}

TEST(Cli, InvalidResourceExitsOneNamingFieldAndLine) {
  Outcome outcome =
      run_operator("render -f " +
                   quoted(test::source_path("tests/operator/invalid/rotation-backups-zero.yaml")));
  EXPECT_EQ(outcome.status, 1);
  EXPECT_TRUE(outcome.out.empty()) << outcome.out;
  EXPECT_NE(outcome.err.find("rotation-backups-zero.yaml:10: spec.rotation.backups: must be >= 1, "
                             "got 0"),
            std::string::npos)
      << outcome.err;
}

TEST(Cli, BrokenYamlAndMissingFilesExitOne) {
  const fs::path input = fs::path{::testing::TempDir()} / "p2l-cli-broken.yaml";
  test::write_text(input, "spec: [1,\n");
  Outcome broken = run_operator("render -f -", input);
  fs::remove(input);
  EXPECT_EQ(broken.status, 1);
  EXPECT_NE(broken.err.find("<stdin>:"), std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find("invalid YAML"), std::string::npos) << broken.err;

  Outcome missing = run_operator("render -f /nonexistent/post2log.yaml");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos);

  Outcome empty = run_operator("render -f -");
  EXPECT_EQ(empty.status, 1);
  EXPECT_NE(empty.err.find("no Post2Log"), std::string::npos) << empty.err;
}

TEST(Cli, UsageErrorsExitTwo) {
  for (const char* args : {"deploy", "render", "render -f", "render --bogus",
                           "render -f a.yaml -f b.yaml", "render -f a.yaml --receiver-image",
                           "run --bogus", "--concurrency 0", "run --resync-period 10"}) {
    SCOPED_TRACE(args);
    Outcome outcome = run_operator(args);
    EXPECT_EQ(outcome.status, 2);
    EXPECT_TRUE(outcome.out.empty());
    EXPECT_NE(outcome.err.find("--help"), std::string::npos) << outcome.err;
  }
}

TEST(Cli, HelpListsEveryCommandAndFlag) {
  for (const char* args : {"--help", "-h", "render --help"}) {
    Outcome outcome = run_operator(args);
    EXPECT_EQ(outcome.status, 0);
    for (const char* word :
         {"run", "render", "-f, --filename", "--receiver-image", "--fluentd-image", "-h, --help",
          "--version", "--kubeconfig", "--namespace", "--metrics-bind-address", "--leader-elect",
          "--leader-election-namespace", "--concurrency", "--resync-period", "Exit status"}) {
      EXPECT_NE(outcome.out.find(word), std::string::npos) << args << ": " << word;
    }
  }
}

TEST(Cli, RunWithoutAClusterExitsOneNamingTheProblem) {
  // `run` is the default command too; an unreadable kubeconfig stops it at once.
  for (const char* args :
       {"run --kubeconfig /nonexistent/kubeconfig", "--kubeconfig /nonexistent/kubeconfig"}) {
    Outcome outcome = run_operator(args);
    EXPECT_EQ(outcome.status, 1) << args;
    EXPECT_NE(outcome.err.find("/nonexistent/kubeconfig"), std::string::npos) << outcome.err;
  }
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  Outcome outcome = run_operator("--version");
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.out, std::string{"post2log-operator "} + P2L_VERSION + "\n");
}

}  // namespace
}  // namespace p2l
