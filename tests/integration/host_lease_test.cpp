// Host leases (issue 23): instances sharing a store split the hosts of their sources, one
// owner at a time, on both backends; a lease lapses on the database's clock and is taken over;
// a release holds the host for the per-host gap; two connections claiming at once never both
// win a host.
#include <algorithm>
#include <barrier>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "fault_support.hpp"
#include "pg_server.hpp"
#include "rasd/daemon/store.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

std::string owner_of(Store& s, const std::string& host) {
  for (const auto& l : s.host_leases())
    if (l.host == host) return l.owner;
  return "(no row)";
}

}  // namespace

TEST_CASE(
    "store: a host lease has one owner at a time, lapses on the database's clock, and a "
    "release holds the host for the gap",
    "[store][backend]") {
  test::TempDir dir;
  const std::string db = test::store_location(dir.path());
  Store a(db), b(db);
  const std::vector<std::string> hosts = {"a.example", "b.example:8080", "c.example"};

  CHECK(a.claim_hosts("A", {}, 120).empty());
  CHECK(as_set(a.claim_hosts("A", {"a.example", "b.example:8080"}, 120)) ==
        std::set<std::string>{"a.example", "b.example:8080"});
  // B gets only the host nobody holds.
  CHECK(as_set(b.claim_hosts("B", hosts, 120)) == std::set<std::string>{"c.example"});
  CHECK(owner_of(a, "a.example") == "A");
  CHECK(owner_of(a, "c.example") == "B");
  // A claims what it holds again (a new poll of the same host) and renews it.
  CHECK(as_set(a.claim_hosts("A", hosts, 120)) ==
        std::set<std::string>{"a.example", "b.example:8080"});
  CHECK(as_set(a.renew_hosts("A", hosts, 120)) ==
        std::set<std::string>{"a.example", "b.example:8080"});
  CHECK(b.renew_hosts("B", {"a.example"}, 120).empty());

  // The lease's expiry is the database's clock plus the lease.
  const int64_t now = a.database_now();
  for (const auto& l : a.host_leases()) {
    CHECK(l.expires_at >= now + 119);
    CHECK(l.expires_at <= now + 121);
  }

  // A stops renewing a.example (killed): once it lapses, B takes it over; A's renewal then
  // says it was lost.
  test::scalar(db, "UPDATE host_leases SET expires_at = 1 WHERE host = 'a.example'");
  CHECK(as_set(b.claim_hosts("B", {"a.example"}, 120)) == std::set<std::string>{"a.example"});
  CHECK(as_set(a.renew_hosts("A", hosts, 120)) == std::set<std::string>{"b.example:8080"});
  CHECK(owner_of(a, "a.example") == "B");

  // A release by someone else's name changes nothing; the owner's release frees the host for
  // the others once the gap has passed, and the owner may take it again at once (its next
  // answer's page, say).
  a.release_hosts("A", {"a.example", "c.example"}, 0);
  CHECK(owner_of(a, "a.example") == "B");
  b.release_hosts("B", {"a.example"}, 3600);
  CHECK(a.claim_hosts("A", {"a.example"}, 120).empty());
  CHECK(b.claim_hosts("B", {"a.example"}, 120) == std::vector<std::string>{"a.example"});
  b.release_hosts("B", {"c.example"}, 0);
  CHECK(as_set(a.claim_hosts("A", {"c.example"}, 120)) == std::set<std::string>{"c.example"});
}

TEST_CASE("store: two connections claiming the same hosts at once never both win one",
          "[store][backend]") {
  test::TempDir dir;
  const std::string db = test::store_location(dir.path());
  std::vector<std::string> hosts;
  for (int i = 0; i < 40; ++i) hosts.push_back("h" + std::to_string(i) + ".example");
  { Store create(db); }  // the schema first: the race is the claims', not two migrations'
  constexpr int kRounds = 30;
  std::vector<std::vector<std::string>> won[2];
  won[0].resize(kRounds);
  won[1].resize(kRounds);
  // Each round: both claim together, both have claimed before either releases, both have
  // released before the next round (a release before the other's claim would let the other
  // win the host too, legitimately).
  std::barrier sync(2);
  auto claimer = [&](int who) {
    Store s(db);
    const std::string me = who == 0 ? "A" : "B";
    for (size_t round = 0; round < kRounds; ++round) {
      sync.arrive_and_wait();
      won[who][round] = s.claim_hosts(me, hosts, 120);
      sync.arrive_and_wait();
      s.release_hosts(me, won[who][round], 0);
      sync.arrive_and_wait();
    }
  };
  std::thread t0(claimer, 0), t1(claimer, 1);
  t0.join();
  t1.join();
  for (size_t round = 0; round < kRounds; ++round) {
    const auto a = as_set(won[0][round]), b = as_set(won[1][round]);
    std::vector<std::string> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    INFO("round " << round);
    CHECK(both.empty());
    // Every host was free: each went to one of them (a row the other was taking is skipped,
    // and the other took it).
    CHECK(a.size() + b.size() == hosts.size());
  }
}

