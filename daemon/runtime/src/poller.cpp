#include "poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstdlib>

namespace rasd {

Poller::Poller(Store& store, Monitor& monitor, const Clock& clock,
               std::shared_ptr<spdlog::logger> log, DaemonMetrics& metrics, LoopHealth& health,
               bool once, const std::string& store_path, const std::string& guard_path,
               const text::Normalizer& normalizer)
    : store_(store),
      monitor_(monitor),
      clock_(clock),
      log_(std::move(log)),
      metrics_(metrics),
      health_(health),
      once_(once),
      store_path_(store_path),
      normalizer_(normalizer),
      guard_(guard_path) {
  if (!guard_.ok()) log_->warn("poison-source guard disabled: {}", guard_.error());
  if (guard_.left_over()) {
    if (guard_.left_over_crashed()) {
      blame(*guard_.left_over());
    } else {
      log_->warn(
          "source '{}': the last run was killed while handling its answer (not a "
          "crash: not blamed)",
          *guard_.left_over());
    }
  }
  guard_.clear_left_over();  // only now that the blame is stored
  for (const auto& st : store_.sources()) {
    next_due_[st.id] = steady_due(st.next_due);
    if (st.crashes > 0) blamed_.insert(st.id);
    if (st.quarantined_at) quarantined_.insert(st.id);
  }
}

void Poller::set_snapshot(const Config& config) {
  config_ = &config;
  max_pending_ = static_cast<size_t>(std::max<int64_t>(1, config.defaults.max_concurrency));
  sources_by_id_.clear();
  for (const auto& src : config.sources) {
    sources_by_id_[src.id] = &src;
    next_due_.try_emplace(src.id, SteadyClock::time_point::min());
  }
}

void Poller::attach(boost::asio::io_context& io, Fetcher& fetcher, Deliverer* deliverer,
                    StoreQueue& queue) {
  io_ = &io;
  queue_ = &queue;
  fetcher_ = &fetcher;
  deliverer_ = deliverer;
  // Room for as many answers as requests may be in flight; more wait in overflow_.
  worker_ = std::make_unique<ParseWorker>(io, store_path_, normalizer_, guard_,
                                          std::max<size_t>(8, max_pending_), log_);
}

void Poller::detach() {
  worker_.reset();  // before the io_context it posts to
  loop_busy_.reset();
  stall_timer_.reset();
  overflow_.clear();
  preparing_ = 0;
  flush_timer_.reset();  // it belongs to the io_context
  renew_timer_.reset();
  denied_timer_.reset();
  renew_armed_ = renewing_ = false;
  io_ = nullptr;
  fetcher_ = nullptr;
  deliverer_ = nullptr;
  queue_ = nullptr;
  committing_ = pages_reading_ = pages_again_ = quarantine_reading_ = false;
}

const SourceConfig* Poller::source(const std::string& id) const {
  auto it = sources_by_id_.find(id);
  return it == sources_by_id_.end() ? nullptr : it->second;
}

Poller::SteadyClock::time_point Poller::steady_due(int64_t wall_due) const {
  // The stored time is wall-clock (shown, and kept across restarts); the running schedule is
  // the same delay on the monotonic clock, so a clock jump changes no schedule.
  return SteadyClock::now() + std::chrono::seconds(wall_due - clock_.now());
}

void Poller::poll_due() {
  if (!config_) return;
  const auto steady_now = SteadyClock::now();
  std::vector<const SourceConfig*> due_now;
  // From where the last call stopped, so that under load the sources late in the list wait no
  // longer than the early ones.
  const size_t n = config_->sources.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (poll_cursor_ + k) % n;
    const SourceConfig& src = config_->sources[i];
    if (in_flight_.size() + due_now.size() >= max_uncommitted()) {  // the rest wait
      poll_cursor_ = i;
      break;
    }
    auto due = next_due_.find(src.id);
    if (in_flight_.count(src.id) || quarantined_.count(src.id) ||
        (due != next_due_.end() && due->second > steady_now)) {
      continue;
    }
    due_now.push_back(&src);
  }
  submit_polls(due_now);
  pump_pages();
}

