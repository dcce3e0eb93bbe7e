#include "rasd/daemon/grouping.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "rasd/daemon/digest_time.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/group_key.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {
namespace json = boost::json;
namespace {

// A stored payload is rasd's own JSON; one that does not parse is listed as its text.
json::value parsed(const std::string& payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec) return json::value(payload);
  return v;
}

const json::value* member_of(const json::value& v, std::string_view key) {
  return v.is_object() ? v.get_object().if_contains(key) : nullptr;
}

std::string string_of(const json::value* v, std::string_view key) {
  const json::value* f = v ? member_of(*v, key) : nullptr;
  return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

json::object counts(size_t listed, size_t total, int64_t first, int64_t last) {
  return json::object{{"count", total},
                      {"listed", listed},
                      {"omitted", total - listed},
                      {"first_at", dates::format_rfc3339(first)},
                      {"last_at", dates::format_rfc3339(last)}};
}

}  // namespace

int64_t group_due_at(const WebhookConfig& hook, const WaitingGroup& g) {
  if (hook.digest) return next_digest_at(*hook.digest, g.oldest);
  const int64_t after_wait = g.oldest + hook.group_wait;
  return g.last_sent ? std::max(after_wait, *g.last_sent + hook.group_interval) : after_wait;
}

std::string group_body(const std::string& id, int64_t now, const std::string& key,
                       const std::vector<GroupMember>& members) {
  json::object k;
  for (const auto& [name, value] : group_key_fields(key)) k[name] = value;
  json::array alerts;
  for (const auto& m : members) {
    if (!m.payload.empty()) alerts.push_back(parsed(m.payload));
  }
  json::object group =
      counts(alerts.size(), members.size(), members.empty() ? now : members.back().queued_at,
             members.empty() ? now : members.front().queued_at);
  group["key"] = std::move(k);
  json::object o{{"type", "alert.group"},
                 {"id", id},
                 {"created_at", dates::format_rfc3339(now)},
                 {"group", std::move(group)},
                 {"alerts", std::move(alerts)}};
  return json::serialize(o);
}

std::string digest_body(const std::string& id, int64_t from, int64_t to, int64_t now,
                        const std::vector<GroupMember>& members) {
  // Members come newest first, so each rule and story appears in the order of its newest.
  struct Story {
    json::value cluster;
    json::array alerts;
  };
  struct Rule {
    json::value rule;
    std::vector<std::string> order;
    std::map<std::string, Story> stories;
    size_t listed = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Rule> rules;
  size_t listed = 0;
  for (const auto& m : members) {
    if (m.payload.empty()) continue;
    ++listed;
    json::value v = parsed(m.payload);
    const json::value* rule = member_of(v, "rule");
    const std::string rule_id = string_of(rule, "id");
    auto [r, new_rule] = rules.try_emplace(rule_id);
    if (new_rule) {
      order.push_back(rule_id);
      r->second.rule = rule ? *rule : json::value(nullptr);
    }
    ++r->second.listed;
    const json::value* cluster = member_of(v, "cluster");
    std::string story_id = string_of(cluster, "id");
    if (story_id.empty()) story_id = m.alert_id;
    auto [st, new_story] = r->second.stories.try_emplace(story_id);
    if (new_story) {
      r->second.order.push_back(story_id);
      st->second.cluster = cluster ? *cluster : json::value(nullptr);
    }
    st->second.alerts.push_back(std::move(v));
  }
  json::array by_rule;
  for (const auto& rule_id : order) {
    Rule& r = rules[rule_id];
    json::array stories;
    for (const auto& story_id : r.order) {
      Story& st = r.stories[story_id];
      stories.push_back(
          json::object{{"cluster", std::move(st.cluster)}, {"alerts", std::move(st.alerts)}});
    }
    by_rule.push_back(json::object{
        {"rule", std::move(r.rule)}, {"listed", r.listed}, {"stories", std::move(stories)}});
  }
  json::object digest =
      counts(listed, members.size(), members.empty() ? from : members.back().queued_at,
             members.empty() ? to : members.front().queued_at);
  digest["from"] = dates::format_rfc3339(from);
  digest["to"] = dates::format_rfc3339(to);
  json::object o{{"type", "alert.digest"},
                 {"id", id},
                 {"created_at", dates::format_rfc3339(now)},
                 {"digest", std::move(digest)},
                 {"rules", std::move(by_rule)}};
  return json::serialize(o);
}

GroupingStats form_due_groups(Store& store, const std::vector<WebhookConfig>& hooks, int64_t now,
                              bool flush) {
  GroupingStats stats;
  for (const WaitingGroup& g : store.waiting_groups()) {
    const WebhookConfig* hook = find_webhook(hooks, g.webhook);
    if (!hook || !hook->groups_alerts()) {
      store.ungroup_waiting(g.webhook);  // sent alone (or settled as a removed webhook's)
      continue;
    }
    const int64_t due = group_due_at(*hook, g);
    const bool digest = hook->digest.has_value();
    if ((!flush || digest) && due > now) continue;
    if (stats.groups >= kMaxGroupsPerPass) break;  // the rest at the next pass
    // A group takes everything waiting until now; a digest what its period holds (alerts
    // queued after the period's end wait for the next one).
    const int64_t cutoff = digest ? due : now + 1;
    const int64_t from = g.last_sent.value_or(g.oldest);
    int64_t folded = 0;
    try {
      folded = store.fold_group(g.webhook, g.key, cutoff, digest ? kDigestListed : kGroupListed,
                                digest ? due : now, [&](const std::vector<GroupMember>& members) {
                                  NewGroupDelivery out;
                                  out.id = random_id(digest ? "dig_" : "grp_");
                                  out.alert_id = members.front().alert_id;
                                  out.at = now;
                                  out.payload = digest
                                                    ? digest_body(out.id, from, due, now, members)
                                                    : group_body(out.id, now, g.key, members);
                                  return out;
                                });
    } catch (const std::exception& e) {
      // This group waits for the next pass; the others are not held up by it.
      if (stats.error.empty())
        stats.error = "group '" + g.key + "' of webhook '" + g.webhook + "': " + e.what();
      continue;
    }
    if (folded == 0) continue;
    ++stats.groups;
    stats.grouped += static_cast<int>(folded);
  }
  return stats;
}

}  // namespace rasd
