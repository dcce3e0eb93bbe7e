#include "rasd/daemon/service.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio.hpp>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/api_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/fetcher.hpp"
#include "rasd/daemon/file_watch.hpp"
#include "rasd/daemon/metrics.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/webhook.hpp"

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
  auto loaded = rules::load_rules(files, normalizer, opts);
  diag.append(loaded.diagnostics);
  report(diag);
  if (diag.has_errors() || !loaded.rules) return std::nullopt;
  return Loaded{std::move(*cfg.config), std::move(loaded.rules)};
}

// The API token: the first line of the token file, trimmed; "" when the file is missing.
// Under systemd the unit passes it as a credential (LoadCredential=api-token:…), readable by
// the dynamic user even though /etc/rasd/api-token is not; that copy wins when present.
std::string read_token(const std::string& path) {
  std::ifstream in;
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY"))
    in.open(std::string(creds) + "/api-token");
  if (!in.is_open()) in.open(path);
  std::string line;
  std::getline(in, line);
  const auto b = line.find_first_not_of(" \t\r");
  const auto e = line.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : line.substr(b, e - b + 1);
}

class Service {
 public:
  Service(const ServiceOptions& opts, std::shared_ptr<spdlog::logger> log, Loaded loaded,
          const text::Normalizer& normalizer)
      : opts_(opts),
        log_(std::move(log)),
        normalizer_(normalizer),
        current_(std::make_unique<Loaded>(std::move(loaded))),
        store_(current_->config.store_path) {
    rebuild();
  }