void Poller::poll_all() {
  if (!config_) return;
  for (const auto& src : config_->sources) {
    if (!quarantined_.count(src.id) && !in_flight_.count(src.id)) once_queue_.push_back(src.id);
  }
  poll_queued();
  pump_pages();
}

void Poller::poll_queued() {
  std::vector<const SourceConfig*> next;
  while (!once_queue_.empty() && in_flight_.size() + next.size() < max_uncommitted()) {
    const SourceConfig* src = source(once_queue_.front());
    once_queue_.pop_front();
    if (src && !in_flight_.count(src->id)) next.push_back(src);
  }
  submit_polls(next);
}

// An unclean exit left `id` in the guard file: count it, and quarantine the source at the
// threshold.
void Poller::blame(const std::string& id) {
  const int64_t n = store_.blame_crash(id);
  blamed_.insert(id);
  log_->error("source '{}': the last run ended while its answer was being parsed ({} time{})", id,
              n, n == 1 ? "" : "s");
  if (n < PoisonGuard::kQuarantineAfter) return;
  const std::string why = "the daemon exited uncleanly " + std::to_string(n) +
                          " times while parsing this source's answer";
  store_.quarantine_source(id, clock_.now(), why);
  log_->error(
      "source '{}': quarantined: {}; not polled until `rasd sources release {}` or its "
      "URL changes",
      id, why, id);
  monitor_.raise_internal_alert(
      "source_quarantined", "rasd: source '" + id + "' quarantined | عزل المصدر '" + id + "'",
      "Source '" + id + "': " + why + ". It is not polled until `rasd sources release " + id +
          "` or a change of its URL.");
}

void Poller::refresh_quarantine() {
  if (!queue_ || quarantine_reading_) return;
  quarantine_reading_ = true;
  struct Read {
    std::unordered_set<std::string> ids;
    std::string error;
  };
  auto read = std::make_shared<Read>();
  queue_->submit(
      [&store = store_, read] {
        try {
          for (const auto& st : store.sources()) {
            if (st.quarantined_at) read->ids.insert(st.id);
          }
        } catch (const sql::StoreError& e) {
          read->error = e.what();
        }
      },
      [this, read] {
        quarantine_reading_ = false;
        if (read->error.empty()) {
          quarantined_ = std::move(read->ids);
        } else {
          log_->error("store: {} (quarantine read again later)", read->error);
          health_.store_ok = false;
        }
      });
}

// A fetch ended: a 2xx body goes to the parse worker (its heavy part never runs on the loop);
// everything else waits for the group commit as it is.
void Poller::arrived(const std::string& id, Expected<HttpResponse> res,
                     std::optional<PageFetch> page, const SourceConfig& requested) {
  auto shared = std::make_shared<const Expected<HttpResponse>>(std::move(res));
  const bool heavy = *shared && (*shared)->status >= 200 && (*shared)->status < 300;
  const SourceConfig* src = source(id);
  if (!heavy || !src || !worker_) {
    pending_.push_back({id, shared, std::move(page), std::nullopt, requested});
    schedule_flush();
    return;
  }
  // Read as the source was when it was asked for (a reload may have changed it since).
  ParseWorker::Job job{requested, page ? std::optional<std::string>(page->url) : std::nullopt,
                       shared, clock_.now()};
  if (preparing_++ == 0) {
    // The loop must not run out of work (and `--once` end) while answers are at the worker.
    loop_busy_.emplace(io_->get_executor());
    arm_stall_check();
  }
  submit_to_worker(std::move(job), id, std::move(page));
}

