#include "record_builder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <utility>

#include "json_escape.hpp"

namespace p2l {
namespace {

constexpr std::array<std::string_view, 6> kGeneratedNames = {
    "_path", "_postTimestamp", "_postDatetimeGMT", "_nodeName", "_workerPodHash", "_workerProcId"};

// Below this many fields a linear scan beats hashing.
constexpr std::size_t kLinearLookupLimit = 16;

bool is_generated_name(std::string_view key) {
  if (key.empty() || key.front() != '_') return false;
  return std::find(kGeneratedNames.begin(), kGeneratedNames.end(), key) != kGeneratedNames.end();
}

// The media type of a Content-Type header, without parameters or padding.
std::string_view media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  return type;
}

// ASCII case-insensitive prefix test: media types are case-insensitive.
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

RecordBuilder::RecordBuilder(RecordIdentity identity, bool log_query_params)
    : log_query_params_(log_query_params) {
  identity_tail_ = ",\"_nodeName\":";
  append_json_string(identity_tail_, identity.node_name);
  identity_tail_ += ",\"_workerPodHash\":";
  append_json_string(identity_tail_, identity.pod_hash);
  identity_tail_ += ",\"_workerProcId\":";
  append_json_string(identity_tail_, identity.worker_proc_id);
  identity_tail_ += "}\n";
}

void RecordBuilder::add_field(std::string_view key, std::string_view value, bool value_is_json) {
  if (is_generated_name(key)) return;
  if (fields_.size() < kLinearLookupLimit && field_index_.empty()) {
    for (Field& field : fields_) {
      if (field.key == key) {
        field.value = value;
        field.value_is_json = value_is_json;
        return;
      }
    }
    fields_.push_back({key, value, value_is_json});
    return;
  }
  if (field_index_.empty()) {
    for (std::size_t i = 0; i < fields_.size(); ++i)
      field_index_.emplace(fields_[i].key, i);
  }
  const auto [it, inserted] = field_index_.emplace(key, fields_.size());
  if (inserted) {
    fields_.push_back({key, value, value_is_json});
  } else {
    fields_[it->second].value = value;
    fields_[it->second].value_is_json = value_is_json;
  }
}

RecordResult RecordBuilder::build(const PostRequest& request,
                                  std::chrono::system_clock::time_point received,
                                  std::string& line) {
  line.clear();
  fields_.clear();
  field_index_.clear();

  if (log_query_params_ && !request.query.empty()) {
    if (!decode_form(request.query, query_fields_)) {
      return {RecordStatus::bad_request, "query parameters are not valid UTF-8"};
    }
    for (const FormField& field : query_fields_)
      add_field(field.key, field.value, false);
  }

  if (!request.body.empty()) {
    const std::string_view type = media_type(request.content_type);
    constexpr std::string_view kForm = "application/x-www-form-urlencoded";
    if (type.size() == kForm.size() && starts_with_ignoring_case(type, kForm)) {
      if (!decode_form(request.body, form_fields_)) {
        return {RecordStatus::bad_request, "form body is not valid UTF-8"};
      }
      for (const FormField& field : form_fields_)
        add_field(field.key, field.value, false);
    } else if (starts_with_ignoring_case(type, "multipart/")) {
      return {RecordStatus::unsupported_media_type,
              "multipart bodies are not supported; send JSON or a form body"};
    } else {
      // JSON whatever the declared type: postback senders often label JSON
      // as text/plain or send no type at all.
      std::string error = json_reader_.read(request.body);
      if (!error.empty()) return {RecordStatus::bad_request, std::move(error)};
      for (const JsonMember& member : json_reader_.members()) {
        add_field(member.key, json_reader_.value(member), true);
      }
    }
  }

  line.push_back('{');
  for (const Field& field : fields_) {
    append_json_string(line, field.key);
    line.push_back(':');
    if (field.value_is_json) {
      line.append(field.value);
    } else {
      append_json_string(line, field.value);
    }
    line.push_back(',');
  }
  line += "\"_path\":";
  append_json_string(line, request.path);
  append_tail(line, received);
  return {};
}

void RecordBuilder::append_tail(std::string& line, std::chrono::system_clock::time_point received) {
  using namespace std::chrono;
  const std::int64_t millis = duration_cast<milliseconds>(received.time_since_epoch()).count();
  const std::int64_t second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  if (second != cached_second_) {
    const auto seconds_since_epoch = static_cast<std::time_t>(second);
    std::tm utc{};
    gmtime_r(&seconds_since_epoch, &utc);
    std::array<char, 32> text{};
    const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
    cached_timestamp_ = ",\"_postTimestamp\":";
    // After a positive second the milliseconds are its digits and three more.
    if (second > 0) cached_timestamp_ += std::to_string(second);
    cached_datetime_tail_ = ",\"_postDatetimeGMT\":\"";
    cached_datetime_tail_.append(text.data(), length);
    cached_datetime_tail_ += '"';
    cached_datetime_tail_ += identity_tail_;
    cached_second_ = second;
  }
  line += cached_timestamp_;
  if (second > 0) {
    const auto within = static_cast<int>(millis - second * 1000);
    const std::array<char, 3> digits = {static_cast<char>('0' + within / 100),
                                        static_cast<char>('0' + within / 10 % 10),
                                        static_cast<char>('0' + within % 10)};
    line.append(digits.data(), digits.size());
  } else {
    line += std::to_string(millis);
  }
  line += cached_datetime_tail_;
}

}  // namespace p2l
