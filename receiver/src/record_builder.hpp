#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "form_decoder.hpp"
#include "json_object_reader.hpp"

namespace p2l {

// Who wrote a record: fixed for the life of a worker.
struct RecordIdentity {
  std::string node_name;       // _nodeName
  std::string pod_hash;        // _workerPodHash
  std::string worker_proc_id;  // _workerProcId
};

// The parts of a POST that end up in its record.
struct PostRequest {
  std::string_view path;          // without the query
  std::string_view query;         // after '?', still encoded
  std::string_view content_type;  // header value, may be empty
  std::string_view body;
};

enum class RecordStatus {
  ok,
  bad_request,             // unparseable body or query, invalid UTF-8
  unsupported_media_type,  // a body type we do not merge (multipart, ...)
};

struct RecordResult {
  RecordStatus status = RecordStatus::ok;
  std::string error;  // set unless ok
};

// Turns one POST into one log line: query parameters, then body fields, then
// the generated fields, as compact JSON ending in '\n'. A key posted twice
// keeps its first position and its last value (query before body, so a body
// field overrides a query parameter of the same name); posted keys that clash
// with a generated field name are dropped so the generated fields stay
// trustworthy. One builder per worker: all buffers are reused across requests.
class RecordBuilder {
 public:
  RecordBuilder(RecordIdentity identity, bool log_query_params);

  // Builds the line for `request` received at `received` into `line`
  // (overwritten). On error `line` is left empty.
  RecordResult build(const PostRequest& request, std::chrono::system_clock::time_point received,
                     std::string& line);

 private:
  struct Field {
    std::string_view key;
    std::string_view value;
    bool value_is_json;  // raw JSON text, else a string to quote
  };

  void add_field(std::string_view key, std::string_view value, bool value_is_json);
  // The generated fields after `_path`, to the end of the line.
  void append_tail(std::string& line, std::chrono::system_clock::time_point received);

  bool log_query_params_;
  std::string identity_tail_;  // `,"_nodeName":...,"_workerProcId":"1"}` + '\n'

  // Reused per request.
  std::vector<FormField> query_fields_;
  std::vector<FormField> form_fields_;
  JsonObjectReader json_reader_;
  std::vector<Field> fields_;
  std::unordered_map<std::string_view, std::size_t> field_index_;

  // Only the milliseconds change within a second: the rest of the tail is formatted once a
  // second, as `,"_postTimestamp":<seconds>` and `,"_postDatetimeGMT":"..."` + identity_tail_.
  std::int64_t cached_second_ = -1;
  std::string cached_timestamp_;
  std::string cached_datetime_tail_;
};

}  // namespace p2l
