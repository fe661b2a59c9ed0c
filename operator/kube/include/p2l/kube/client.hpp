#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "p2l/kube/connection.hpp"
#include "p2l/kube/resource_path.hpp"
#include "p2l/kube/transport.hpp"
#include "p2l/kube/watch.hpp"

namespace p2l::kube {

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int limit = 500;  // page size; list() follows `continue` until the end
  // Applied to each item as its page is read, so that a long list is never held whole
  // (e.g. strip_for_cache).
  std::function<void(nlohmann::json&)> transform;
  // When set, each item (transformed) is handed over as its page is read and the result's
  // items stay empty: for a caller that keeps the items in another form (a cache packing
  // them), so that the list is never held whole as parsed JSON.
  std::function<void(nlohmann::json&&)> consume;
};

struct ListResult {
  nlohmann::json items = nlohmann::json::array();
  std::string resource_version;  // of the list: where a watch starts
  int pages = 0;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  int timeout_seconds = 300;  // the server ends the watch after this
  bool allow_bookmarks = true;
  // The client gives up on a silent connection after timeout_seconds plus this.
  std::chrono::seconds idle_margin{30};
};

enum class Propagation { background, foreground, orphan };

// A typed Kubernetes REST client. Every call blocks; the client is safe to share between
// threads. Errors: ApiError (an HTTP error status, with the server's reason and message),
// TransportError (no answer).
class Client {
 public:
  Client(Connection connection, std::shared_ptr<Transport> transport, spdlog::logger& logger);

  const Connection& connection() const { return connection_; }
  const std::string& default_namespace() const { return connection_.namespace_name; }

  nlohmann::json get(std::string_view path);
  // nullopt on 404.
  std::optional<nlohmann::json> find(std::string_view path);
  ListResult list(std::string_view collection, const ListOptions& options = {});
  // Starts a watch at `resource_version` (empty: the server's current state). A 410 answer
  // becomes a stream whose first event is `expired`.
  WatchStream watch(std::string_view collection, std::string_view resource_version,
                    const WatchOptions& options = {});

  nlohmann::json create(std::string_view collection, const nlohmann::json& object);
  // PUT: replaces the object; its metadata.resourceVersion makes it conditional (409 when
  // someone wrote since).
  nlohmann::json replace(std::string_view object_path, const nlohmann::json& object);
  // Server-side apply of `object` (its apiVersion, kind, metadata.name and, for namespaced
  // types, metadata.namespace or the default namespace).
  nlohmann::json apply(const ResourceType& type, const nlohmann::json& object,
                       std::string_view field_manager, bool force = true);
  // Server-side apply to an explicit object path (a subresource such as /status too).
  nlohmann::json apply_at(std::string_view object_path, const nlohmann::json& object,
                          std::string_view field_manager, bool force = true);
  nlohmann::json merge_patch(std::string_view object_path, const nlohmann::json& patch);
  // JSON merge patch of the status subresource: `status_patch` is the new `status` content.
  nlohmann::json patch_status(std::string_view object_path, const nlohmann::json& status_patch);
  // Returns the server's answer (the object being deleted, or a Status).
  nlohmann::json remove(std::string_view object_path,
                        Propagation propagation = Propagation::background);

  // Raw access for callers with needs beyond the above; errors are not thrown.
  Response send(Request request);

 private:
  Response send_checked(Request request);
  // Sets the Authorization header; returns the token it holds (empty: none).
  std::string authorize(Request& request);
  // After a 401 for the token `sent`, when the token can be fetched again: forgets it and
  // says to try once more. The one place that decides a retry after a 401.
  bool fetch_token_after_401(int status, const std::string& sent, const Request& request);

  Connection connection_;
  std::shared_ptr<Transport> transport_;
  spdlog::logger& logger_;
};

}  // namespace p2l::kube
