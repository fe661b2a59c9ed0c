#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "config.hpp"
#include "http_response.hpp"
#include "metrics.hpp"
#include "readiness.hpp"
#include "record_builder.hpp"
#include "rotating_file.hpp"

namespace p2l {

// What the HTTP layer hands over once a whole request has been read.
struct IncomingRequest {
  std::string_view method;
  std::string_view target;  // path and query as sent
  std::string_view content_type;
  std::string_view body;
  bool keep_alive = true;
};

struct OutgoingResponse {
  int status = 200;
  // The whole serialized response: either a buffer of the handler that never
  // changes (the 200s) or the caller's `scratch`.
  std::string_view bytes;
};

// The receiver's HTTP contract, independent of sockets: routing, the record
// written before the 200, health, readiness and metrics. One per worker and
// used by that worker's thread only.
class RequestHandler {
 public:
  // `metrics` is this worker's own; `all_metrics` (every worker's) feeds /metrics.
  RequestHandler(const ReceiverConfig& config, unsigned worker_index, WorkerMetrics& metrics,
                 std::span<const WorkerMetrics* const> all_metrics, const Readiness& readiness,
                 spdlog::logger& logger);

  // The file this worker writes: `post2log-<worker>.log` in the log directory.
  static std::filesystem::path log_file_path(const ReceiverConfig& config, unsigned worker_index);

  // Answers `request`; error and probe responses are serialized into
  // `scratch`, which the caller keeps until the response is sent.
  OutgoingResponse handle(const IncomingRequest& request, std::string& scratch);

  // A response for a request that could not be read whole (too large, bad
  // syntax). The connection is closed after it.
  OutgoingResponse reject(int status, std::string_view message, std::string& scratch);

 private:
  OutgoingResponse handle_postback(const IncomingRequest& request, std::string_view path,
                                   std::string_view query, std::string& scratch);
  OutgoingResponse respond(std::string& scratch, const ResponseSpec& spec);
  // After a rotation: logs a change in the position file's readability and every unshipped
  // file that was deleted, and counts the latter.
  void report_rotation();

  std::string endpoint_;
  std::uint64_t max_body_bytes_;
  WorkerMetrics& metrics_;
  std::span<const WorkerMetrics* const> all_metrics_;
  const Readiness& readiness_;
  spdlog::logger& logger_;
  RecordBuilder builder_;
  std::string log_dir_;
  std::string shipper_pos_file_;
  RotatingFile file_;
  std::uint64_t min_free_bytes_;
  std::optional<bool> positions_readable_;

  std::string line_;  // the record being written
  std::string ok_keep_alive_;
  std::string ok_close_;
};

}  // namespace p2l
