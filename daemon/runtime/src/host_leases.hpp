// Internal to the runtime: this instance's side of the host leases (Store::claim_hosts) when
// instances share a PostgreSQL store. The Poller asks for a host's lease before it polls one of
// the host's sources or fetches one of its pages, and each of those is one unit of work on the
// host, from the claim until its answer's batch is over (committed or not) or until it is
// given up before the request. A host is released when its last unit is settled, so another
// instance may take it; a held host is renewed on a timer while work is in flight.
//
// Thread safety: every method runs on the store's thread (inside StoreQueue jobs), so the
// counts change in the same order as the claims and releases they lead to: a release can never
// overtake a later claim of the same host. owner() and lease_seconds() never change and may be
// read anywhere. Store errors of claim() and renew() propagate (sql::StoreError) to the job.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rasd/daemon/store.hpp"

namespace rasd {

class HostLeases {
 public:
  // `owner`: this instance's name in the leases (unique per process); `gap_seconds`: the
  // per-host gap a released host waits before another instance may start on it.
  HostLeases(std::string owner, int64_t lease_seconds, int64_t gap_seconds)
      : owner_(std::move(owner)), lease_seconds_(lease_seconds), gap_seconds_(gap_seconds) {}

  const std::string& owner() const { return owner_; }
  int64_t lease_seconds() const { return lease_seconds_; }

  // One unit of work per entry of `hosts` (repeats allowed): which of them may go ahead (their
  // host is now held by this instance), each counted until settle().
  std::vector<char> claim(Store& store, const std::vector<std::string>& hosts);
  // A unit on `host` is over; the host's lease ends with its last unit. Never throws: false
  // when the release could not be written (the next renew() writes it).
  bool settle(Store& store, const std::string& host);
  // Extends the leases of the hosts with work in flight and ends those of held hosts without
  // any (left by a settle whose release failed); returns the busy hosts this instance lost.
  std::vector<std::string> renew(Store& store);


 private:
  const std::string owner_;
  const int64_t lease_seconds_;
  const int64_t gap_seconds_;
  std::unordered_map<std::string, size_t> busy_;  // held host -> units in flight
  std::unordered_set<std::string> unreleased_;    // held hosts with no units left
};

// A name for this process in the leases: "hostname:pid:random".
std::string lease_owner_name();

}  // namespace rasd