  int run() {
    if (opts_.once) {
      prune_if_due();
      // Every source once, concurrently on the event loop, then every due delivery.
      boost::asio::io_context io;
      Fetcher fetcher(io, fetcher_limits(current_->config));
      io_ = &io;
      fetcher_ = &fetcher;
      PollStats stats;
      for (const auto& src : current_->config.sources) submit_poll(io, fetcher, src.id, &stats);
      io.run();
      flush_timer_.reset();  // it belongs to this io_context
      auto ds = deliverer_->deliver_due(10000);
      count_deliveries(ds);
      log_->info(
          "once: {} fetched, {} not modified, {} failed, {} new articles, {} alerts, {} delivered, "
          "{} failed deliveries",
          stats.fetched, stats.not_modified, stats.failed, stats.new_articles, stats.alerts,
          ds.delivered, ds.failed + ds.dead);
      return 0;
    }
    boost::asio::io_context io;
    boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    boost::asio::steady_timer timer(io), shutdown_timer(io);
    Fetcher fetcher(io, fetcher_limits(current_->config));
    io_ = &io;
    fetcher_ = &fetcher;
    for (const auto& st : store_.sources()) next_due_[st.id] = st.next_due;
    metrics_.start_time.set(static_cast<double>(clock_.now()));
    // The HTTP API answers from its own thread (see api_server.hpp).
    std::unique_ptr<ApiHandlers> api_handlers;
    std::unique_ptr<ApiServer> api;
    if (!current_->config.http_listen.empty()) {
      ApiContext ctx;
      ctx.store_path = current_->config.store_path;
      ctx.normalizer = &normalizer_;
      ctx.metrics = &registry_;
      ctx.daemon_metrics = &metrics_;
      ctx.health = &health_;
      ctx.token = &token_;
      ctx.now = [this] { return clock_.now(); };
      ctx.http = [] { return std::make_unique<CurlHttpClient>(); };
      ctx.allow_private_urls = current_->config.allow_private;
      api_handlers = std::make_unique<ApiHandlers>(std::move(ctx));
      api = std::make_unique<ApiServer>(
          current_->config.http_listen,
          [h = api_handlers.get()](const ApiRequest& r) { return h->handle(r); }, log_);
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
                                                 reload();
                                               });
      for (const auto& e : rule_watch->errors()) log_->warn("watch_rules: {}", e);
    };
    watch_rules();
    std::function<void()> arm_signals = [&] {
      signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          log_->info("SIGHUP: reloading {}", opts_.config_path);
          if (reload()) watch_rules();
          arm_signals();
          return;
        }
        log_->info("signal {}: stopping; {} requests in flight may finish within {}s", sig,
                   fetcher.stats().in_flight, kShutdownGraceSeconds);
        sd_notify(0, "STOPPING=1");
        stopping_ = true;
        timer.cancel();
        signals.cancel();
        rule_watch.reset();
        fetcher.stop_accepting();
        // In-flight requests finish (their results are stored) or are cut off at the deadline.
        shutdown_timer.expires_after(std::chrono::seconds(kShutdownGraceSeconds));
        shutdown_timer.async_wait([&](const boost::system::error_code& e) {
          if (!e) fetcher.abort_all();
        });
        if (fetcher.stats().in_flight == 0) shutdown_timer.cancel();
      });
    };
    arm_signals();
    std::function<void()> tick = [&] {
      if (stopping_) return;
      try {
        prune_if_due();
        const int64_t now = clock_.now();
        for (const auto& src : current_->config.sources) {
          auto due = next_due_.find(src.id);
          if (in_flight_.count(src.id) || (due != next_due_.end() && due->second > now)) continue;
          submit_poll(io, fetcher, src.id, &totals_, [&] {
            if (stopping_ && fetcher.stats().in_flight == 0) shutdown_timer.cancel();
          });
        }
        count_deliveries(deliverer_->deliver_due());
        metrics_.queue("deliveries_pending")
            .set(static_cast<double>(store_.pending_delivery_count()));
        health_.store_ok = true;
      } catch (const sql::StoreError& e) {
        // Disk full or read-only store: keep running and retry on the next tick; what was
        // committed stays committed and unprocessed items will be fetched again.
        log_->error("store: {} (will retry)", e.what());
        health_.store_ok = false;
      }
      const FetcherStats fs = fetcher.stats();
      metrics_.queue("fetch_queued").set(static_cast<double>(fs.queued));
      metrics_.queue("fetch_in_flight").set(static_cast<double>(fs.in_flight));
      metrics_.queue("answers_pending").set(static_cast<double>(pending_.size()));
      notify_status();
      // The watchdog hears from the loop only when this tick ran: a loop blocked in a store
      // lock, a runaway parse or a deadlock stops the pings, and systemd restarts the daemon.
      health_.last_tick = clock_.now();
      metrics_.loop_heartbeat.set(static_cast<double>(health_.last_tick.load()));
      sd_notify(0, "WATCHDOG=1");
      if (stopping_) return;
      timer.expires_after(std::chrono::milliseconds(opts_.tick_ms));
      timer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) tick();
      });
    };
    log_->info("rasd running: {} sources, {} rules, store {}", current_->config.sources.size(),
               current_->rules->rules.size(), current_->config.store_path);
    health_.polling = true;
    health_.last_tick = clock_.now();
    sd_notify(0, "READY=1");
    boost::asio::post(io, tick);
    io.run();
    flush_timer_.reset();  // it belongs to this io_context
    api.reset();           // before the handlers it calls
    log_->info("rasd stopped");
    return 0;
  }

 private:
  void rebuild() {
    max_pending_ =
        static_cast<size_t>(std::max<int64_t>(1, current_->config.defaults.max_concurrency));
    sources_by_id_.clear();
    for (const auto& src : current_->config.sources) sources_by_id_[src.id] = &src;
    monitor_ = std::make_unique<Monitor>(current_->config, current_->rules, normalizer_, store_,
                                         http_, clock_, log_, &metrics_);
    token_.set(read_token(current_->config.token_file));
    metrics_.sources.set(static_cast<double>(current_->config.sources.size()));
    metrics_.rules.set(static_cast<double>(current_->rules->rules.size()));
    deliverer_.reset();  // waits for requests in flight before the config they point into goes
    deliverer_ = std::make_unique<Deliverer>(
        current_->config, store_, [] { return std::make_unique<CurlHttpClient>(); }, clock_, log_);
  }

  const SourceConfig* source(const std::string& id) const {
    auto it = sources_by_id_.find(id);
    return it == sources_by_id_.end() ? nullptr : it->second;
  }

  static FetcherLimits fetcher_limits(const Config& c) {
    FetcherLimits l;
    l.max_concurrency = static_cast<size_t>(c.defaults.max_concurrency);
    l.per_host_concurrency = static_cast<size_t>(c.defaults.per_host_concurrency);
    l.per_host_gap_ms = c.defaults.per_host_gap_ms;
    return l;
  }

  // Queues one poll of source `id`. Its answer waits in pending_ and is handled, with every
  // other answer that has arrived by then, in one store transaction (group commit: one fsync
  // for many feeds under load), by the Monitor current at that time (a reload may have replaced
  // it); the stats go to *stats. Store failures are logged: the source keeps its old state and
  // is polled again.
  void submit_poll(boost::asio::io_context& io, Fetcher& fetcher, const std::string& id,
                   PollStats* stats, std::function<void()> after = {}) {
    const SourceConfig* src = source(id);
    if (!src) return;
    in_flight_.insert(id);
    const auto started = std::chrono::steady_clock::now();
    const bool accepted = fetcher.submit(
        monitor_->request_for(*src),
        [this, &io, id, stats, after, started](Expected<HttpResponse> res) {
          metrics_.fetch_seconds.observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          pending_.push_back({id, std::move(res), stats, after, {}});
          schedule_flush(io);
        });
    if (!accepted) {
      in_flight_.erase(id);
      log_->warn("source '{}': fetch queue full; polled on a later tick", id);
    }
  }

  // Answers arriving within kGroupCommitMs share one transaction; when as many as the request
  // cap have piled up, they are handled at once (bodies wait in memory: a local server can
  // answer faster than articles are processed).
  void schedule_flush(boost::asio::io_context& io) {
    if (pending_.size() >= max_pending_) {
      if (flush_timer_) flush_timer_->cancel();
      if (!flush_now_posted_) {
        flush_now_posted_ = true;
        boost::asio::post(io, [this] {
          flush_now_posted_ = false;
          handle_pending();
        });
      }
    } else if (!flush_posted_) {
      flush_posted_ = true;
      flush_timer_ = std::make_unique<boost::asio::steady_timer>(
          io, std::chrono::milliseconds(kGroupCommitMs));
      flush_timer_->async_wait([this](const boost::system::error_code& ec) {
        if (!ec) handle_pending();
      });
    }
  }

  void handle_pending() {
    flush_posted_ = false;
    if (pending_.empty()) return;
    std::vector<PendingAnswer> answers;
    answers.swap(pending_);
    try {
      Store::Batch batch(store_);
      for (auto& a : answers) {
        const SourceConfig* src = source(a.id);
        if (!src) continue;
        try {
          *a.stats += a.article_url.empty()
                          ? monitor_->handle_response(*src, a.response)
                          : monitor_->handle_article(*src, a.article_url, a.response);
        } catch (const sql::StoreError& e) {  // that source's savepoint is rolled back
          log_->error("source '{}': store: {} (will fetch again)", a.id, e.what());
        } catch (const std::exception& e) {
          log_->error("source '{}': {} (will fetch again)", a.id, e.what());
        }
      }
      batch.commit();
      health_.store_ok = true;
      for (auto& a : answers) {
        if (auto st = store_.source(a.id)) next_due_[a.id] = st->next_due;
      }
    } catch (const sql::StoreError& e) {
      health_.store_ok = false;
      log_->error("store: {}; {} answers will be fetched again", e.what(), answers.size());
      for (auto& a : answers) next_due_[a.id] = clock_.now() + 5;
    }
    for (auto& a : answers) {
      if (a.article_url.empty())
        in_flight_.erase(a.id);
      else
        articles_in_flight_.erase(a.article_url);
    }
    // Article pages that html sources' section pages linked to: fetched like any request.
    for (auto& f : monitor_->take_article_fetches()) {
      if (articles_in_flight_.count(f.url) || !fetcher_) continue;
      submit_article(*io_, *fetcher_, f.source_id, f.url,
                     answers.empty() ? nullptr : answers.front().stats);
    }
    for (auto& a : answers) {
      if (a.after) a.after();
    }
  }

  void submit_article(boost::asio::io_context& io, Fetcher& fetcher, const std::string& source_id,
                      const std::string& url, PollStats* stats) {
    const SourceConfig* src = source(source_id);
    if (!src || !stats) return;
    articles_in_flight_.insert(url);
    const bool accepted =
        fetcher.submit(monitor_->request_for_article(*src, url),
                       [this, &io, source_id, url, stats](Expected<HttpResponse> res) {
                         pending_.push_back({source_id, std::move(res), stats, {}, url});
                         schedule_flush(io);
                       });
    if (!accepted) articles_in_flight_.erase(url);  // the next section poll offers it again
  }

  // Retention (store.retention): at start, then hourly.
  void prune_if_due() {
    const int64_t now = clock_.now();
    if (last_prune_ != 0 && now - last_prune_ < 3600) return;
    last_prune_ = now;
    const PruneStats p = store_.prune(now - current_->config.retention);
    if (p.articles > 0 || p.kept_for_alerts > 0) {
      log_->info(
          "retention: {} articles older than {}s pruned, {} kept because alerts refer to them",
          p.articles, current_->config.retention, p.kept_for_alerts);
    }
  }

  // Re-reads config, sources and rules into a staging copy and swaps it in only when all of it
  // is valid (ISC Kea's way); a failure keeps the running set, is logged with file:line:col,
  // counted, and raised as an internal alert. Answers in flight are handled by the new set.
  bool reload() {
    sd_notify(0, "RELOADING=1");
    std::string errors;
    auto staged = load_all(opts_.config_path, normalizer_, *log_, &errors);
    if (staged && staged->config.store_path != current_->config.store_path) {
      errors = "store.path cannot change without a restart\n";
      staged.reset();
    }
    if (staged && staged->config.http_listen != current_->config.http_listen) {
      log_->warn("reload: http.listen changes at the next restart");
    }
    const bool ok = staged.has_value();
    if (ok) {
      current_ = std::make_unique<Loaded>(std::move(*staged));
      rebuild();
      metrics_.reloads("ok").inc();
      log_->info("reloaded: {} sources, {} rules", current_->config.sources.size(),
                 current_->rules->rules.size());
    } else {
      metrics_.reloads("failed").inc();
      log_->error("reload failed; keeping the previous configuration and rules");
      try {
        monitor_->raise_internal_alert("reload_failed",
                                       "rasd: reload failed, previous configuration kept",
                                       "Reloading " + opts_.config_path + " failed:\n" + errors);
      } catch (const sql::StoreError& e) {
        log_->error("store: {} (the reload failure is not stored as an alert)", e.what());
      }
    }
    sd_notify(0, "READY=1");
    notify_status();
    return ok;
  }

  void count_deliveries(const DeliveryStats& ds) {
    metrics_.deliveries("delivered").inc(static_cast<uint64_t>(ds.delivered));
    metrics_.deliveries("failed").inc(static_cast<uint64_t>(ds.failed));
    metrics_.deliveries("dead").inc(static_cast<uint64_t>(ds.dead));
    metrics_.deliveries("disabled").inc(static_cast<uint64_t>(ds.disabled));
    delivered_ += ds.delivered;
  }

  void notify_status() {
    const std::string status = "STATUS=" + std::to_string(current_->config.sources.size()) +
                               " sources, " + std::to_string(current_->rules->rules.size()) +
                               " rules, " + std::to_string(totals_.new_articles) +
                               " new articles, " + std::to_string(totals_.alerts) + " alerts, " +
                               std::to_string(delivered_) + " delivered" +
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
  std::unordered_map<std::string, int64_t> next_due_;   // per source id, mirrors the store
  std::unordered_set<std::string> in_flight_;           // source ids being fetched
  std::unordered_set<std::string> articles_in_flight_;  // article page URLs being fetched
  boost::asio::io_context* io_ = nullptr;               // the running loop and its fetcher
  Fetcher* fetcher_ = nullptr;
  std::unordered_map<std::string, const SourceConfig*> sources_by_id_;  // into current_
  struct PendingAnswer {
    std::string id;
    Expected<HttpResponse> response;
    PollStats* stats;
    std::function<void()> after;
    std::string article_url;  // set for the article page of an html source
  };
  // Answers waiting for handle_pending(): at most max_pending_ (the global request cap) before
  // they are handled at once.
  std::vector<PendingAnswer> pending_;
  size_t max_pending_ = 1;
  bool flush_posted_ = false;
  bool flush_now_posted_ = false;
  std::unique_ptr<boost::asio::steady_timer> flush_timer_;
  static constexpr int kGroupCommitMs = 50;
  static constexpr int kShutdownGraceSeconds = 10;
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
