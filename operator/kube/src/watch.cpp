#include "p2l/kube/watch.hpp"

#include "p2l/kube/errors.hpp"

namespace p2l::kube {

std::string_view to_string(WatchEventType type) {
  switch (type) {
    case WatchEventType::added:
      return "ADDED";
    case WatchEventType::modified:
      return "MODIFIED";
    case WatchEventType::deleted:
      return "DELETED";
    case WatchEventType::bookmark:
      return "BOOKMARK";
    case WatchEventType::error:
      return "ERROR";
    case WatchEventType::expired:
      return "EXPIRED";
  }
  return "UNKNOWN";
}

WatchEvent parse_watch_event(std::string_view line) {
  auto event = nlohmann::json::parse(line, nullptr, false);
  if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
      !event.contains("object") || !event["object"].is_object()) {
    constexpr std::size_t kExcerpt = 200;
    throw TransportError(TransportErrorKind::malformed, "watch stream: not a watch event: " +
                                                            std::string(line.substr(0, kExcerpt)));
  }
  const std::string type = event["type"].get<std::string>();
  WatchEvent decoded;
  decoded.object = std::move(event["object"]);
  if (type == "ADDED") {
    decoded.type = WatchEventType::added;
  } else if (type == "MODIFIED") {
    decoded.type = WatchEventType::modified;
  } else if (type == "DELETED") {
    decoded.type = WatchEventType::deleted;
  } else if (type == "BOOKMARK") {
    decoded.type = WatchEventType::bookmark;
  } else if (type == "ERROR") {
    // "too old resource version" arrives as an in-stream Status with code 410.
    const bool gone = decoded.object.value("code", 0) == 410 ||
                      decoded.object.value("reason", "") == "Expired" ||
                      decoded.object.value("reason", "") == "Gone";
    decoded.type = gone ? WatchEventType::expired : WatchEventType::error;
  } else {
    throw TransportError(TransportErrorKind::malformed, "watch stream: unknown event type " + type);
  }
  return decoded;
}

WatchStream::WatchStream(std::unique_ptr<Stream> stream, bool expired_from_start)
    : stream_(std::move(stream)), expired_pending_(expired_from_start) {}

std::optional<WatchEvent> WatchStream::next() {
  if (expired_pending_) {
    expired_pending_ = false;
    finished_ = true;
    nlohmann::json status = nlohmann::json::object();
    if (stream_) {
      // The body is the server's Status; keep it for the caller's diagnostics.
      std::string body;
      try {
        while (auto line = stream_->next_line())
          body += *line;
      } catch (const TransportError&) {
        // The expiry is what matters; a broken body adds nothing.
      }
      status = nlohmann::json::parse(body, nullptr, false);
      if (status.is_discarded()) status = nlohmann::json::object();
    }
    return WatchEvent{WatchEventType::expired, std::move(status)};
  }
  if (finished_ || !stream_) return std::nullopt;
  for (;;) {
    auto line = stream_->next_line();
    if (!line) {
      finished_ = true;
      return std::nullopt;
    }
    if (line->find_first_not_of(" \t\r") == std::string::npos) continue;
    return parse_watch_event(*line);
  }
}

void WatchStream::cancel() {
  if (stream_) stream_->cancel();
}

}  // namespace p2l::kube
