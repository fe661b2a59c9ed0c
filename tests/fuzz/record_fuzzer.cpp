// libFuzzer target for the request-to-record path. The input is split into
// "query\ncontent-type\nbody". nlohmann_json serves as an independent oracle:
// an accepted request must give exactly one valid JSON line whose posted
// fields equal what nlohmann reads from the same query and body, and a
// rejected JSON body must be one nlohmann rejects too.

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "form_decoder.hpp"
#include "record_builder.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "oracle mismatch: %s\n", what);
  std::abort();
}

bool is_generated(const std::string& key) {
  return key == "_path" || key == "_postTimestamp" || key == "_postDatetimeGMT" ||
         key == "_nodeName" || key == "_workerPodHash" || key == "_workerProcId";
}

// The media type, lowercased and without parameters, written independently
// of the receiver's own parsing.
std::string media_type_of(std::string_view header) {
  std::string type(header.substr(0, header.find(';')));
  const auto first = type.find_first_not_of(" \t");
  const auto last = type.find_last_not_of(" \t");
  type = first == std::string::npos ? std::string() : type.substr(first, last - first + 1);
  for (char& c : type)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

bool number_overflows_double(std::string_view body) {
  try {
    (void)nlohmann::json::parse(body);
  } catch (const nlohmann::json::out_of_range& error) {
    return error.id == 406;  // "number overflow"
  } catch (const nlohmann::json::exception&) {
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto first = input.find('\n');
  if (first == std::string_view::npos) return 0;
  const auto second = input.find('\n', first + 1);
  if (second == std::string_view::npos) return 0;
  const std::string_view query = input.substr(0, first);
  const std::string_view content_type = input.substr(first + 1, second - first - 1);
  const std::string_view body = input.substr(second + 1);
  const std::string type = media_type_of(content_type);
  const bool form = type == "application/x-www-form-urlencoded";

  p2l::RecordBuilder builder({"node", "pod-hash", "1"}, true);
  std::string line;
  const p2l::RecordResult result = builder.build(
      {.path = "/postback", .query = query, .content_type = content_type, .body = body},
      std::chrono::system_clock::time_point{std::chrono::milliseconds(1700000000123)}, line);

  std::vector<p2l::FormField> query_fields;
  const bool query_ok = p2l::decode_form(query, query_fields);
  nlohmann::json expected = nlohmann::json::object();
  for (const auto& field : query_fields)
    expected[field.key] = field.value;

  bool body_ok = true;
  if (!body.empty()) {
    if (form) {
      std::vector<p2l::FormField> body_fields;
      body_ok = p2l::decode_form(body, body_fields);
      for (const auto& field : body_fields)
        expected[field.key] = field.value;
    } else if (!type.starts_with("multipart/")) {
      // RFC 8259 allows numbers of any size; nlohmann cannot hold one beyond a
      // double's range, so such a body is one this oracle cannot judge.
      if (number_overflows_double(body)) return 0;
      // nlohmann stops at a NUL byte; RFC 8259 allows none anywhere.
      const auto parsed = nlohmann::json::parse(body, nullptr, false);
      body_ok =
          !parsed.is_discarded() && parsed.is_object() && body.find('\0') == std::string_view::npos;
      if (body_ok) {
        for (const auto& [key, value] : parsed.items())
          expected[key] = value;
      }
    }
  }

  if (result.status != p2l::RecordStatus::ok) {
    if (!line.empty()) fail("a rejected request left a line behind");
    if (result.status == p2l::RecordStatus::bad_request && query_ok && body_ok &&
        result.error.find("nesting too deep") == std::string::npos) {
      fail("rejected a request the oracle accepts");
    }
    return 0;
  }
  if (!query_ok || !body_ok) fail("accepted a request the oracle rejects");
  if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) {
    fail("the record is not exactly one line");
  }
  const auto record = nlohmann::json::parse(line, nullptr, false);
  if (record.is_discarded() || !record.is_object()) fail("the record is not a JSON object");
  for (const auto& key : {"_path", "_postTimestamp", "_postDatetimeGMT", "_nodeName",
                          "_workerPodHash", "_workerProcId"}) {
    if (!record.contains(key)) fail("a generated field is missing");
  }
  nlohmann::json posted = nlohmann::json::object();
  for (const auto& [key, value] : record.items()) {
    if (!is_generated(key)) posted[key] = value;
  }
  for (auto it = expected.begin(); it != expected.end();) {
    it = is_generated(it.key()) ? expected.erase(it) : std::next(it);
  }
  if (posted != expected) fail("the record's fields differ from the oracle's");
  return 0;
}