void Poller::submit_to_worker(ParseWorker::Job job, const std::string& id,
                              std::optional<PageFetch> page) {
  SourceConfig used = job.source;
  auto shared = job.response;
  const int64_t arrived_at = job.now;
  auto done = [this, id, shared, page, used](PreparedAnswer prepared) mutable {
    pending_.push_back({id, shared, std::move(page), std::move(prepared), std::move(used)});
    schedule_flush();
    // A job that waited for room goes next (it keeps its own count).
    if (!overflow_.empty()) {
      auto next = std::move(overflow_.front());
      overflow_.pop_front();
      submit_to_worker(std::move(next.job), next.id, std::move(next.page));
    }
    if (--preparing_ == 0) loop_busy_.reset();
  };

  if (!worker_->submit(std::move(job), std::move(done))) {
    // The worker's queue is full: the answer waits here (bounded by the fetches in flight).
    overflow_.push_back(
        {ParseWorker::Job{used, page ? std::optional<std::string>(page->url) : std::nullopt, shared,
                          arrived_at},
         id, std::move(page)});
  }
}

// A parse that never ends is a crash of that parse: the poison guard marks it and the process
// aborts (systemd restarts it, and the source is blamed), rather than every later answer
// waiting behind it.
void Poller::arm_stall_check() {
  if (!io_) return;
  if (!stall_timer_) stall_timer_ = std::make_unique<boost::asio::steady_timer>(*io_);
  stall_timer_->expires_after(std::chrono::seconds(1));
  stall_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || preparing_ == 0) return;
    if (const double busy = guard_.busy_seconds(); busy > kParseDeadlineSeconds) {
      log_->critical(
          "parse worker: one answer has been parsed for {:.0f}s; aborting so that "
          "its source is blamed",
          busy);
      guard_.mark_crashed();
      std::abort();
    }
    arm_stall_check();
  });
}

// Queues one poll of each source: their conditional GETs need the stored validators, read in
// one store job; each answer then waits in pending_ and is handled, with every other answer
// that has arrived by then, in one store transaction (group commit). When instances share the
// store, the same job first claims the sources' hosts: a source whose host another instance
// holds, or that another instance has polled since this one last read its schedule, is not
// polled now.
void Poller::submit_polls(const std::vector<const SourceConfig*>& sources) {
  if (sources.empty() || !fetcher_ || !queue_) return;
  struct Read {
    std::vector<SourceConfig> sources;
    std::vector<std::string> hosts;             // leasing: each source's host
    std::vector<HttpRequest> requests;          // as many as were read
    std::vector<char> go;                       // leasing: polled now (else `later` says when)
    std::vector<char> counted;  // leasing: a unit on its host's lease, not yet settled
    std::vector<std::optional<int64_t>> later;  // the stored schedule of one not polled now
    std::string error;
  };
  auto read = std::make_shared<Read>();
  read->sources.reserve(sources.size());
  for (const SourceConfig* src : sources) {
    const std::string host = leases_ ? host_of(src->url) : std::string();
    in_flight_.emplace(src->id, host);
    read->sources.push_back(*src);
    if (leases_) read->hosts.push_back(host);
  }
  const size_t n = read->sources.size();
  read->go.assign(n, 1);
  read->counted.assign(n, 0);
  read->later.assign(n, std::nullopt);
  queue_->submit(
      [this, read, n] {
        try {
          if (leases_) {
            read->go = leases_->claim(store_, read->hosts);
            read->counted = read->go;
            if (!once_) {
              const int64_t now = clock_.now();
              for (size_t i = 0; i < n; ++i) {
                if (!read->go[i]) continue;
                auto st = store_.source(read->sources[i].id);
                if (st && st->next_due > now) {  // another instance polled it meanwhile
                  read->go[i] = 0;
                  read->later[i] = st->next_due;
                  read->counted[i] = 0;
                  leases_->settle(store_, read->hosts[i]);
                }
              }
            }
          }
          read->requests.reserve(n);
          for (size_t i = 0; i < n; ++i)
            read->requests.push_back(read->go[i] ? monitor_.request_for(read->sources[i])
                                                 : HttpRequest{});
        } catch (const sql::StoreError& e) {
          read->error = e.what();
        }
      },
      [this, read, n] {
        if (!read->error.empty()) {
          log_->error("store: {} (sources polled again in {}s)", read->error, kStoreRetrySeconds);
          health_.store_ok = false;
          if (once_) totals_.failed += static_cast<int>(n - read->requests.size());
        }
        std::vector<std::string> denied;
        for (size_t i = 0; i < n; ++i) {
          const SourceConfig& src = read->sources[i];
          // Its claim was refused, or it was polled elsewhere (its unit settled in the job).
          if (!read->go[i]) {
            source_settled(src.id, !read->counted[i]);
            if (read->later[i]) {
              next_due_[src.id] = steady_due(*read->later[i]);
            } else {
              next_due_[src.id] = SteadyClock::now() + std::chrono::seconds(kLeaseRetrySeconds);
              denied.push_back(src.id);
            }
            continue;
          }
          if (i >= read->requests.size() || stopping_ || !fetcher_) {
            source_settled(src.id, !read->counted[i]);
            next_due_[src.id] = SteadyClock::now() + std::chrono::seconds(kStoreRetrySeconds);
            continue;
          }
          submit_request(src, std::move(read->requests[i]));
        }
        if (!denied.empty()) {
          // Usual when instances share the work; worth saying when `--once` waits for it.
          log_->log(once_ ? spdlog::level::info : spdlog::level::debug,
                    "{} source(s) wait for their hosts, leased by other instances (first: '{}'); "
                    "asked again in {}s",
                    denied.size(), denied.front(), kLeaseRetrySeconds);
          if (once_ && !stopping_) retry_denied_later(std::move(denied));
        }
        // `--once`: the sources not asked for yet go on, also when nothing of this chunk did.
        if (!stopping_ && !once_queue_.empty()) poll_queued();
        follow_lease_renewal();
      });
}

