#include "server.hpp"

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>
#include <utility>

#include "p2l/json_log.hpp"

namespace p2l {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::vector<std::unique_ptr<WorkerMetrics>> make_metrics(unsigned count) {
  std::vector<std::unique_ptr<WorkerMetrics>> metrics;
  for (unsigned i = 0; i < count; ++i)
    metrics.push_back(std::make_unique<WorkerMetrics>());
  return metrics;
}

std::vector<const WorkerMetrics*> view_of(const std::vector<std::unique_ptr<WorkerMetrics>>& all) {
  std::vector<const WorkerMetrics*> view;
  for (const auto& metrics : all)
    view.push_back(metrics.get());
  return view;
}

}  // namespace

Server::Server(ReceiverConfig config, std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      logger_(std::move(logger)),
      metrics_(make_metrics(config_.workers)),
      metrics_view_(view_of(metrics_)),
      readiness_(config_.log_dir, metrics_view_) {
  for (unsigned i = 0; i < config_.workers; ++i) {
    workers_.push_back(
        std::make_unique<Worker>(config_, i, *metrics_[i], metrics_view_, readiness_, *logger_));
  }
}

int Server::run() {
  // Registered before any worker thread starts: SIGTERM and SIGINT become an
  // event the main thread waits for below, never a default-action exit.
  asio::io_context signals_io{1};
  asio::signal_set signals(signals_io, SIGTERM, SIGINT);

  tcp::endpoint address(asio::ip::make_address(config_.host), config_.port);
  for (auto& worker : workers_) {
    // Port 0 means any free port; the other workers then share the first one's.
    address = worker->listen(address);
  }
  log_json(*logger_, spdlog::level::info, "listening",
           {{"host", address.address().to_string()},
            {"port", address.port()},
            {"endpoint", config_.endpoint},
            {"workers", config_.workers},
            {"logDir", config_.log_dir},
            {"shipperPosFile", config_.shipper_pos_file},
            {"minFreeBytes", config_.min_free_bytes}});

  std::mutex mutex;
  std::condition_variable all_done;
  unsigned running = config_.workers;
  std::vector<std::jthread> threads;
  for (auto& worker : workers_) {
    threads.emplace_back([&, worker = worker.get()] {
      worker->run();
      const std::lock_guard lock(mutex);
      --running;
      all_done.notify_all();
    });
  }

  int signal_number = 0;
  signals.async_wait([&](boost::system::error_code, int number) { signal_number = number; });
  signals_io.run();
  log_json(*logger_, spdlog::level::info, "shutting down",
           {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});

  for (auto& worker : workers_)
    worker->begin_shutdown();
  std::unique_lock lock(mutex);
  if (!all_done.wait_for(lock, config_.drain_timeout, [&] { return running == 0; })) {
    log_json(*logger_, spdlog::level::warn, "drain timeout reached, closing connections");
    for (auto& worker : workers_)
      worker->force_stop();
  }
  lock.unlock();
  threads.clear();  // joins
  log_json(*logger_, spdlog::level::info, "stopped");
  return 0;
}

}  // namespace p2l
