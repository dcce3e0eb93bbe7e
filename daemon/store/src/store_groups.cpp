// Store: deliveries waiting to be grouped, and the group deliveries that replace them.
#include "rasd/daemon/store.hpp"

namespace rasd {

std::vector<WaitingGroup> Store::waiting_groups() {
  // deliveries_waiting index; a group's last send from delivery_groups (one row per group:
  // max() only because PostgreSQL wants every selected column grouped or aggregated).
  Lease s = cached(
      "SELECT d.webhook, d.group_key, min(d.next_attempt), count(*), max(g.last_sent_at) "
      "FROM deliveries d INDEXED BY deliveries_waiting LEFT JOIN delivery_groups g ON "
      "g.webhook = d.webhook AND "
      "g.group_key = d.group_key WHERE d.state = 'pending' AND d.group_key <> '' "
      "GROUP BY d.webhook, d.group_key");
  std::vector<WaitingGroup> out;
  while (s->step())
    out.push_back({s->text(0), s->text(1), s->int64(2), s->int64(3), s->opt_int64(4)});
  return out;
}

int64_t Store::fold_group(
    const std::string& webhook, const std::string& key, int64_t cutoff, int with_payload,
    int64_t sent_at,
    const std::function<NewGroupDelivery(const std::vector<GroupMember>&)>& build) {
  sql::Transaction tx(*db_);
  std::vector<GroupMember> members;
  {
    // deliveries_waiting index (its WHERE is implied by this one's).
    Lease s = cached(
        "SELECT d.id, d.alert_id, d.next_attempt, CASE WHEN row_number() OVER "
        "(ORDER BY d.next_attempt DESC, d.rowid DESC) <= ?4 THEN coalesce(d.payload, a.payload) "
        "ELSE '' END FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
        "WHERE d.state = 'pending' AND d.group_key <> '' AND d.webhook = ?1 AND "
        "d.group_key = ?2 AND d.next_attempt < ?3 ORDER BY d.next_attempt DESC, d.rowid DESC");
    s->bind(1, webhook).bind(2, key).bind(3, cutoff).bind(4, int64_t{with_payload});
    while (s->step()) members.push_back({s->text(0), s->text(1), s->int64(2), s->text(3)});
  }
  if (members.empty()) return 0;
  const NewGroupDelivery g = build(members);
  cached(
      "INSERT INTO deliveries(id, alert_id, webhook, next_attempt, payload) "
      "VALUES(?1,?2,?3,?4,?5)")
      ->bind(1, g.id)
      .bind(2, g.alert_id)
      .bind(3, webhook)
      .bind(4, g.at)
      .bind(5, g.payload)
      .run();
  cached(
      "UPDATE deliveries SET state = 'grouped', group_id = ?4 WHERE state = 'pending' AND "
      "group_key <> '' AND webhook = ?1 AND group_key = ?2 AND next_attempt < ?3")
      ->bind(1, webhook)
      .bind(2, key)
      .bind(3, cutoff)
      .bind(4, g.id)
      .run();
  const auto folded = static_cast<int64_t>(db_->changes());
  if (folded != static_cast<int64_t>(members.size()))
    throw sql::StoreError("group '" + key + "' of webhook '" + webhook + "' changed while forming",
                          0);
  cached(
      "INSERT INTO delivery_groups(webhook, group_key, last_sent_at, sent) VALUES(?1,?2,?3,1) "
      "ON CONFLICT(webhook, group_key) DO UPDATE SET last_sent_at = ?3, sent = "
      "delivery_groups.sent + 1")
      ->bind(1, webhook)
      .bind(2, key)
      .bind(3, sent_at)
      .run();
  tx.commit();
  return folded;
}

int64_t Store::ungroup_waiting(const std::string& webhook) {
  Lease s = cached(
      "UPDATE deliveries SET group_key = '' WHERE webhook = ?1 AND state = 'pending' AND "
      "group_key <> ''");
  s->bind(1, webhook).run();
  return static_cast<int64_t>(db_->changes());
}

}  // namespace rasd