void Poller::submit_request(const SourceConfig& src, HttpRequest req) {
  const auto started = std::chrono::steady_clock::now();
  const bool accepted = fetcher_->submit(
      std::move(req), [this, id = src.id, started, requested = src](Expected<HttpResponse> res) {
        metrics_.fetch_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        arrived(id, std::move(res), std::nullopt, requested);
      });
  if (!accepted) {
    source_settled(src.id, false);
    log_->warn("source '{}': fetch queue full; polled on a later tick", src.id);
  }
}

// Answers arriving within kGroupCommitMs share one transaction; when as many as the request
// cap have piled up, they are handled at once.
void Poller::schedule_flush() {
  if (!io_) return;
  if (pending_.size() >= max_pending_) {
    if (flush_timer_) flush_timer_->cancel();
    if (!flush_now_posted_) {
      flush_now_posted_ = true;
      boost::asio::post(*io_, [this] {
        flush_now_posted_ = false;
        handle_pending();
      });
    }
  } else if (!flush_posted_) {
    flush_posted_ = true;
    flush_timer_ = std::make_unique<boost::asio::steady_timer>(
        *io_, std::chrono::milliseconds(kGroupCommitMs));
    flush_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) handle_pending();
    });
  }
}

struct Poller::BatchJob {
  std::vector<PendingAnswer> answers;
  std::unordered_set<std::string> blamed;  // of the batch's sources, those with crashes > 0
  bool stopping = false;
  // Filled by the store job.
  std::vector<PollStats> results;
  std::vector<char> handled, crashes_cleared;
  std::vector<std::optional<int64_t>> next_due;  // wall-clock, read after the commit
  PollStats committed_stats;
  bool committed = false;
  std::string error;
  size_t store_failures = 0;  // answers that failed at the store
};

void Poller::handle_pending() {
  flush_posted_ = false;
  if (pending_.empty() || committing_ || !queue_) return;
  committing_ = true;
  auto b = std::make_shared<BatchJob>();
  b->answers.swap(pending_);
  b->stopping = stopping_;
  for (const PendingAnswer& a : b->answers) {
    if (blamed_.count(a.id)) b->blamed.insert(a.id);
  }
  queue_->submit([this, b] { commit_batch(*b); }, [this, b] { batch_done(*b); });
}

