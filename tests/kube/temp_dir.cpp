#include "temp_dir.hpp"

#include <cpprest/asyncrt_utils.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace p2l::kube::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "p2l-kube-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(std::string_view name, std::string_view text) const {
  const auto file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

std::string base64(std::string_view bytes) {
  return utility::conversions::to_base64(std::vector<unsigned char>(bytes.begin(), bytes.end()));
}

}  // namespace p2l::kube::testing
