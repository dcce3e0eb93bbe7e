#include "host_leases.hpp"

#include <unistd.h>

#include <cstdio>
#include <random>
#include <unordered_set>

namespace rasd {

std::vector<char> HostLeases::claim(Store& store, const std::vector<std::string>& hosts) {
  std::vector<char> granted(hosts.size(), 0);
  if (hosts.empty()) return granted;
  std::vector<std::string> unique;
  std::unordered_set<std::string> seen;
  for (const auto& h : hosts)
    if (seen.insert(h).second) unique.push_back(h);
  const auto held = store.claim_hosts(owner_, unique, lease_seconds_);
  const std::unordered_set<std::string> ours(held.begin(), held.end());
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (!ours.count(hosts[i])) continue;
    granted[i] = 1;
    ++busy_[hosts[i]];
    unreleased_.erase(hosts[i]);
  }
  return granted;
}

bool HostLeases::settle(Store& store, const std::string& host) {
  auto it = busy_.find(host);
  if (it == busy_.end()) return true;
  if (--it->second > 0) return true;
  busy_.erase(it);
  unreleased_.insert(host);
  try {
    store.release_hosts(owner_, {host}, gap_seconds_);
  } catch (const sql::StoreError&) {
    return false;  // released by the next renew()
  }
  unreleased_.erase(host);  // only once it is written
  return true;
}

std::vector<std::string> HostLeases::renew(Store& store) {
  if (!unreleased_.empty()) {
    const std::vector<std::string> idle(unreleased_.begin(), unreleased_.end());
    store.release_hosts(owner_, idle, gap_seconds_);
    unreleased_.clear();
  }
  std::vector<std::string> busy;
  busy.reserve(busy_.size());
  for (const auto& [host, n] : busy_) busy.push_back(host);
  const auto kept = store.renew_hosts(owner_, busy, lease_seconds_);
  const std::unordered_set<std::string> still(kept.begin(), kept.end());
  std::vector<std::string> lost;
  for (const auto& h : busy)
    if (!still.count(h)) lost.push_back(h);
  return lost;
}

std::string lease_owner_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string(host[0] ? host : "rasd") + ":" + std::to_string(getpid()) + ":" + suffix;
}

}  // namespace rasd
