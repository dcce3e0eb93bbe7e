#include "rasd/daemon/service.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <cstdlib>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "daemon_clock.hpp"
#include "poller.hpp"
#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/api_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/fetcher.hpp"
#include "rasd/daemon/file_watch.hpp"
#include "rasd/daemon/metrics.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/postgres.hpp"
#include "rasd/daemon/sqlite.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/web_session.hpp"
#include "rasd/daemon/webhook.hpp"
#include "store_chores.hpp"
#include "store_thread.hpp"

namespace rasd {
namespace {

struct Loaded {
  Config config;
  std::shared_ptr<const rules::RuleSet> rules;
};

// Reads and validates config and rules; nullopt (with everything logged, and the errors
// appended to *errors) when anything is wrong.
std::optional<Loaded> load_all(const std::string& path, const text::Normalizer& normalizer,
                               spdlog::logger& log, std::string* errors = nullptr) {
  auto report = [&](const Diagnostics& diags) {
    for (const auto& d : diags.items()) {
      (d.level == Diagnostic::Level::error ? log.error(d.format()) : log.warn(d.format()));
      if (errors && d.level == Diagnostic::Level::error) *errors += d.format() + "\n";
    }
  };
  auto cfg = load_config_file(path);
  report(cfg.diagnostics);
  if (!cfg.config) return std::nullopt;
  Diagnostics diag;
  auto files = read_rule_files(*cfg.config, diag);
  rules::LoadOptions opts;
  opts.known_webhooks = cfg.config->webhook_names();
  opts.retention_seconds = cfg.config->retention;
  auto loaded = rules::load_rules(files, normalizer, opts);
  diag.append(loaded.diagnostics);
  report(diag);
  if (diag.has_errors() || !loaded.rules) return std::nullopt;
  return Loaded{std::move(*cfg.config), std::move(loaded.rules)};
}

// The daemon: one Asio loop owns all work in flight. Source fetches and follow-up page
// fetches run on one Fetcher, webhook requests on another (both curl multi on this loop); the
// store (and the Monitor) belong to the store's thread, whose jobs the loop submits and whose
// results come back as events (store_thread.hpp); nothing here waits for a socket, a disk or
// a thread.
// Follow-up pages and deliveries are durable rows, so a reload, a stop or a crash drops none.
class Service {
 public:
  Service(const ServiceOptions& opts, std::shared_ptr<spdlog::logger> log, Loaded loaded,
          const text::Normalizer& normalizer)
      : opts_(opts),
        log_(std::move(log)),
        normalizer_(normalizer),
        current_(std::make_shared<Loaded>(std::move(loaded))),
        store_(current_->config.store_path) {
    if (const int v = store_.schema_version(); v > Store::kSchemaVersion) {
      log_->warn(
          "store: schema version {} is newer than this rasd's {}, and declared compatible with it "
          "(a rolling upgrade): upgrade this instance too",
          v, Store::kSchemaVersion);
    }
    monitor_snapshot_ = current_;
    monitor_ = std::make_unique<Monitor>(current_->config, current_->rules, normalizer_, store_,
                                         http_, clock_, log_, &metrics_);
    chores_ = std::make_unique<StoreChores>(store_, *monitor_, clock_, metrics_, health_, log_);
    poller_ = std::make_unique<Poller>(store_, *monitor_, clock_, log_, metrics_, health_,
                                       opts_.once, current_->config.store_path,
                                       current_->config.guard_path(), normalizer_);
    if (store_.shares_stories()) {  // instances may share this store: they split the work
      // The per-host gap, in whole seconds, also between two instances' turns on a host.
      const Config& c = current_->config;
      lease_owner_ = lease_owner_name();
      lease_gap_ = (c.defaults.per_host_gap_ms + 999) / 1000;
      poller_->lease_hosts(std::make_unique<HostLeases>(lease_owner_, c.store_lease, lease_gap_));
    }
    apply_snapshot();
  }

