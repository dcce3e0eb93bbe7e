#include "rasd/daemon/web_session.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "rasd/daemon/env.hpp"

namespace rasd {

WebSession WebSessions::open(int64_t now, uint64_t token_generation, bool admin) {
  WebSession s{random_id("", 32), random_id("", 32), now + kLifetimeSeconds, token_generation,
               admin};
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = it->second.expires_at <= now ? sessions_.erase(it) : std::next(it);
  if (sessions_.size() >= kMaxSessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.expires_at < b.second.expires_at;
    });
    sessions_.erase(oldest);
  }
  sessions_[s.id] = s;
  return s;
}

std::string WebSessions::cookie_value(const std::string& header) {
  // "a=1; rasd_session=abc; b=2"
  const std::string name = std::string(kCookie) + "=";
  size_t at = 0;
  while (at < header.size()) {
    while (at < header.size() && (header[at] == ' ' || header[at] == ';')) ++at;
    const size_t end = std::min(header.find(';', at), header.size());
    if (header.compare(at, name.size(), name) == 0)
      return header.substr(at + name.size(), end - at - name.size());
    at = end;
  }
  return "";
}

std::optional<WebSession> WebSessions::find(const std::string& cookie_header, int64_t now) const {
  const std::string id = cookie_value(cookie_header);
  if (id.size() != 64) return std::nullopt;
  std::lock_guard lock(mutex_);
  // Ids are 256 random bits: guessing is the attack, and a map lookup's timing does not help it.
  const auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second;
}

void WebSessions::close(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

std::string WebSessions::throttle_key(const std::string& address) {
  in6_addr a{};
  if (inet_pton(AF_INET6, address.c_str(), &a) != 1) return address;
  std::memset(a.s6_addr + 8, 0, 8);
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, &a, buf, sizeof buf);
  return std::string(buf) + "/64";
}

bool WebSessions::may_try(const std::string& peer, int64_t now) const {
  const std::string address = throttle_key(peer);
  std::lock_guard lock(mutex_);
  const auto it = failures_.find(address);
  return it == failures_.end() || now - it->second.since >= kFailureWindowSeconds ||
         it->second.count < kMaxFailures;
}

void WebSessions::failed(const std::string& peer, int64_t now) {
  const std::string address = throttle_key(peer);
  std::lock_guard lock(mutex_);
  for (auto it = failures_.begin(); it != failures_.end();)
    it = now - it->second.since >= kFailureWindowSeconds ? failures_.erase(it) : std::next(it);
  if (failures_.size() >= kMaxAddresses && !failures_.count(address)) {
    auto oldest = std::min_element(failures_.begin(), failures_.end(), [](auto& a, auto& b) {
      return a.second.since < b.second.since;
    });
    failures_.erase(oldest);
  }
  Failures& f = failures_[address];
  if (f.count == 0) f.since = now;
  ++f.count;
}

}  // namespace rasd
