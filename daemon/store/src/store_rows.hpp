// Internal to the store: reading an alert row, shared by the files that select alerts.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "rasd/daemon/sqlite.hpp"
#include "rasd/daemon/store_types.hpp"

namespace rasd::detail {

// A list bound as one parameter (json_each on SQLite, json_array_elements_text on PostgreSQL):
// strings as they are; integers as strings, signed as PostgreSQL's bigint, which keeps all 64
// bits.
inline std::string json_string_array(const std::vector<std::string>& items) {
  boost::json::array a;
  a.reserve(items.size());
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}
template <class Int>
std::string json_integer_array(const std::vector<Int>& values) {
  boost::json::array a;
  a.reserve(values.size());
  for (const Int v : values) a.emplace_back(std::to_string(static_cast<int64_t>(v)));
  return boost::json::serialize(a);
}

// The columns read_alert() reads, in its order.
inline constexpr std::string_view kAlertColumns =
    "id, rule_id, severity, article_id, created_at, payload, silenced_by, acked_by, acked_at, "
    "ack_note, held_back, cluster";

// The row of a statement that selected kAlertColumns from column `first` on.
inline StoredAlert read_alert(const sql::Statement& s, int first = 0) {
  const int f = first;
  return {s.text(f),          s.text(f + 1), s.text(f + 2),        s.int64(f + 3),
          s.int64(f + 4),     s.text(f + 5), s.text(f + 6),        s.text(f + 7),
          s.opt_int64(f + 8), s.text(f + 9), s.int64(f + 10) != 0, s.text(f + 11)};
}

// What read_delivery() reads, up to the WHERE clause.
inline constexpr std::string_view kDeliverySelect =
    "SELECT d.id, d.alert_id, d.webhook, d.state, d.attempts, d.next_attempt, d.last_status, "
    "d.last_error, d.delivered_at, coalesce(d.payload, a.payload), coalesce(d.group_id, '') "
    "FROM deliveries d JOIN alerts a "
    "ON a.id = d.alert_id ";

// A delivery row: id, alert_id, webhook, state, attempts, next_attempt, last_status,
// last_error, delivered_at, payload, group_id.
inline Delivery read_delivery(const sql::Statement& s) {
  Delivery d;
  d.id = s.text(0);
  d.alert_id = s.text(1);
  d.webhook = s.text(2);
  d.state = s.text(3);
  d.attempts = s.int64(4);
  d.next_attempt = s.int64(5);
  d.last_status = s.opt_int64(6);
  d.last_error = s.text(7);
  d.delivered_at = s.opt_int64(8);
  d.payload = s.text(9);
  d.group_id = s.text(10);
  return d;
}

// A row of "SELECT id, source_id, guid, url, title, body, author, lang, published, fetched_at".
inline void read_article(const sql::Statement& s, StoredArticle& a) {
  a.id = s.int64(0);
  a.source_id = s.text(1);
  a.guid = s.text(2);
  a.url = s.text(3);
  a.title = s.text(4);
  a.body = s.text(5);
  a.author = s.text(6);
  a.lang = s.text(7);
  a.published = s.opt_int64(8);
  a.fetched_at = s.int64(9);
}

}  // namespace rasd::detail
