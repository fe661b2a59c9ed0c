#include "p2l/render_command.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <spdlog/spdlog.h>

#include "p2l/manifest_reader.hpp"
#include "p2l/policy.hpp"
#include "p2l/read_file.hpp"
#include "p2l/yaml_emit.hpp"

namespace p2l {
namespace {

std::optional<std::string> read_all(const std::string& file, std::istream& in) {
  if (file == "-") return std::string{std::istreambuf_iterator<char>{in}, {}};
  return read_file(file);
}

}  // namespace

int run_render(const RenderRequest& request, std::istream& in, std::ostream& out,
               std::ostream& err) {
  const std::string shown_name = request.file == "-" ? "<stdin>" : request.file;
  std::optional<std::string> text = read_all(request.file, in);
  if (!text) {
    err << shown_name << ": cannot read the file\n";
    return kExitInvalidInput;
  }
  ManifestReadResult manifest = read_post2log_manifest(*text, [&](const Post2Log& resource) {
    return check_policy(resource, request.policy, request.options);
  });
  if (!manifest.errors.empty()) {
    std::stable_sort(manifest.errors.begin(), manifest.errors.end(),
                     [](const FieldError& a, const FieldError& b) {
                       return a.line.value_or(0) < b.line.value_or(0);
                     });
    for (const FieldError& error : manifest.errors) {
      err << shown_name;
      if (error.line) err << ':' << *error.line;
      err << ": " << describe(error) << '\n';
    }
    err << shown_name << ": invalid Post2Log, nothing rendered\n";
    return kExitInvalidInput;
  }
  std::vector<nlohmann::json> children;
  for (const Post2Log& resource : manifest.resources) {
    std::vector<nlohmann::json> rendered =
        child_objects(render_children(resource, request.options));
    spdlog::debug("{}: {} child objects for Post2Log {}", shown_name, rendered.size(),
                  resource.metadata.name);
    children.insert(children.end(), std::make_move_iterator(rendered.begin()),
                    std::make_move_iterator(rendered.end()));
  }
  out << to_yaml_documents(children);
  out.flush();
  return out ? kExitSuccess : kExitInvalidInput;
}

}  // namespace p2l