// On the store's thread: one transaction for the batch, a savepoint per answer; then each
// handled source's schedule as the store now has it.
void Poller::commit_batch(BatchJob& b) {
  const size_t n = b.answers.size();
  b.results.assign(n, PollStats{});
  b.handled.assign(n, 0);
  b.crashes_cleared.assign(n, 0);
  b.next_due.assign(n, std::nullopt);
  const size_t story_mark = monitor_.story_mark();
  try {
    // A store shared with other instances: each answer is a transaction of its own, since
    // each takes its locks once, in one order, and holds them until its commit
    // (article_store.hpp); one fsync per answer, where PostgreSQL's group commit shares it.
    std::optional<Store::Batch> batch;
    if (!store_.shares_stories()) batch.emplace(store_);
    for (size_t i = 0; i < n; ++i) {
      // Handled as the snapshot the Monitor runs has the source (a reload switches it in a
      // store job, before the loop learns of it).
      std::string store_error;
      b.handled[i] = handle_one(b.answers[i], monitor_.source(b.answers[i].id), b.stopping,
                                b.results[i], &store_error);
      if (!store_error.empty()) {
        ++b.store_failures;
        b.error = std::move(store_error);
      }
    }
    if (batch) batch->commit();
    b.committed = true;
  } catch (const sql::StoreError& e) {
    b.error = e.what();
    monitor_.forget_stories_since(story_mark);  // nothing of the batch was stored
  }
  // Each answer was one unit of work on its host's lease: over now, committed or not (what
  // was not committed is claimed again when it is fetched again).
  if (leases_) {
    for (const PendingAnswer& a : b.answers) {
      const std::string& url = a.page ? a.page->url : a.prepared_with ? a.prepared_with->url : "";
      leases_->settle(store_, host_of(url));  // a failed release is written at the renewal
    }
  }
  if (!b.committed) return;
  for (size_t i = 0; i < n; ++i) {
    if (!b.handled[i]) continue;
    // Only what the store kept is counted: logs, the summary and metrics agree with the rows.
    b.committed_stats += b.results[i];
    const PendingAnswer& a = b.answers[i];
    if (a.page) continue;
    try {
      if (auto st = store_.source(a.id)) b.next_due[i] = st->next_due;
      if (b.blamed.count(a.id)) {
        store_.clear_crashes(a.id);
        b.crashes_cleared[i] = 1;
      }
    } catch (const sql::StoreError& e) {
      log_->error("source '{}': store: {} (its schedule is read again later)", a.id, e.what());
    }
  }
  monitor_.committed(b.committed_stats);
}

void Poller::batch_done(BatchJob& b) {
  committing_ = false;
  std::vector<std::string> retry_later;
  // Not ready when nothing of the batch reached the store (one answer's failure on a shared
  // store, a lock wait that timed out, is that answer's).
  health_.store_ok = b.committed && (b.store_failures == 0 || b.store_failures < b.answers.size());
  if (!b.committed) {
    log_->error("store: {}; {} answers will be fetched again", b.error, b.answers.size());
  }
  for (size_t i = 0; i < b.answers.size(); ++i) {
    const PendingAnswer& a = b.answers[i];
    if (a.page) {
      pages_in_flight_.erase(a.page->source_id + "\n" + a.page->url);
      continue;
    }
    source_settled(a.id, true);  // commit_batch settled its lease
    // Unless the store says otherwise.
    next_due_[a.id] = SteadyClock::now() + std::chrono::seconds(kStoreRetrySeconds);
    if (b.committed && b.handled[i] && b.next_due[i]) next_due_[a.id] = steady_due(*b.next_due[i]);
    if (b.committed && b.crashes_cleared[i]) blamed_.erase(a.id);
    if (once_ && !stopping_ && !(b.committed && b.handled[i])) {
      if (++once_store_retries_[a.id] <= kOnceStoreRetries) {
        // `--once` promised this source a poll: it is asked for again rather than left out.
        retry_later.push_back(a.id);
      } else {
        ++totals_.failed;
        log_->error("source '{}': not stored after {} tries; left for the next run", a.id,
                    kOnceStoreRetries + 1);
      }
    }
  }
  if (!retry_later.empty()) retry_denied_later(std::move(retry_later));
  if (b.committed) totals_ += b.committed_stats;
  if (!stopping_) {
    // Room for more sources: what a batch commits makes room for as many new fetches.
    if (!once_queue_.empty()) {
      poll_queued();
    } else if (!once_) {
      poll_due();
    }
  }
  if (!stopping_ && b.committed) {
    pump_pages();  // the pages this batch queued, at once
    if (b.committed_stats.alerts > 0 && deliverer_ && !once_) deliverer_->pump();
  }
  if (!pending_.empty()) schedule_flush();  // what arrived while this batch was committed
  follow_lease_renewal();
}

