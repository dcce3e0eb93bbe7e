// Store: host leases and delivery claims (store.hpp), how instances sharing one store split
// the work: sources and pages by host, the outbox by row.
//
// Each call is one statement in its own transaction, with the hosts passed as one JSON array
// (one round trip however many hosts). Times are the database's clock: instances whose clocks
// disagree still agree on when a lease lapses. On PostgreSQL the claim locks the rows it takes
// with FOR UPDATE SKIP LOCKED, so two instances claiming at once never wait for each other and
// never both win a host: a row the other is taking is skipped, and the claim's condition is
// checked again on the row as the other left it (READ COMMITTED re-reads an updated row).

#include "rasd/daemon/store.hpp"
#include "store_rows.hpp"

namespace rasd {
namespace {

struct Dialected {
  std::string now;   // the database's clock in Unix seconds
  std::string lock;  // row locks taken by the claim's subquery
  bool pg;
  // A subquery over a JSON array of strings (hosts, ids) bound as ?n.
  std::string hosts_at(int n) const {
    const std::string p = "?" + std::to_string(n);
    return pg ? "SELECT value FROM json_array_elements_text(CAST(" + p + " AS json))"
              : "SELECT value FROM json_each(" + p + ")";
  }
  std::string hosts() const { return hosts_at(2); }
};

Dialected dialected(sql::Dialect d) {
  if (d == sql::Dialect::postgres) {
    return {"CAST(floor(extract(epoch FROM now())) AS BIGINT)", " FOR UPDATE SKIP LOCKED", true};
  }
  return {"CAST(strftime('%s', 'now') AS INTEGER)", "", false};
}

}  // namespace

std::vector<std::string> Store::claim_hosts(const std::string& owner,
                                            const std::vector<std::string>& hosts,
                                            int64_t lease_seconds) {
  std::vector<std::string> out;
  if (hosts.empty()) return out;
  const Dialected d = dialected(db_->dialect());
  const std::string list = detail::json_string_array(hosts);
  {
    // The rows first (a host seen for the first time), so that the claim below can lock them.
    // (SQLite needs the WHERE to read ON CONFLICT as the upsert's, not a join's.)
    Lease add = cached("INSERT INTO host_leases(host) SELECT h.value FROM (" + d.hosts_at(1) +
                       ") AS h WHERE h.value IS NOT NULL ON CONFLICT(host) DO NOTHING");
    add->bind(1, list);
    add->run();
  }
  Lease claim =
      cached("UPDATE host_leases SET owner = ?1, expires_at = " + d.now +
             " + ?3 WHERE host IN (SELECT l.host FROM host_leases l WHERE l.host IN (" + d.hosts() +
             ") AND (l.owner = ?1 OR l.expires_at <= " + d.now + ")" + d.lock + ") RETURNING host");
  claim->bind(1, owner).bind(2, list).bind(3, lease_seconds);
  while (claim->step()) out.push_back(claim->text(0));
  return out;
}

std::vector<std::string> Store::renew_hosts(const std::string& owner,
                                            const std::vector<std::string>& hosts,
                                            int64_t lease_seconds) {
  std::vector<std::string> out;
  if (hosts.empty()) return out;
  const Dialected d = dialected(db_->dialect());
  // A lapsed lease nobody took is still the owner's: nobody else can have started on it.
  Lease renew = cached("UPDATE host_leases SET expires_at = " + d.now +
                       " + ?3 WHERE owner = ?1 AND host IN (" + d.hosts() + ") RETURNING host");
  renew->bind(1, owner).bind(2, detail::json_string_array(hosts)).bind(3, lease_seconds);
  while (renew->step()) out.push_back(renew->text(0));
  return out;
}

void Store::release_hosts(const std::string& owner, const std::vector<std::string>& hosts,
                          int64_t gap_seconds) {
  if (hosts.empty()) return;
  const Dialected d = dialected(db_->dialect());
  // The owner stays: it may start on the host again at once (its own gap is its Fetcher's),
  // while the others wait for the gap, as for a lapsed lease.
  Lease release =
      cached("UPDATE host_leases SET expires_at = " + d.now + " + ?3, not_before = " + d.now +
             " + ?3 WHERE owner = ?1 AND host IN (" + d.hosts() + ")");
  release->bind(1, owner).bind(2, detail::json_string_array(hosts)).bind(3, gap_seconds);
  release->run();
}

void Store::release_owner(const std::string& owner, int64_t gap_seconds) {
  const Dialected d = dialected(db_->dialect());
  sql::Transaction tx(*db_);
  sql::Query(*db_, "UPDATE host_leases SET expires_at = " + d.now + " + ?2, not_before = " + d.now +
                       " + ?2 WHERE owner = ?1 AND expires_at > " + d.now + " + ?2")
      .bind(1, owner)
      .bind(2, gap_seconds)
      .run();
  sql::Query(*db_, "UPDATE deliveries SET claimed_by = '', claim_expires = 0 WHERE claimed_by = ?1")
      .bind(1, owner)
      .run();
  tx.commit();
}

std::vector<Delivery> Store::claim_due_deliveries(const std::string& owner, int64_t now, int limit,
                                                  const std::string& webhook,
                                                  int64_t lease_seconds) {
  const Dialected d = dialected(db_->dialect());
  std::vector<std::string> ids;
  {
    Lease claim = cached(
        "UPDATE deliveries SET claimed_by = ?4, claim_expires = " + d.now +
        " + ?5 WHERE id IN (SELECT c.id FROM deliveries c WHERE c.state = 'pending' AND "
        "c.group_key = '' AND c.webhook = ?3 AND c.next_attempt <= ?1 AND (c.claimed_by = '' OR "
        "c.claimed_by = ?4 OR c.claim_expires <= " +
        d.now + ") ORDER BY c.next_attempt LIMIT ?2" + d.lock + ") RETURNING id");
    claim->bind(1, now)
        .bind(2, int64_t{limit})
        .bind(3, webhook)
        .bind(4, owner)
        .bind(5, lease_seconds);
    while (claim->step()) ids.push_back(claim->text(0));
  }
  std::vector<Delivery> out;
  if (ids.empty()) return out;
  Lease rows = cached(std::string(detail::kDeliverySelect) + "WHERE d.id IN (" + d.hosts_at(1) +
                      ") ORDER BY d.next_attempt, d.id");
  rows->bind(1, detail::json_string_array(ids));
  while (rows->step()) out.push_back(detail::read_delivery(*rows));
  return out;
}

void Store::renew_delivery_claims(const std::string& owner, const std::vector<std::string>& ids,
                                  int64_t lease_seconds) {
  if (ids.empty()) return;
  const Dialected d = dialected(db_->dialect());
  Lease renew = cached("UPDATE deliveries SET claim_expires = " + d.now +
                       " + ?3 WHERE claimed_by = ?1 AND id IN (" + d.hosts() + ")");
  renew->bind(1, owner).bind(2, detail::json_string_array(ids)).bind(3, lease_seconds);
  renew->run();
}

void Store::release_delivery_claims(const std::string& owner, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  const Dialected d = dialected(db_->dialect());
  Lease release = cached(
      "UPDATE deliveries SET claimed_by = '', claim_expires = 0 WHERE "
      "claimed_by = ?1 AND id IN (" +
      d.hosts() + ")");
  release->bind(1, owner).bind(2, detail::json_string_array(ids));
  release->run();
}

std::vector<HostLease> Store::host_leases() {
  std::vector<HostLease> out;
  sql::Query q(*db_, "SELECT host, owner, expires_at, not_before FROM host_leases ORDER BY host");
  while (q.step()) out.push_back({q.text(0), q.text(1), q.int64(2), q.int64(3)});
  return out;
}

int64_t Store::database_now() {
  sql::Query q(*db_, "SELECT " + dialected(db_->dialect()).now);
  q.step();
  return q.int64(0);
}

}  // namespace rasd
