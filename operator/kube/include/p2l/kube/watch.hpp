#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "p2l/kube/transport.hpp"

namespace p2l::kube {

enum class WatchEventType {
  added,
  modified,
  deleted,
  bookmark,
  error,    // an in-stream Status other than 410
  expired,  // 410 Gone, as the response or in the stream: list again
};

std::string_view to_string(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::error;
  nlohmann::json object;  // the object, or the Status for error and expired
};

// Decodes one line of a watch response. Throws TransportError for a line that is not a watch
// event (a broken stream).
WatchEvent parse_watch_event(std::string_view line);

// An open watch. Events arrive in order; next() blocks until one does.
class WatchStream {
 public:
  // `expired_from_start`: the server answered the request itself with 410.
  WatchStream(std::unique_ptr<Stream> stream, bool expired_from_start);
  WatchStream(WatchStream&&) noexcept = default;
  WatchStream& operator=(WatchStream&&) noexcept = default;
  ~WatchStream() = default;

  // nullopt: the server ended the watch (its timeoutSeconds passed) and the caller should
  // watch again from the last resourceVersion. Throws TransportError when the connection
  // breaks or stays silent past the idle timeout.
  std::optional<WatchEvent> next();
  // Safe from another thread; a blocked next() throws TransportError promptly.
  void cancel();

 private:
  std::shared_ptr<Stream> stream_;
  bool expired_pending_ = false;
  bool finished_ = false;
};

}  // namespace p2l::kube