  int run() {
    boost::asio::io_context io;
    Fetcher fetcher(io, fetcher_limits(current_->config));
    Fetcher hooks_fetcher(io, delivery_fetcher_limits());
    // From here on the store and the Monitor are used only by this thread's jobs.
    store_thread_ = std::make_unique<StoreThread>(io);
    store_thread_->before_each([this] { chores_->follow_clock_jumps(); });
    chores_->attach(*store_thread_);
    Deliverer deliverer(current_->config, store_, *store_thread_, io, hooks_fetcher, clock_, log_);
    if (!lease_owner_.empty()) deliverer.claim_as(lease_owner_, current_->config.store_lease);
    std::function<void()> after_answers;
    deliverer.on_recorded([this, &after_answers](const DeliveryStats& ds) {
      count_deliveries(ds);
      if (after_answers) after_answers();
    });
    poller_->attach(io, fetcher, &deliverer, *store_thread_);
    fetcher_ = &fetcher;
    deliverer_ = &deliverer;
    struct Detach {  // the loop's objects die with this frame, also when it unwinds
      Service* s;
      ~Detach() {
        s->store_thread_.reset();  // first: its jobs call into the Poller and the Monitor
        s->chores_->detach();
        s->poller_->detach();
        s->release_claims();  // the loop and the store's thread are gone

        s->fetcher_ = nullptr, s->deliverer_ = nullptr;
      }
    } detach{this};
    if (opts_.once) return run_once(io);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    boost::asio::steady_timer timer(io), shutdown_timer(io);
    metrics_.start_time.set(static_cast<double>(clock_.now()));
    // The HTTP API answers from its own thread (see api_server.hpp).
    std::function<void()> reload_from_api;  // set below, once watch_rules exists
    std::atomic<bool> reload_posted{false};
    std::unique_ptr<ApiHandlers> api_handlers, api_slow_handlers;
    std::unique_ptr<ApiServer> api;
    if (!current_->config.http_listen.empty()) {
      ApiContext ctx;
      ctx.store_path = current_->config.store_path;
      ctx.normalizer = &normalizer_;
      ctx.metrics = &registry_;
      ctx.daemon_metrics = &metrics_;
      ctx.health = &health_;
      ctx.token = &token_;
      ctx.read_token = &read_token_;
      ctx.replay = &replay_;
      ctx.sessions = &web_sessions_;
      ctx.cancelled = &cancelled_runs_;
      ctx.base_path = current_->config.http_base_path;
      ctx.secure_cookies = current_->config.http_secure_cookies;
      ctx.now = [this] { return clock_.now(); };
      ctx.http = [] { return std::make_unique<CurlHttpClient>(); };
      ctx.allow_private_urls = current_->config.allow_private;
      // Requests that arrive while one is waiting for the loop join it: a client looping on
      // POST /api/reload cannot queue up rule compilations on the loop.
      ctx.request_reload = [&io, &reload_from_api, &reload_posted] {
        if (reload_posted.exchange(true)) return;
        boost::asio::post(io, [&reload_from_api, &reload_posted] {
          reload_posted = false;
          if (reload_from_api) reload_from_api();
        });
      };
      // Two handlers, each with its own store connection: one for quick requests, one for the
      // POSTs that may take seconds (api_server.hpp).
      api_handlers = std::make_unique<ApiHandlers>(ctx);
      api_slow_handlers = std::make_unique<ApiHandlers>(std::move(ctx));
      api = std::make_unique<ApiServer>(
          current_->config.http_listen,
          [h = api_handlers.get()](const ApiRequest& r) { return h->handle(r); }, log_,
          [h = api_slow_handlers.get()](const ApiRequest& r) { return h->handle(r); },
          [base = current_->config.http_base_path](const ApiRequest& r) {
            return runs_on_slow_lane(r, base);
          });
      api->start();
      log_->info("http api listening on {} (port {}){}", current_->config.http_listen, api->port(),
                 token_.empty() ? "; no token in " + current_->config.token_file +
                                      ": only /healthz and /readyz answer"
                                : "");
    }
    std::unique_ptr<FileWatch> rule_watch;
    auto watch_rules = [&] {
      rule_watch.reset();
      if (!current_->config.watch_rules) return;
      rule_watch = std::make_unique<FileWatch>(io, current_->config.rule_paths,
                                               std::chrono::milliseconds(300), [this] {
                                                 log_->info("rule files changed");
                                                 reload({});
                                               });
      for (const auto& e : rule_watch->errors()) log_->warn("watch_rules: {}", e);
    };
    watch_rules();
    reload_from_api = [&] {
      if (stopping_) return;
      log_->info("API: reloading {}", opts_.config_path);
      reload(watch_rules);
    };
    auto in_flight = [&] { return fetcher.stats().in_flight + hooks_fetcher.stats().in_flight; };
    auto all_done = [&] {
      return in_flight() == 0 && poller_->idle() && deliverer.in_flight() == 0 &&
             store_thread_->outstanding() == 0;
    };
    std::function<void()> arm_signals = [&] {
      signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          log_->info("SIGHUP: reloading {}", opts_.config_path);
          reload(watch_rules);
          arm_signals();
          return;
        }
        log_->info("signal {}: stopping; {} requests in flight may finish within {}s", sig,
                   in_flight(), kShutdownGraceSeconds);
        sd_notify(0, "STOPPING=1");
        stopping_ = true;
        poller_->stop();
        deliverer.stop();
        timer.cancel();
        signals.cancel();
        rule_watch.reset();
        fetcher.stop_accepting();
        hooks_fetcher.stop_accepting();
        // In-flight requests finish (their results are stored) or are cut off at the deadline;
        // what is cut off stays pending in the store (sources, pages and deliveries alike).
        shutdown_timer.expires_after(std::chrono::seconds(kShutdownGraceSeconds));
        shutdown_timer.async_wait([&](const boost::system::error_code& e) {
          if (e) return;
          fetcher.abort_all();
          hooks_fetcher.abort_all();
          // What the aborts leave on the loop (their answers' commit) gets a moment; then
          // the loop ends whatever else is still waiting on it.
          shutdown_timer.expires_after(std::chrono::seconds(1));
          shutdown_timer.async_wait([&](const boost::system::error_code& e2) {
            if (!e2) io.stop();
          });
        });
        if (all_done()) shutdown_timer.cancel();
      });
    };
    arm_signals();
    std::function<void()> tick = [&] {
      if (stopping_) {
        if (all_done()) shutdown_timer.cancel();
        return;
      }
      // Each of these is a store job at most (one of each kind at a time, so a stalled disk
      // queues no more than that); a store failure is logged by the job and retried on a
      // later tick, and only a commit (the Poller's) says the store is well again.
      chores_->prune_if_due(current_->config.retention);
      if (++ticks_ % 5 == 0) {
        poller_->refresh_quarantine();
        check_thresholds();
      }
      poller_->poll_due();
      deliverer.pump();
      chores_->count_queues();
      const FetcherStats fs = fetcher.stats();
      metrics_.queue("fetch_queued").set(static_cast<double>(fs.queued));
      metrics_.queue("fetch_in_flight").set(static_cast<double>(fs.in_flight));
      metrics_.queue("body_bytes").set(static_cast<double>(fs.bytes_held));
      metrics_.queue("body_bytes_peak").set(static_cast<double>(fs.peak_bytes));
      metrics_.queue("fetch_paused").set(static_cast<double>(fs.paused));
      metrics_.body_pauses.inc(fs.pauses - body_pauses_seen_);
      body_pauses_seen_ = fs.pauses;
      metrics_.queue("answers_pending").set(static_cast<double>(poller_->answers_pending()));
      metrics_.queue("deliveries_in_flight").set(static_cast<double>(deliverer.in_flight()));
      metrics_.queue("sources_quarantined").set(static_cast<double>(poller_->quarantined()));
      notify_status();
      // The watchdog hears from the loop only when this tick ran: a blocked loop, a runaway
      // parse or a deadlock stops the pings, and systemd restarts the daemon. The store's
      // thread may wait (a lock, a slow disk) without the loop waiting; one job that runs for
      // long makes the daemon not ready, and one that never ends stops the pings too.
      health_.last_tick = clock_.now();
      metrics_.loop_heartbeat.set(static_cast<double>(health_.last_tick.load()));
      const double store_busy = store_thread_->running_seconds();
      if (store_busy > kStoreNotReadySeconds) health_.store_ok = false;
      if (store_busy > kStoreHungSeconds) {
        if (!store_hung_logged_)
          log_->critical(
              "store: one job has been running for {:.0f}s; the watchdog is no longer "
              "told the daemon is alive",
              store_busy);
        store_hung_logged_ = true;
        return;
      }
      store_hung_logged_ = false;
      sd_notify(0, "WATCHDOG=1");
    };
    std::function<void()> arm_tick = [&] {
      timer.expires_after(std::chrono::milliseconds(opts_.tick_ms));
      timer.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        tick();
        if (!stopping_) arm_tick();
      });
    };
    after_answers = [&] {
      if (api) api->notify();  // the dashboard's live views look for new alerts
      if (stopping_ && all_done()) shutdown_timer.cancel();
    };
    store_thread_->after_each(after_answers);
    log_->info("rasd running: {} sources, {} rules, store {}", current_->config.sources.size(),
               current_->rules->rules.size(), sql::shown_location(current_->config.store_path));
    // Before READY=1 (systemd's watchdog starts then), and outside the poison guard: days of
    // recent articles are normalized again to refill the story index (on the store's thread,
    // which owns the Monitor; polling starts when it is done).
    store_thread_->submit(
        [m = monitor_.get(), log = log_] {
          m->restore_stories_now();
          try {
            m->committed(m->check_thresholds());  // episodes that ended while rasd was down
          } catch (const sql::StoreError& e) {
            log->error("thresholds: store: {} (checked again later)", e.what());
          }
        },
        [&] {
          health_.polling = true;
          health_.last_tick = clock_.now();
          sd_notify(0, "READY=1");
          tick();
          arm_tick();
        });
    io.run();
    api.reset();  // before the handlers it calls
    log_->info("rasd stopped");
    return 0;
  }

 private:
  // Every source once, concurrently on the event loop, with the pages they lead to; then every
  // due delivery once.
  int run_once(boost::asio::io_context& io) {
    chores_->prune_if_due(current_->config.retention);
    check_thresholds();  // episodes that ended since the last run end before new matches count
    poller_->poll_all();
    io.run();            // until every answer is committed (store jobs keep the loop busy)
    check_thresholds();  // summaries that are due, before the deliveries go out
    io.restart();
    io.run();
    const DeliveryStats before = deliveries_;
    deliverer_->flush_groups(true);  // nothing may wait for a later run to be grouped
    std::unordered_set<std::string> tried;
    deliverer_->on_sent([&](const std::string& id) { tried.insert(id); });
    for (;;) {  // one attempt per due row, as endpoint concurrency allows
      const size_t sent = tried.size();
      deliverer_->pump(10000, [&](const std::string& id) { return !tried.count(id); });
      io.restart();
      io.run();
      if (tried.size() == sent) break;
    }
    const PollStats& t = poller_->totals();
    const int delivered = deliveries_.delivered - before.delivered;
    const int failed = (deliveries_.failed - before.failed) + (deliveries_.dead - before.dead);
    log_->info(
        "once: {} fetched, {} not modified, {} failed, {} new articles, {} alerts, {} pages "
        "queued, {} delivered, {} failed deliveries",
        t.fetched, t.not_modified, t.failed, t.new_articles, t.alerts, t.pages_queued, delivered,
        failed);
    return 0;
  }

  // The running snapshot's sources, limits and token.
  // The threshold timer's store job (store_chores.hpp); what it raises goes out at once.
  void check_thresholds() {
    chores_->check_thresholds([this] {
      if (deliverer_ && !stopping_ && !opts_.once) deliverer_->pump();
    });
  }

  void apply_snapshot() {
    poller_->set_snapshot(current_->config);
    token_.set(read_api_token(current_->config.token_file));
    read_token_.set(current_->config.read_token_file.empty()
                        ? std::string()
                        : read_api_token(current_->config.read_token_file, "api-read-token"));
    replay_.set(backtest_options_for(current_->config));
    replay_.set_rules(current_->rules);
    metrics_.sources.set(static_cast<double>(current_->config.sources.size()));
    metrics_.rules.set(static_cast<double>(current_->rules->rules.size()));
  }

  static FetcherLimits fetcher_limits(const Config& c) {
    FetcherLimits l;
    l.max_concurrency = static_cast<size_t>(c.defaults.max_concurrency);
    l.per_host_concurrency = static_cast<size_t>(c.defaults.per_host_concurrency);
    l.per_host_gap_ms = c.defaults.per_host_gap_ms;
    l.body_budget = c.defaults.body_budget;
    return l;
  }

  // Re-reads config, sources and rules into a staging copy and swaps it in only when all of it
  // is valid (ISC Kea's way); a failure keeps the running set, is logged with file:line:col,
  // counted, and raised as an internal alert. Work in flight goes on under the new snapshot:
  // queued pages and deliveries are rows in the store, answers find their source by id.
  // The Monitor switches in a store job (it writes the new sources' rows); the loop switches
  // when that job is back, and only then lets the old snapshot go. `on_ok` runs after a swap.
  // A reload asked for while one is at the store runs after it.
  void reload(std::function<void()> on_ok) {
    if (stopping_) return;
    if (reloading_) {
      reload_again_ = true;
      if (on_ok) reload_again_on_ok_ = std::move(on_ok);  // a SIGHUP's: the watch follows
      return;
    }
    sd_notify(0, "RELOADING=1");
    std::string errors;
    auto staged = load_all(opts_.config_path, normalizer_, *log_, &errors);
    if (staged && staged->config.store_path != current_->config.store_path) {
      errors = "store.path and store.url cannot change without a restart\n";
      staged.reset();
    }
    if (staged && (staged->config.http_listen != current_->config.http_listen ||
                   staged->config.http_base_path != current_->config.http_base_path ||
                   staged->config.http_secure_cookies != current_->config.http_secure_cookies)) {
      log_->warn(
          "reload: http.listen, http.base_path and http.secure_cookies change at the next "
          "restart");
    }
    reloading_ = true;
    if (!staged) {
      metrics_.reloads("failed").inc();
      log_->error("reload failed; keeping the previous configuration and rules");
      store_thread_->submit(
          [m = monitor_.get(), log = log_, path = opts_.config_path, errors] {
            try {
              m->raise_internal_alert("reload_failed",
                                      "rasd: reload failed, previous configuration kept",
                                      "Reloading " + path + " failed:\n" + errors);
            } catch (const sql::StoreError& e) {
              log->error("store: {} (the reload failure is not stored as an alert)", e.what());
            }
          },
          [this] { reload_finished(); });
      return;
    }
    auto next = std::make_shared<Loaded>(std::move(*staged));
    auto error = std::make_shared<std::string>();
    store_thread_->submit(
        [this, next, error] {
          try {
            monitor_->reload(next->config, next->rules);
          } catch (const sql::StoreError& e) {
            *error = e.what();  // Monitor::reload switches only after its writes committed
            return;
          }
          // What the Monitor points into lives as long as it does, whatever the loop does.
          monitor_snapshot_ = next;
          if (deliverer_) deliverer_->set_config_in_store_job(next->config);
        },
        [this, next, error, on_ok = std::move(on_ok)] {
          if (!error->empty()) {
            log_->error("reload: store: {}; keeping the previous configuration", *error);
            metrics_.reloads("failed").inc();
            reload_finished();
            return;
          }
          if (deliverer_) deliverer_->set_config(next->config);
          if (fetcher_) fetcher_->set_limits(fetcher_limits(next->config));
          current_ = next;
          apply_snapshot();
          metrics_.reloads("ok").inc();
          log_->info("reloaded: {} sources, {} rules", current_->config.sources.size(),
                     current_->rules->rules.size());
          if (!stopping_) {
            poller_->refresh_quarantine();  // a changed URL released its source
            if (on_ok) on_ok();
          }
          reload_finished();
        });
  }

  void reload_finished() {
    reloading_ = false;
    if (stopping_) return;  // STOPPING=1 was said; no READY=1 after it
    sd_notify(0, "READY=1");
    notify_status();
    if (reload_again_) {
      reload_again_ = false;
      reload(std::move(reload_again_on_ok_));
      reload_again_on_ok_ = {};
    }
  }

  void count_deliveries(const DeliveryStats& ds) {
    metrics_.deliveries("delivered").inc(static_cast<uint64_t>(ds.delivered));
    metrics_.deliveries("failed").inc(static_cast<uint64_t>(ds.failed));
    metrics_.deliveries("dead").inc(static_cast<uint64_t>(ds.dead));
    metrics_.deliveries("disabled").inc(static_cast<uint64_t>(ds.disabled));
    metrics_.deliveries_grouped.inc(static_cast<uint64_t>(ds.grouped));
    metrics_.groups_formed.inc(static_cast<uint64_t>(ds.groups));
    deliveries_ += ds;
    if (ds.store_errors) health_.store_ok = false;
  }

  void notify_status() {
    const std::string status = "STATUS=" + std::to_string(current_->config.sources.size()) +
                               " sources, " + std::to_string(current_->rules->rules.size()) +
                               " rules, " + std::to_string(poller_->totals().new_articles) +
                               " new articles, " + std::to_string(poller_->totals().alerts) +
                               " alerts, " + std::to_string(deliveries_.delivered) + " delivered" +
                               (health_.store_ok ? "" : "; STORE FAILING");
    sd_notify(0, status.c_str());
  }

  const ServiceOptions& opts_;
  std::shared_ptr<spdlog::logger> log_;
  // Metrics, health and token first: the Monitor and the API thread point into them.
  MetricsRegistry registry_;
  DaemonMetrics metrics_{registry_};
  LoopHealth health_;
  ApiToken token_;
  ApiToken read_token_;           // http.read_token_file: the read-only token
  CancelledRuns cancelled_runs_;  // the dashboard's rule tests asked to stop
  WebSessions web_sessions_;      // the dashboard's sign-ins, shared by both API handlers
  ReplaySettings replay_;         // the rule tester's view of the running configuration
  const text::Normalizer& normalizer_;
  std::shared_ptr<Loaded> current_;  // the running snapshot (a store job may hold the next)
  Store store_;
  CurlHttpClient http_;
  std::unique_ptr<Clock> clock_owner_ = make_daemon_clock();
  const Clock& clock_ = *clock_owner_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<Poller> poller_;
  std::string lease_owner_;  // this instance in host leases and delivery claims (PostgreSQL)
  int64_t lease_gap_ = 0;    // the per-host gap in whole seconds, between instances' turns

  // At a clean stop, so that other instances need not wait for them to lapse.
  void release_claims() {
    if (lease_owner_.empty()) return;
    try {
      store_.release_owner(lease_owner_, lease_gap_);
    } catch (const sql::StoreError& e) {
      log_->warn("store: {} (this instance's leases and claims lapse in {}s)", e.what(),
                 current_->config.store_lease);
    }
  }
  std::unique_ptr<StoreChores> chores_;
  std::unique_ptr<StoreThread> store_thread_;  // while run() is on the stack
  DeliveryStats deliveries_;
  bool stopping_ = false;
  bool reloading_ = false, reload_again_ = false;
  std::function<void()> reload_again_on_ok_;
  // The snapshot the Monitor points into: set at start and by each reload's store job (the
  // store's thread only, after the start).
  std::shared_ptr<Loaded> monitor_snapshot_;
  uint64_t ticks_ = 0;
  uint64_t body_pauses_seen_ = 0;  // the source Fetcher's pauses already counted in metrics_
  // The running loop's objects, set while run() is on the stack.
  Fetcher* fetcher_ = nullptr;
  Deliverer* deliverer_ = nullptr;
  static constexpr int kShutdownGraceSeconds = 10;
  static constexpr double kStoreNotReadySeconds = 10;
  static constexpr double kStoreHungSeconds = 45;  // below systemd's WatchdogSec (60 s)
  bool store_hung_logged_ = false;
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
  } catch (const std::runtime_error& e) {  // e.g. the API address cannot be bound
    log->critical("{}", e.what());
    return 1;
  }
}

}  // namespace rasd