TEST_CASE(
    "store: a due delivery is claimed by one instance at a time, until its attempt is "
    "recorded or its claim lapses",
    "[store][backend]") {
  test::TempDir dir;
  const std::string db = test::store_location(dir.path());
  Store a(db), b(db);
  NewArticle art;
  art.source_id = "src";
  art.guid = "g1";
  art.title = "t";
  art.fetched_at = 100;
  std::vector<NewAlert> alerts;
  for (int i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    alerts.push_back(
        {"alert_" + n, "r" + n, "high", 100, "{}", {{"msg_" + n, "hook"}}, "", {}, ""});
  }
  REQUIRE(a.insert_article(art, alerts));
  auto ids = [](const std::vector<Delivery>& v) {
    std::set<std::string> out;
    for (const auto& d : v) out.insert(d.id);
    return out;
  };
  // A takes three, B the one left; neither sees the other's.
  const auto first = a.claim_due_deliveries("A", 100, 3, "hook", 120);
  REQUIRE(first.size() == 3);
  CHECK(first.front().payload == "{}");  // whole rows, as due_deliveries() reads them
  const auto second = b.claim_due_deliveries("B", 100, 10, "hook", 120);
  CHECK(second.size() == 1);
  CHECK(ids(first).count(second.front().id) == 0);
  CHECK(b.claim_due_deliveries("B", 100, 10, "hook", 120).size() == 1);  // its own again
  CHECK(b.claim_due_deliveries("B", 100, 10, "other-hook", 120).empty());
  // Not yet due: nobody gets it.
  CHECK(a.claim_due_deliveries("A", 99, 10, "hook", 120).empty());

  // A's attempt on one is recorded (failed, due again at 100): the claim ends with it, and B
  // may take it; A then dies holding the other two, which B takes once their claims lapse.
  const std::string retried = first.front().id;
  a.record_attempts({{retried, 100, 500, "", "pending", 100}});
  auto taken = ids(b.claim_due_deliveries("B", 100, 10, "hook", 120));
  CHECK(taken.count(retried) == 1);
  CHECK(taken.size() == 2);
  test::scalar(db, "UPDATE deliveries SET claim_expires = 1 WHERE claimed_by = 'A'");
  CHECK(ids(b.claim_due_deliveries("B", 100, 10, "hook", 120)).size() == 4);
  // A's late answer for a row whose claim lapsed to B is recorded, and B keeps its claim.
  const std::string lapsed = first.back().id;
  a.record_attempts({{lapsed, 100, 500, "", "pending", 100}}, "A");
  CHECK(test::scalar(db, "SELECT claimed_by FROM deliveries WHERE id = '" + lapsed + "'") == "B");
  // B gives back two it did not send, keeps one in flight (renewed) and stops cleanly: every
  // claim of B's ends, and A (restarted) takes them all.
  const auto held = b.claim_due_deliveries("B", 100, 10, "hook", 120);
  REQUIRE(held.size() == 4);
  b.release_delivery_claims("B", {held[0].id, held[1].id});
  CHECK(a.claim_due_deliveries("A", 100, 2, "hook", 120).size() == 2);
  b.renew_delivery_claims("B", {held[2].id}, 3600);
  CHECK(test::scalar(db,
                     "SELECT count(*) FROM deliveries WHERE claimed_by = 'B' AND "
                     "claim_expires > " +
                         std::to_string(b.database_now() + 3000)) == "1");
  b.release_owner("B", 0);
  CHECK(test::scalar(db, "SELECT count(*) FROM deliveries WHERE claimed_by = 'B'") == "0");
  CHECK(a.claim_due_deliveries("A", 100, 10, "hook", 120).size() == 4);
  // Whoever sends it, a row keeps its id (the webhook-id of every attempt).
  CHECK(ids(b.deliveries("pending")) == std::set<std::string>{"msg_0", "msg_1", "msg_2", "msg_3"});
}
