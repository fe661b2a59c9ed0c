#include "request_handler.hpp"

#include <string>

#include "p2l/json_log.hpp"
#include "p2l/receiver_contract.hpp"
#include "shipper_backlog.hpp"

namespace p2l {
namespace {

constexpr std::string_view kNotFoundBody = R"({"detail":"Not Found"})";
constexpr std::string_view kSuccessBody = R"({"status":"success"})";

}  // namespace

std::filesystem::path RequestHandler::log_file_path(const ReceiverConfig& config,
                                                    unsigned worker_index) {
  return std::filesystem::path(config.log_dir) /
         ("post2log-" + std::to_string(worker_index + 1) + ".log");
}

RequestHandler::RequestHandler(const ReceiverConfig& config, unsigned worker_index,
                               WorkerMetrics& metrics,
                               std::span<const WorkerMetrics* const> all_metrics,
                               const Readiness& readiness, spdlog::logger& logger)
    : endpoint_(config.endpoint),
      max_body_bytes_(config.max_body_bytes),
      metrics_(metrics),
      all_metrics_(all_metrics),
      readiness_(readiness),
      logger_(logger),
      builder_(RecordIdentity{config.node_name, pod_hash_of(config.pod_name),
                              std::to_string(worker_index + 1)},
               config.log_query_params),
      log_dir_(config.log_dir),
      shipper_pos_file_(config.shipper_pos_file),
      file_(log_file_path(config, worker_index), config.rotation_bytes, config.rotation_backups,
            config.fsync, ShipperRetention{config.shipper_pos_file, config.min_free_bytes}),
      min_free_bytes_(config.min_free_bytes) {
  // The success responses never change: serialize them once.
  format_response(ok_keep_alive_, {.status = 200, .body = kSuccessBody, .keep_alive = true});
  format_response(ok_close_, {.status = 200, .body = kSuccessBody, .keep_alive = false});
}

OutgoingResponse RequestHandler::respond(std::string& scratch, const ResponseSpec& spec) {
  format_response(scratch, spec);
  metrics_.count_response(spec.status);
  return {spec.status, scratch};
}

OutgoingResponse RequestHandler::reject(int status, std::string_view message,
                                        std::string& scratch) {
  const std::string body = error_body(message);
  return respond(scratch, {.status = status, .body = body, .keep_alive = false});
}

OutgoingResponse RequestHandler::handle(const IncomingRequest& request, std::string& scratch) {
  const auto question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : request.target.substr(question + 1);
  const bool keep_alive = request.keep_alive;

  if (path == endpoint_) {
    if (request.method == "POST") return handle_postback(request, path, query, scratch);
    const std::string body = error_body("Method Not Allowed");
    return respond(scratch, {.status = 405,
                             .body = body,
                             .extra_headers = "Allow: POST\r\n",
                             .keep_alive = keep_alive});
  }

  const bool is_probe = receiver_contract::is_reserved_path(path);
  if (!is_probe)
    return respond(scratch, {.status = 404, .body = kNotFoundBody, .keep_alive = keep_alive});
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) {
    const std::string body = error_body("Method Not Allowed");
    return respond(scratch, {.status = 405,
                             .body = body,
                             .extra_headers = "Allow: GET, HEAD\r\n",
                             .keep_alive = keep_alive});
  }
  if (path == receiver_contract::kHealthPath) {
    return respond(
        scratch,
        {.status = 200, .body = R"({"status":"ok"})", .keep_alive = keep_alive, .head = head});
  }
  if (path == receiver_contract::kReadyPath) {
    const std::string problem = readiness_.problem();
    if (problem.empty()) {
      return respond(
          scratch,
          {.status = 200, .body = R"({"status":"ready"})", .keep_alive = keep_alive, .head = head});
    }
    const std::string body = error_body(problem);
    return respond(scratch, {.status = 503, .body = body, .keep_alive = keep_alive, .head = head});
  }
  std::optional<std::uint64_t> backlog;
  if (!shipper_pos_file_.empty()) backlog = unshipped_bytes(log_dir_, shipper_pos_file_);
  const std::string page = render_prometheus(all_metrics_, backlog);
  return respond(scratch, {.status = 200,
                           .content_type = "text/plain; version=0.0.4; charset=utf-8",
                           .body = page,
                           .keep_alive = keep_alive,
                           .head = head});
}

void RequestHandler::report_rotation() {
  const auto readable = file_.positions_readable();
  if (readable && readable != positions_readable_) {
    if (*readable) {
      log_json(logger_, spdlog::level::info, "reading the shipper's position file",
               {{"posFile", shipper_pos_file_}});
    } else {
      log_json(logger_, spdlog::level::warn,
               "cannot read the shipper's position file: rotated files are kept until free "
               "space runs low",
               {{"posFile", shipper_pos_file_}, {"minFreeBytes", min_free_bytes_}});
    }
    positions_readable_ = readable;
  }
  for (const DroppedFile& dropped : file_.take_dropped()) {
    metrics_.dropped_unshipped_bytes.add(dropped.bytes);
    metrics_.dropped_unshipped_lines.add(dropped.lines);
    log_json(logger_, spdlog::level::err,
             "deleted a log file the shipper had not read: free space is below the floor",
             {{"file", dropped.path.string()},
              {"unshippedBytes", dropped.bytes},
              {"unshippedLines", dropped.lines},
              {"minFreeBytes", min_free_bytes_}});
  }
}

OutgoingResponse RequestHandler::handle_postback(const IncomingRequest& request,
                                                 std::string_view path, std::string_view query,
                                                 std::string& scratch) {
  // The HTTP layer enforces the limit while reading; this guards direct callers.
  if (request.body.size() > max_body_bytes_) {
    return reject(413, "request body is larger than the limit", scratch);
  }
  const RecordResult result = builder_.build(
      {.path = path, .query = query, .content_type = request.content_type, .body = request.body},
      std::chrono::system_clock::now(), line_);
  if (result.status != RecordStatus::ok) {
    const int status = result.status == RecordStatus::bad_request ? 400 : 415;
    const std::string body = error_body(result.error);
    return respond(scratch, {.status = status, .body = body, .keep_alive = request.keep_alive});
  }

  const std::uint64_t rotations_before = file_.rotations();
  const std::error_code error = file_.append(line_);
  if (file_.rotations() != rotations_before) {
    metrics_.rotations.add(file_.rotations() - rotations_before);
    report_rotation();
  }
  if (error) {
    metrics_.write_errors.add();
    if (!metrics_.write_failing.exchange(true, std::memory_order_relaxed)) {
      log_json(logger_, spdlog::level::err, "cannot write records",
               {{"file", file_.path().string()}, {"error", error.message()}});
    }
    const std::string body = error_body("the record could not be stored: " + error.message());
    return respond(scratch, {.status = 503,
                             .body = body,
                             .extra_headers = "Retry-After: 5\r\n",
                             .keep_alive = request.keep_alive});
  }
  if (metrics_.write_failing.load(std::memory_order_relaxed)) {
    metrics_.write_failing.store(false, std::memory_order_relaxed);
    log_json(logger_, spdlog::level::info, "writing records again",
             {{"file", file_.path().string()}});
  }
  metrics_.records_written.add();
  metrics_.bytes_written.add(line_.size());
  metrics_.count_response(200);
  return {200, request.keep_alive ? std::string_view(ok_keep_alive_) : std::string_view(ok_close_)};
}

}  // namespace p2l
