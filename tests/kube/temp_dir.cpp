#include "temp_dir.hpp"

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
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U) |
                   (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U) |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
    encoded += kAlphabet[(n >> 18U) & 63U];
    encoded += kAlphabet[(n >> 12U) & 63U];
    encoded += kAlphabet[(n >> 6U) & 63U];
    encoded += kAlphabet[n & 63U];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U;
    if (i + 1 < bytes.size()) {
      n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
    }
    encoded += kAlphabet[(n >> 18U) & 63U];
    encoded += kAlphabet[(n >> 12U) & 63U];
    encoded += i + 1 < bytes.size() ? kAlphabet[(n >> 6U) & 63U] : '=';
    encoded += '=';
  }
  return encoded;
}

}  // namespace p2l::kube::testing
