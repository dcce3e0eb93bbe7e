// Store: durable follow-up page fetches, the poison-source guard's counters, and moving the
// stored schedules when the wall clock jumps.
#include "rasd/daemon/store.hpp"

namespace rasd {
namespace {

constexpr std::string_view kPageColumns =
    "source_id, url, coalesce(teaser, ''), attempts, next_attempt, state, last_error, created_at";

PageFetch read_page(const sql::Statement& s) {
  PageFetch p;
  p.source_id = s.text(0);
  p.url = s.text(1);
  p.teaser = s.text(2);
  p.attempts = s.int64(3);
  p.next_attempt = s.int64(4);
  p.state = s.text(5);
  p.last_error = s.text(6);
  p.created_at = s.int64(7);
  return p;
}

}  // namespace

bool Store::queue_page_fetch(const PageFetch& p) {
  Lease s = cached(
      "INSERT INTO page_fetches(source_id, url, teaser, next_attempt, created_at) "
      "VALUES(?1, ?2, nullif(?3, ''), ?4, ?5) ON CONFLICT(source_id, url) DO NOTHING");
  s->bind(1, p.source_id).bind(2, p.url).bind(3, p.teaser).bind(4, p.next_attempt);
  s->bind(5, p.created_at).run();
  return db_->changes() > 0;
}

bool Store::page_fetch_known(const std::string& source_id, const std::string& url) {
  Lease s = cached("SELECT 1 FROM page_fetches WHERE source_id = ?1 AND url = ?2");
  s->bind(1, source_id).bind(2, url);
  return s->step();
}

std::vector<PageFetch> Store::due_page_fetches(int64_t now, int limit) {
  Lease s = cached("SELECT " + std::string(kPageColumns) +
                   " FROM page_fetches WHERE state = 'pending' AND next_attempt <= ?1 "
                   "ORDER BY next_attempt, rowid LIMIT ?2");
  s->bind(1, now).bind(2, int64_t{limit});
  std::vector<PageFetch> out;
  while (s->step()) out.push_back(read_page(*s));
  return out;
}

std::vector<PageFetch> Store::page_fetches(const std::string& state) {
  sql::Query s(*db_, "SELECT " + std::string(kPageColumns) +
                         " FROM page_fetches WHERE ?1 = '' OR state = ?1 ORDER BY rowid");
  s.bind(1, state);
  std::vector<PageFetch> out;
  while (s.step()) out.push_back(read_page(s));
  return out;
}

void Store::page_fetch_done(const std::string& source_id, const std::string& url) {
  cached("DELETE FROM page_fetches WHERE source_id = ?1 AND url = ?2")
      ->bind(1, source_id)
      .bind(2, url)
      .run();
}

void Store::defer_page_fetch(const std::string& source_id, const std::string& url, int64_t until) {
  cached("UPDATE page_fetches SET next_attempt = ?3 WHERE source_id = ?1 AND url = ?2")
      ->bind(1, source_id)
      .bind(2, url)
      .bind(3, until)
      .run();
}

int64_t Store::shift_schedules(int64_t delta) {
  Batch batch(*this);
  int64_t moved = 0;
  for (const char* sql :
       {"UPDATE sources SET next_due = next_due + ?1 WHERE next_due > 0",
        "UPDATE page_fetches SET next_attempt = next_attempt + ?1 WHERE state = 'pending'",
        "UPDATE deliveries SET next_attempt = next_attempt + ?1 WHERE state = 'pending'",
        // Threshold episodes' clocks (update gap, age): measured on the daemon's clock.
        "UPDATE threshold_episodes SET opened_at = opened_at + ?1, "
        "last_update_at = last_update_at + ?1",
        // Coverage conditions and rate-limit notices: also the daemon's clock.
        "UPDATE coverage SET since = since + ?1",
        "UPDATE held_back SET first_at = first_at + ?1, notice_due = notice_due + ?1"}) {
    cached(sql)->bind(1, delta).run();
    moved += db_->changes();
  }
  batch.commit();
  return moved;
}

void Store::page_fetch_failed(const std::string& source_id, const std::string& url,
                              const std::string& error, int64_t next_attempt, bool dead) {
  cached(
      "UPDATE page_fetches SET attempts = attempts + 1, last_error = ?3, next_attempt = ?4, "
      "state = ?5 WHERE source_id = ?1 AND url = ?2")
      ->bind(1, source_id)
      .bind(2, url)
      .bind(3, error)
      .bind(4, next_attempt)
      .bind(5, std::string(dead ? "dead" : "pending"))
      .run();
}

int64_t Store::page_fetch_count(const std::string& state) {
  Lease s = cached("SELECT count(*) FROM page_fetches WHERE state = ?1");
  s->bind(1, state);
  s->step();
  return s->int64(0);
}

int64_t Store::blame_crash(const std::string& id) {
  sql::Query(*db_, "UPDATE sources SET crashes = crashes + 1 WHERE id = ?1").bind(1, id).run();
  sql::Query s(*db_, "SELECT crashes FROM sources WHERE id = ?1");
  s.bind(1, id);
  return s.step() ? s.int64(0) : 0;
}

void Store::clear_crashes(const std::string& id) {
  cached("UPDATE sources SET crashes = 0 WHERE id = ?1 AND crashes <> 0")->bind(1, id).run();
}

void Store::quarantine_source(const std::string& id, int64_t at, const std::string& reason) {
  sql::Query(*db_, "UPDATE sources SET quarantined_at = ?2, quarantine_reason = ?3 WHERE id = ?1")
      .bind(1, id)
      .bind(2, at)
      .bind(3, reason)
      .run();
}

bool Store::release_source(const std::string& id) {
  sql::Query(*db_,
             "UPDATE sources SET quarantined_at = NULL, quarantine_reason = '', crashes = 0 "
             "WHERE id = ?1")
      .bind(1, id)
      .run();
  return db_->changes() > 0;
}

}  // namespace rasd
