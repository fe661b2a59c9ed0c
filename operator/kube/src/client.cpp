#include "p2l/kube/client.hpp"

#include <chrono>

#include "p2l/kube/errors.hpp"

namespace p2l::kube {
namespace {

using nlohmann::json;

bool success(int status) {
  return status >= 200 && status < 300;
}

json parse_body(const Request& request, const Response& response) {
  auto body = json::parse(response.body, nullptr, false);
  if (body.is_discarded()) {
    throw TransportError(TransportErrorKind::malformed,
                         request.method + " " + request.target + ": the answer is not JSON");
  }
  return body;
}

std::string_view propagation_name(Propagation propagation) {
  switch (propagation) {
    case Propagation::background:
      return "Background";
    case Propagation::foreground:
      return "Foreground";
    case Propagation::orphan:
      return "Orphan";
  }
  return "Background";
}

// The selectors of a list or a watch, as the query names them.
void add_selectors(std::vector<std::pair<std::string, std::string>>& query,
                   const std::string& label_selector, const std::string& field_selector) {
  if (!label_selector.empty()) query.emplace_back("labelSelector", label_selector);
  if (!field_selector.empty()) query.emplace_back("fieldSelector", field_selector);
}

}  // namespace

Client::Client(Connection connection, std::shared_ptr<Transport> transport, spdlog::logger& logger)
    : connection_(std::move(connection)), transport_(std::move(transport)), logger_(logger) {}

std::string Client::authorize(Request& request) {
  if (!connection_.token) return {};
  std::erase_if(request.headers,
                [](const auto& header) { return header.first == "Authorization"; });
  std::string token = connection_.token->current();
  request.headers.emplace_back("Authorization", "Bearer " + token);
  return token;
}

bool Client::fetch_token_after_401(int status, const std::string& sent, const Request& request) {
  if (status != 401 || !connection_.token || !connection_.token->refreshable()) return false;
  // The token rotated or expired under us: read the file or run the plugin again.
  logger_.info("{} {}: 401, fetching the token again", request.method, request.target);
  connection_.token->invalidate(sent);
  return true;
}

Response Client::send(Request request) {
  const auto started = std::chrono::steady_clock::now();
  const std::string sent = authorize(request);
  Response response = transport_->send(request);
  if (fetch_token_after_401(response.status, sent, request)) {
    authorize(request);
    response = transport_->send(request);  // once: a second 401 is the answer
  }
  logger_.debug("{} {} -> {} in {} ms", request.method, request.target, response.status,
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  return response;
}

Response Client::send_checked(Request request) {
  Response response = send(request);
  if (!success(response.status)) throw api_error_from_response(response.status, response.body);
  return response;
}

json Client::get(std::string_view path) {
  Request request{.method = "GET", .target = std::string(path)};
  return parse_body(request, send_checked(request));
}

std::optional<json> Client::find(std::string_view path) {
  try {
    return get(path);
  } catch (const ApiError& error) {
    if (error.not_found()) return std::nullopt;
    throw;
  }
}

ListResult Client::list(std::string_view collection, const ListOptions& options) {
  ListResult result;
  std::string continue_token;
  do {
    std::vector<std::pair<std::string, std::string>> query;
    if (options.limit > 0) query.emplace_back("limit", std::to_string(options.limit));
    if (!continue_token.empty()) query.emplace_back("continue", continue_token);
    add_selectors(query, options.label_selector, options.field_selector);
    Request request{.method = "GET", .target = with_query(std::string(collection), query)};
    json page = parse_body(request, send_checked(request));
    ++result.pages;
    // The server leaves apiVersion and kind out of list items (they are the
    // list's, minus "List"); fill them in so a listed object looks exactly
    // like a watched or fetched one to whoever compares or applies it.
    const std::string api_version = page.value("apiVersion", "");
    std::string kind = page.value("kind", "");
    if (kind.ends_with("List")) kind.resize(kind.size() - 4);
    if (const auto items = page.find("items"); items != page.end() && items->is_array()) {
      for (auto& item : *items) {
        json stored = std::move(item);
        if (options.transform) options.transform(stored);
        if (!stored.contains("apiVersion") && !api_version.empty()) {
          stored["apiVersion"] = api_version;
        }
        if (!stored.contains("kind") && !kind.empty()) stored["kind"] = kind;
        if (options.consume) {
          options.consume(std::move(stored));
        } else {
          result.items.push_back(std::move(stored));
        }
      }
    }
    const json metadata = page.value("metadata", json::object());
    // Every page carries the resourceVersion of the snapshot the first page started.
    result.resource_version = metadata.value("resourceVersion", result.resource_version);
    continue_token = metadata.value("continue", "");
  } while (!continue_token.empty());
  return result;
}

WatchStream Client::watch(std::string_view collection, std::string_view resource_version,
                          const WatchOptions& options) {
  std::vector<std::pair<std::string, std::string>> query{{"watch", "true"}};
  if (!resource_version.empty()) query.emplace_back("resourceVersion", resource_version);
  if (options.allow_bookmarks) query.emplace_back("allowWatchBookmarks", "true");
  if (options.timeout_seconds > 0) {
    query.emplace_back("timeoutSeconds", std::to_string(options.timeout_seconds));
  }
  add_selectors(query, options.label_selector, options.field_selector);
  Request request{.method = "GET", .target = with_query(std::string(collection), query)};
  // Longer than the server's own limit, so a healthy watch is ended by the server, and a
  // connection that went silent (a dead peer without a reset) is given up.
  request.timeout =
      std::chrono::seconds(std::max(options.timeout_seconds, 0)) + options.idle_margin;

  for (int attempt = 0;; ++attempt) {
    const std::string sent = authorize(request);
    auto stream = transport_->open_stream(request);
    const int status = stream->status();
    logger_.debug("WATCH {} -> {}", request.target, status);
    if (status == 200) return WatchStream(std::move(stream), false);
    if (status == 410) return WatchStream(std::move(stream), true);
    std::string body;
    try {
      while (auto line = stream->next_line())
        body += *line + "\n";
    } catch (const TransportError&) {
      // Report the status we have.
    }
    if (attempt == 0 && fetch_token_after_401(status, sent, request)) continue;
    throw api_error_from_response(status, body);
  }
}

json Client::replace(std::string_view object_path, const json& object) {
  Request request{.method = "PUT",
                  .target = std::string(object_path),
                  .content_type = "application/json",
                  .body = object.dump()};
  return parse_body(request, send_checked(request));
}

json Client::create(std::string_view collection, const json& object) {
  Request request{.method = "POST",
                  .target = std::string(collection),
                  .content_type = "application/json",
                  .body = object.dump()};
  return parse_body(request, send_checked(request));
}

json Client::apply(const ResourceType& type, const json& object, std::string_view field_manager,
                   bool force) {
  const json metadata = object.value("metadata", json::object());
  const std::string name = metadata.value("name", "");
  if (name.empty()) throw KubeError("apply: the object has no metadata.name");
  const std::string namespace_name =
      type.namespaced ? metadata.value("namespace", default_namespace()) : std::string();
  return apply_at(object_path(type, namespace_name, name), object, field_manager, force);
}

json Client::apply_at(std::string_view path, const json& object, std::string_view field_manager,
                      bool force) {
  std::vector<std::pair<std::string, std::string>> query{
      {"fieldManager", std::string(field_manager)}};
  if (force) query.emplace_back("force", "true");
  // JSON is YAML, so the apply content type takes the JSON text as it is.
  Request request{.method = "PATCH",
                  .target = with_query(std::string(path), query),
                  .content_type = "application/apply-patch+yaml",
                  .body = object.dump()};
  return parse_body(request, send_checked(request));
}

json Client::merge_patch(std::string_view path, const json& patch) {
  Request request{.method = "PATCH",
                  .target = std::string(path),
                  .content_type = "application/merge-patch+json",
                  .body = patch.dump()};
  return parse_body(request, send_checked(request));
}

json Client::patch_status(std::string_view path, const json& status_patch) {
  return merge_patch(std::string(path) + "/status", json{{"status", status_patch}});
}

json Client::remove(std::string_view path, Propagation propagation) {
  const json options{{"kind", "DeleteOptions"},
                     {"apiVersion", "v1"},
                     {"propagationPolicy", propagation_name(propagation)}};
  Request request{.method = "DELETE",
                  .target = std::string(path),
                  .content_type = "application/json",
                  .body = options.dump()};
  return parse_body(request, send_checked(request));
}

}  // namespace p2l::kube