// One answer in its own savepoint: a failure of that source's own (anything but the store)
// is recorded with backoff and rolls back only its writes. False when the answer was not
// handled (the store failed for it, or the loop is stopping and its fetch was cut off).
bool Poller::handle_one(PendingAnswer& a, const SourceConfig* src, bool stopping, PollStats& stats,
                        std::string* store_error) {
  // Outside a batch (a shared store) a failed answer's transaction is its own: the next one
  // begins afresh.
  const bool own_transaction = store_.shares_stories();
  if (!src) return false;  // removed by a reload while in flight
  const Expected<HttpResponse>& response = *a.response;
  const size_t mark = monitor_.story_mark();
  if (stopping && !response) return false;  // cut off by the shutdown: not a failure
  if (a.prepared_with &&
      (a.prepared_with->type != src->type || a.prepared_with->url != src->url ||
       a.prepared_with->links != src->links || a.prepared_with->full_text != src->full_text)) {
    // A reload changed what the answer means while it was in flight: fetched again.
    log_->info("source '{}': changed by a reload while its answer was in flight; polled again",
               a.id);
    return false;
  }
  try {
    Store::Batch savepoint(store_);
    if (a.prepared) {
      stats = a.page ? monitor_.handle_page(*src, *a.page, response, std::move(*a.prepared))
                     : monitor_.handle_prepared(*src, response, std::move(*a.prepared));
    } else {
      stats = a.page ? monitor_.handle_page(*src, *a.page, response)
                     : monitor_.handle_response(*src, response);
    }
    savepoint.commit();
    return true;
  } catch (const sql::StoreError& e) {
    // SQLite may have rolled back the whole batch (disk full): nothing of it is kept, and
    // going on would write the next answers outside any transaction.
    if (!own_transaction && !store_.in_transaction()) throw;
    monitor_.forget_stories_since(mark);  // its articles were rolled back with its savepoint
    log_->error("source '{}': store: {} (will fetch again)", a.id, e.what());
    if (store_error) *store_error = e.what();
    return false;
  } catch (const std::exception& e) {
    monitor_.forget_stories_since(mark);
    stats = PollStats{};
    ++stats.failed;
    try {
      Store::Batch savepoint(store_);
      if (a.page) {
        // As if the page had failed: a full_text item is stored with the feed's text, an
        // html link is tried again later (and given up on after kMaxPageAttempts).
        log_->error("source '{}': page {}: {}", a.id, a.page->url, e.what());
        try {
          stats = monitor_.handle_page(*src, *a.page,
                                       Error{std::string("processing failed: ") + e.what()});
        } catch (const sql::StoreError&) {
          throw;
        } catch (const std::exception& again) {
          store_.page_fetch_failed(a.id, a.page->url, again.what(), clock_.now(), true);
        }
      } else {
        monitor_.record_processing_failure(*src, e.what());
      }
      savepoint.commit();
      return true;
    } catch (const sql::StoreError& se) {
      if (!own_transaction && !store_.in_transaction()) throw;
      monitor_.forget_stories_since(mark);  // what the fallback filed was rolled back with it
      log_->error("source '{}': store: {} (will fetch again)", a.id, se.what());
      if (store_error) *store_error = se.what();
      return false;
    }
  }
}

}  // namespace rasd
