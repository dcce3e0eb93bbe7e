#include "rasd/daemon/group_key.hpp"

namespace rasd {

std::string group_key_for(const WebhookConfig& hook, const std::string& rule_id,
                          const std::string& severity, const std::vector<std::string>& tags,
                          const std::string& source_id) {
  if (hook.digest) return kDigestGroupKey;
  if (!hook.group) return "";
  std::string key;
  for (const auto& field : hook.group_by) {
    if (!key.empty()) key += '\n';
    key += field + '=';
    if (field == "rule") {
      key += rule_id;
    } else if (field == "severity") {
      key += severity;
    } else if (field == "source") {
      key += source_id;
    } else if (field == "tag") {
      for (size_t i = 0; i < tags.size(); ++i) key += (i ? "," : "") + tags[i];
    }
  }
  // group_by: [] puts every alert of the webhook in one group.
  return key.empty() ? "all" : key;
}

std::vector<std::pair<std::string, std::string>> group_key_fields(const std::string& key) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < key.size()) {
    size_t nl = key.find('\n', pos);
    if (nl == std::string::npos) nl = key.size();
    const std::string part = key.substr(pos, nl - pos);
    const size_t eq = part.find('=');
    if (eq != std::string::npos) out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    pos = nl + 1;
  }
  return out;
}

}  // namespace rasd
