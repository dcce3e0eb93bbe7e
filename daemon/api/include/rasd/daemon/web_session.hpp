// The dashboard's sign-ins (issue 21): a token entered once in a form opens a session, kept in
// an HttpOnly, SameSite=Strict cookie for 12 hours; each session has its own CSRF token that
// every state-changing form carries. Failed sign-ins are throttled per client address.
//
// Sessions live in memory only: a restart signs everyone out (the token signs them in again).
// Both tables are bounded: past kMaxSessions the oldest session is dropped, past kMaxAddresses
// the oldest throttling record.
//
// Thread safety: every method may be called from any thread (the API's two handlers share one).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace rasd {

struct WebSession {
  std::string id;    // the cookie's value: 32 random bytes, hex
  std::string csrf;  // 32 random bytes, hex: the forms' hidden field
  int64_t expires_at = 0;
  uint64_t token_generation = 0;  // ApiToken::generation() of its token when it was opened
  bool admin = false;             // opened with the admin token (else the read-only one)
};

class WebSessions {
 public:
  static constexpr int64_t kLifetimeSeconds = 12 * 3600;
  static constexpr size_t kMaxSessions = 256;
  static constexpr size_t kMaxAddresses = 1024;
  static constexpr int kMaxFailures = 5;                 // per address ...
  static constexpr int64_t kFailureWindowSeconds = 300;  // ... within this long

  WebSession open(int64_t now, uint64_t token_generation, bool admin);
  // The session a Cookie header names, if it is open and not expired.
  std::optional<WebSession> find(const std::string& cookie_header, int64_t now) const;
  void close(const std::string& id);

  // Whether `address` may try to sign in now (fewer than kMaxFailures failures in the window);
  // a failure counts against it. IPv6 addresses count by their /64 (one host's whole range).
  bool may_try(const std::string& address, int64_t now) const;
  void failed(const std::string& address, int64_t now);

  // The session id in a Cookie header ("" when none).
  static std::string cookie_value(const std::string& cookie_header);
  static constexpr const char* kCookie = "rasd_session";
  static std::string throttle_key(const std::string& address);

 private:
  struct Failures {
    int count = 0;
    int64_t since = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, WebSession> sessions_;  // by id
  std::map<std::string, Failures> failures_;    // by address
};

}  // namespace rasd
