// Grouping and digests (alerting.md): deliveries that wait under a group key (group_key.hpp)
// are folded into one alert.group or alert.digest delivery when their group is due.
//
// When a group is due: a group of a grouping webhook `group_wait` after its oldest waiting
// delivery was queued, and not before `group_interval` after the group last went out; a
// digest at the end of the digest period its oldest waiting delivery falls in. `flush` (the
// end of `rasd run --once`) forms every group at once; digests keep to their periods.
//
// At most kMaxGroupsPerPass groups form per call, each in its own transaction, with the members
// read and folded in that transaction. A body lists the newest kGroupListed (kDigestListed)
// alerts in full and says how many it
// folded in all; every alert stays in the store (`rasd alerts`). The group delivery is then an
// ordinary delivery: its webhook-id never changes across retries.
//
// Thread safety: form_due_groups() runs inside a store job (it uses the Store); the body
// builders are pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/store.hpp"

namespace rasd {

inline constexpr int kGroupListed = 100;
inline constexpr int kDigestListed = 200;
inline constexpr int kMaxGroupsPerPass = 50;  // groups formed per pass (each a transaction)

struct GroupingStats {
  int groups = 0;     // group and digest deliveries formed
  int grouped = 0;    // waiting deliveries folded into them
  std::string error;  // the first group that could not form (it waits for the next pass)
};

// When the waiting group `g` of `hook` is due (see above).
int64_t group_due_at(const WebhookConfig& hook, const WaitingGroup& g);

// Forms the due groups of the configured webhooks, each in its own transaction; a group that
// fails (the store) is skipped and named in `error`. Throws sql::StoreError when the store
// cannot even list the waiting groups.
GroupingStats form_due_groups(Store& store, const std::vector<WebhookConfig>& hooks, int64_t now,
                              bool flush);

// The alert.group body: `members` newest first (those with a payload are listed), `total` of
// them folded in all.
std::string group_body(const std::string& id, int64_t now, const std::string& key,
                       const std::vector<GroupMember>& members);
// The alert.digest body for the period [from, to), formed at `now`: listed alerts by rule,
// then by story, each level newest first.
std::string digest_body(const std::string& id, int64_t from, int64_t to, int64_t now,
                        const std::vector<GroupMember>& members);

}  // namespace rasd
