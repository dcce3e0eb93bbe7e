#include "rasd/daemon/service.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio.hpp>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/webhook.hpp"

namespace rasd {
namespace {

struct Loaded {
  Config config;
  std::shared_ptr<const rules::RuleSet> rules;
};

// Reads and validates config and rules; nullopt (with everything logged) when anything is wrong.
std::optional<Loaded> load_all(const std::string& path, const text::Normalizer& normalizer,
                               spdlog::logger& log) {
  auto cfg = load_config_file(path);
  for (const auto& d : cfg.diagnostics.items()) {
    (d.level == Diagnostic::Level::error ? log.error(d.format()) : log.warn(d.format()));
  }
  if (!cfg.config) return std::nullopt;
  Diagnostics diag;
  auto files = read_rule_files(*cfg.config, diag);
  rules::LoadOptions opts;
  opts.known_webhooks = cfg.config->webhook_names();
  auto loaded = rules::load_rules(files, normalizer, opts);
  diag.append(loaded.diagnostics);
  for (const auto& d : diag.items()) {
    (d.level == Diagnostic::Level::error ? log.error(d.format()) : log.warn(d.format()));
  }
  if (diag.has_errors() || !loaded.rules) return std::nullopt;
  return Loaded{std::move(*cfg.config), std::move(loaded.rules)};
}

class Service {
 public:
  Service(const ServiceOptions& opts, std::shared_ptr<spdlog::logger> log, Loaded loaded,
          const text::Normalizer& normalizer)
      : opts_(opts), log_(std::move(log)), normalizer_(normalizer),
        current_(std::make_unique<Loaded>(std::move(loaded))),
        store_(current_->config.store_path) {
    rebuild();
  }

  int run() {
    if (opts_.once) {
      prune_if_due();
      auto stats = monitor_->poll_all();
      auto ds = deliverer_->deliver_due(10000);
      log_->info("once: {} fetched, {} not modified, {} failed, {} new articles, {} alerts, {} delivered, {} failed deliveries",
                 stats.fetched, stats.not_modified, stats.failed, stats.new_articles, stats.alerts,
                 ds.delivered, ds.failed + ds.dead);
      return 0;
    }
    boost::asio::io_context io;
    boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    boost::asio::steady_timer timer(io);
    std::function<void()> arm_signals = [&] {
      signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          reload();
          arm_signals();
          return;
        }
        log_->info("signal {}: stopping", sig);
        sd_notify(0, "STOPPING=1");
        stopping_ = true;
        timer.cancel();
      });
    };
    arm_signals();
    std::function<void()> tick = [&] {
      if (stopping_) return;
      try {
        prune_if_due();
        auto stats = monitor_->poll_due();
        auto ds = deliverer_->deliver_due();
        totals_ += stats;
        delivered_ += ds.delivered;
        if (stats.fetched + stats.failed + stats.not_modified + ds.delivered + ds.failed > 0) {
          sd_notify(0, ("STATUS=" + std::to_string(current_->config.sources.size()) + " sources, " +
                        std::to_string(totals_.new_articles) + " articles, " + std::to_string(totals_.alerts) +
                        " alerts, " + std::to_string(delivered_) + " delivered").c_str());
        }
        sd_notify(0, "WATCHDOG=1");
      } catch (const sql::StoreError& e) {
        // Disk full or read-only store: keep running and retry on the next tick; what was
        // committed stays committed and unprocessed items will be fetched again.
        log_->error("store: {} (will retry)", e.what());
      }
      if (stopping_) return;
      timer.expires_after(std::chrono::milliseconds(opts_.tick_ms));
      timer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) tick();
      });
    };
    log_->info("rasd running: {} sources, {} rules, store {}", current_->config.sources.size(),
               current_->rules->rules.size(), current_->config.store_path);
    sd_notify(0, "READY=1");
    boost::asio::post(io, tick);
    io.run();
    log_->info("rasd stopped");
    return 0;
  }

 private:
  void rebuild() {
    monitor_ = std::make_unique<Monitor>(current_->config, current_->rules, normalizer_, store_, http_, clock_, log_);
    deliverer_.reset();  // waits for requests in flight before the config they point into goes
    deliverer_ = std::make_unique<Deliverer>(
        current_->config, store_, [] { return std::make_unique<CurlHttpClient>(); }, clock_, log_);
  }

  // Retention (store.retention): at start, then hourly.
  void prune_if_due() {
    const int64_t now = clock_.now();
    if (last_prune_ != 0 && now - last_prune_ < 3600) return;
    last_prune_ = now;
    const PruneStats p = store_.prune(now - current_->config.retention);
    if (p.articles > 0 || p.kept_for_alerts > 0) {
      log_->info("retention: {} articles older than {}s pruned, {} kept because alerts refer to them", p.articles,
                 current_->config.retention, p.kept_for_alerts);
    }
  }

  void reload() {
    sd_notify(0, "RELOADING=1");
    log_->info("SIGHUP: reloading {}", opts_.config_path);
    auto staged = load_all(opts_.config_path, normalizer_, *log_);
    if (!staged) {
      log_->error("reload failed; keeping the previous configuration and rules");
    } else if (staged->config.store_path != current_->config.store_path) {
      log_->error("reload failed: store.path cannot change without a restart; keeping the previous configuration");
    } else {
      current_ = std::make_unique<Loaded>(std::move(*staged));
      rebuild();
      log_->info("reloaded: {} sources, {} rules", current_->config.sources.size(), current_->rules->rules.size());
    }
    sd_notify(0, "READY=1");
  }

  const ServiceOptions& opts_;
  std::shared_ptr<spdlog::logger> log_;
  const text::Normalizer& normalizer_;
  std::unique_ptr<Loaded> current_;
  Store store_;
  CurlHttpClient http_;
  SystemClock clock_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<Deliverer> deliverer_;
  PollStats totals_;
  int delivered_ = 0;
  bool stopping_ = false;
  int64_t last_prune_ = 0;
};

}  // namespace

int run_service(const ServiceOptions& options, std::shared_ptr<spdlog::logger> log) {
  const text::Normalizer normalizer;
  auto loaded = load_all(options.config_path, normalizer, *log);
  if (!loaded) return 2;
  try {
    Service service(options, log, std::move(*loaded), normalizer);
    return service.run();
  } catch (const sql::StoreError& e) {
    log->critical("store: {}", e.what());
    return 1;
  }
}

}  // namespace rasd
