// The group an alert's delivery waits in for a webhook (alerting.md, "Grouping"): the values
// of the webhook's `group_by` keys, written "rule=isis-east-syria\nseverity=high" (tags joined
// with ','). A digest webhook puts every alert in one group, "digest". Pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rasd/daemon/config.hpp"

namespace rasd {

inline constexpr const char* kDigestGroupKey = "digest";

// The key for an alert of `rule_id` (its severity and tags) on an article of `source_id`;
// empty when the webhook sends each alert alone (group: false).
std::string group_key_for(const WebhookConfig& hook, const std::string& rule_id,
                          const std::string& severity, const std::vector<std::string>& tags,
                          const std::string& source_id);

// The (name, value) pairs of a key, in its order.
std::vector<std::pair<std::string, std::string>> group_key_fields(const std::string& key);

}  // namespace rasd
