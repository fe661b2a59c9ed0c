#include "p2l/controller/run.hpp"

#include <csignal>
#include <ctime>
#include <stop_token>
#include <thread>

#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

#include <pplx/threadpool.h>

#include "p2l/controller/caches.hpp"
#include "p2l/controller/controller.hpp"
#include "p2l/controller/counting_transport.hpp"
#include "p2l/controller/http_server.hpp"
#include "p2l/controller/leader_election.hpp"
#include "p2l/controller/metrics.hpp"
#include "p2l/controller/reconciler.hpp"
#include "p2l/controller/work_queue.hpp"
#include "p2l/json_log.hpp"
#include "p2l/kube/connection.hpp"
#include "p2l/kube/cpprest_transport.hpp"

namespace p2l::controller {
namespace {

constexpr std::size_t kTransportThreads = 4;

// hostname_pid: unique among the operator's replicas and readable in the Lease.
std::string process_identity() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "_" + std::to_string(getpid());
}

// SIGTERM and SIGINT are blocked in every thread and taken with sigtimedwait by the main
// thread, so no handler and no global flag are needed.
class BlockedStopSignals {
 public:
  BlockedStopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~BlockedStopSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  BlockedStopSignals(const BlockedStopSignals&) = delete;
  BlockedStopSignals& operator=(const BlockedStopSignals&) = delete;

  // The signal that arrived within `timeout`, or 0.
  int wait(std::chrono::milliseconds timeout) const {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const timespec limit{.tv_sec = static_cast<std::time_t>(seconds.count()),
                         .tv_nsec = static_cast<long>((timeout - seconds).count() * 1000000)};
    const int signal = sigtimedwait(&set_, nullptr, &limit);
    return signal > 0 ? signal : 0;
  }

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

HttpReply serve(std::string_view path, const Caches& caches, const ControllerMetrics& metrics,
                const WorkQueue& queue) {
  if (path == "/healthz") return {.body = "ok\n"};
  if (path == "/readyz") {
    if (caches.synced()) return {.body = "ok\n"};
    return {.status = 503, .body = "caches not synced\n"};
  }
  if (path == "/metrics") {
    return {.content_type = "text/plain; version=0.0.4; charset=utf-8",
            .body = metrics.render(queue.depth())};
  }
  return {.status = 404, .body = "not found\n"};
}

}  // namespace

int run(const RunRequest& request) {
  // glibc gives each thread that allocates its own arena, up to 8 per core, and memory freed
  // in one is not reused by another: with the transport's thread pool, the reflectors and
  // the workers all parsing JSON, the arenas kept a third more than the caches hold (103
  // against 77 MiB after a restart with 500 Post2Logs). The threads mostly wait on the API
  // server, and the per-thread caches in front of the arena take the small allocations, so
  // one arena costs no measurable time. Before any thread starts.
  mallopt(M_ARENA_MAX, 1);
  // cpprestsdk's pool runs 40 threads unless told otherwise. They only run its I/O handlers
  // and continuations (every blocking wait is on the operator's own threads), so a few keep a
  // 2-CPU pod busy, and each thread more costs its stack and its malloc cache. Before any
  // request; it throws if the pool exists already (a second run() in one process).
  try {
    crossplat::threadpool::initialize_with_threads(kTransportThreads);
  } catch (const std::exception&) {
    // Sized by the first run() already.
  }
  const BlockedStopSignals signals;  // before any thread starts, so every thread inherits it
  auto logger = make_json_logger("post2log-operator");
  const std::string identity = process_identity();
  try {
    std::optional<std::filesystem::path> kubeconfig;
    if (request.kubeconfig) kubeconfig = *request.kubeconfig;
    kube::Connection connection = kube::load_connection(kubeconfig);
    connection.user_agent = std::string{"post2log-operator/"} + P2L_VERSION;
    log_json(*logger, spdlog::level::info, "starting",
             {{"version", P2L_VERSION},
              {"server", connection.server},
              {"namespaces", request.namespaces.empty() ? nlohmann::json("*")
                                                        : nlohmann::json(request.namespaces)},
              {"identity", identity}});

    ControllerMetrics metrics;
    auto transport =
        std::make_shared<CountingTransport>(kube::make_cpprest_transport(connection, *logger),
                                            [&metrics](std::string_view verb, int status) {
                                              metrics.record_api_request(verb, status);
                                            });
    const std::string election_namespace = request.leader_election_namespace.empty()
                                               ? connection.namespace_name
                                               : request.leader_election_namespace;
    kube::Client client(std::move(connection), transport, *logger);

    WorkQueue queue;
    Caches caches(
        client, request.namespaces, [&queue](const std::string& key) { queue.add(key); }, *logger);
    const HttpServer server(request.metrics_bind_address, [&](std::string_view path) {
      return serve(path, caches, metrics, queue);
    });
    log_json(*logger, spdlog::level::info, "serving health and metrics",
             {{"address", server.local_address()}});

    Reconciler reconciler(client, caches,
                          {.render = request.options,
                           .policy = request.policy,
                           .reporting_instance = identity,
                           .check_fluentd_config = request.check_fluentd_config},
                          *logger);
    Controller controller(
        queue, [&reconciler](const std::string& key) { return reconciler.reconcile(key); }, caches,
        metrics, {.concurrency = request.concurrency, .resync_period = request.resync_period},
        *logger);
    LeaderElector elector(client, {.namespace_name = election_namespace, .identity = identity},
                          *logger);

    // Becomes the leader when asked to, starts the workers once the caches are complete, and
    // holds the Lease; stops everything when leadership is lost.
    std::stop_source stopping;
    bool leadership_lost = false;
    bool leading = false;
    std::jthread lifecycle([&](std::stop_token stop) {
      if (request.leader_elect) {
        if (!elector.acquire(stop)) return;
        leading = true;
      }
      while (!caches.wait_synced(std::chrono::milliseconds(200))) {
        if (stop.stop_requested()) return;
      }
      log_json(*logger, spdlog::level::info, "caches synced");
      // The first lists parsed whole pages before packing them: give those pages back.
      malloc_trim(0);
      controller.start();
      if (request.leader_elect && !elector.hold(stop)) {
        leadership_lost = true;
        stopping.request_stop();
      }
    });

    int signal = 0;
    while (!stopping.stop_requested() && signal == 0) {
      signal = signals.wait(std::chrono::milliseconds(250));
    }
    if (signal != 0) {
      log_json(*logger, spdlog::level::info, "stopping", {{"signal", strsignal(signal)}});
    }
    lifecycle.request_stop();
    lifecycle.join();
    controller.stop();  // the reconciles in flight finish first
    if (leading && !leadership_lost) elector.release();
    caches.stop();
    log_json(*logger, spdlog::level::info, "stopped");
    return leadership_lost ? 1 : 0;
  } catch (const std::exception& error) {
    log_json(*logger, spdlog::level::critical, "cannot run", {{"error", error.what()}});
    return 1;
  }
}

}  // namespace p2l::controller
