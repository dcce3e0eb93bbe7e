// The Poller's follow-up pages (poller.hpp): durable rows in the store, handed to the fetcher a
// bounded number at a time, each under its host's lease when instances share the store.
#include <spdlog/spdlog.h>

#include <unordered_set>

#include "poller.hpp"

namespace rasd {

// Hands the due follow-up pages to the fetcher (they are durable rows: one refused now is
// offered again at the next call). The rows are read by a store job; one read at a time.
void Poller::pump_pages() {
  if (!fetcher_ || !queue_ || stopping_) return;
  if (pages_reading_) {
    pages_again_ = true;
    return;
  }
  // Pages wait in the store, not in the fetcher's queue: a bounded number is handed out.
  const size_t cap = max_pages_in_flight();
  if (pages_in_flight_.size() >= cap) return;
  pages_reading_ = true;
  struct Read {
    std::vector<PageFetch> due;
    std::string error;
  };
  auto read = std::make_shared<Read>();
  const int limit = kPagesPerPump + static_cast<int>(pages_in_flight_.size());
  queue_->submit(
      // The clock is read on the store's thread, in the same terms as the rows it compares.
      [this, read, limit] {
        try {
          read->due = store_.due_page_fetches(clock_.now(), limit);
          if (leases_ && !read->due.empty()) {
            // Only the pages whose host this instance now holds; the others wait in the store
            // for the instance that holds theirs.
            std::vector<std::string> hosts;
            hosts.reserve(read->due.size());
            for (const PageFetch& p : read->due) hosts.push_back(host_of(p.url));
            const auto go = leases_->claim(store_, hosts);
            // Read again under the leases: a page another instance fetched before this one
            // took its host is no longer due (the order submit_polls keeps too).
            std::unordered_set<std::string> still;
            try {
              for (const PageFetch& p : store_.due_page_fetches(clock_.now(), limit))
                still.insert(p.source_id + "\n" + p.url);
            } catch (const sql::StoreError&) {
              for (size_t i = 0; i < go.size(); ++i)
                if (go[i]) leases_->settle(store_, hosts[i]);  // none of them is fetched
              throw;
            }
            std::vector<PageFetch> ours;
            for (size_t i = 0; i < go.size(); ++i) {
              if (!go[i]) continue;
              if (still.count(read->due[i].source_id + "\n" + read->due[i].url)) {
                ours.push_back(std::move(read->due[i]));
              } else {
                leases_->settle(store_, hosts[i]);
              }
            }
            read->due = std::move(ours);
          }
        } catch (const sql::StoreError& e) {
          read->error = e.what();
        }
      },
      [this, read] {
        pages_reading_ = false;
        if (!read->error.empty()) {
          log_->error("store: {} (due pages read again later)", read->error);
          health_.store_ok = false;
        } else {
          submit_pages(read->due);
        }
        if (pages_again_) {
          pages_again_ = false;
          pump_pages();
        }
        follow_lease_renewal();
      });
}

void Poller::submit_pages(const std::vector<PageFetch>& due) {
  // Leasing: each page of `due` holds a unit on its host's lease until its answer's batch is
  // over; the pages not handed to the fetcher here give theirs back at once.
  std::vector<std::string> unused;
  auto give_back = [&](const PageFetch& p) {
    if (leases_) unused.push_back(host_of(p.url));
  };
  if (!fetcher_ || stopping_ || !config_) {
    for (const PageFetch& p : due) give_back(p);
    settle_hosts(std::move(unused));
    return;
  }
  const size_t cap = max_pages_in_flight();
  auto deferred = std::make_shared<std::vector<PageFetch>>();
  size_t next = 0;
  for (; next < due.size(); ++next) {
    const PageFetch& p = due[next];
    if (pages_in_flight_.size() >= cap) break;
    const std::string key = p.source_id + "\n" + p.url;
    if (pages_in_flight_.count(key)) {
      give_back(p);
      continue;
    }
    const SourceConfig* src = source(p.source_id);
    if (!src || quarantined_.count(p.source_id)) {
      // Removed from the config or quarantined: the row waits (visible) out of the others'
      // way, and is looked at again in an hour.
      deferred->push_back(p);
      give_back(p);
      continue;
    }
    pages_in_flight_.insert(key);
    const bool accepted = fetcher_->submit(article_request(config_->defaults, *src, p.url),
                                           [this, p, requested = *src](Expected<HttpResponse> res) {
                                             arrived(p.source_id, std::move(res), p, requested);
                                           });
    if (!accepted) {
      pages_in_flight_.erase(key);
      break;
    }
  }
  for (; next < due.size(); ++next) give_back(due[next]);
  settle_hosts(std::move(unused));
  if (deferred->empty()) return;
  queue_->submit(
      [&store = store_, &clock = clock_, deferred, log = log_] {
        try {
          const int64_t until = clock.now() + 3600;
          for (const PageFetch& p : *deferred) store.defer_page_fetch(p.source_id, p.url, until);
        } catch (const sql::StoreError& e) {
          log->error("store: {} (pages of removed sources deferred later)", e.what());
        }
      },
      [] {});
}

}  // namespace rasd
