// Prometheus metrics (text exposition format 0.0.4) for the daemon's `/metrics` (issue 10).
//
// A MetricsRegistry owns metric families, each a name, a help text, a type and its series
// (one per set of label values). Series are created on first use and never removed, so the
// reference a caller gets stays valid for the registry's life; label values should come from
// bounded sets (outcomes, rule ids, source ids of the config).
//
// Thread safety: every member may be called from any thread. Series values are atomics, so
// the event loop, the delivery workers and the API thread share one registry without locks
// on the hot path; creating a series and rendering take the registry's mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rasd {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative buckets with fixed upper bounds (seconds for latencies).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // Bucket counts (cumulative, +Inf last), the count and the sum, read without tearing
  // between buckets only approximately (as Prometheus clients do).
  const std::vector<double>& bounds() const { return bounds_; }
  std::vector<uint64_t> cumulative() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 (+Inf)
  std::atomic<double> sum_{0};
};

class MetricsRegistry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds, const Labels& labels = {});
  // Every family, sorted by name, in the text format; families without series are omitted.
  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // by rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// `{a="x",b="y"}` with label values escaped as the text format requires; "" for none.
std::string render_labels(const Labels& labels);

// The daemon's metrics, resolved once; labelled series through the registry.
struct DaemonMetrics {
  explicit DaemonMetrics(MetricsRegistry& r);
  MetricsRegistry& registry;

  // Fetches by outcome: ok, not_modified, http_error, transport_error, parse_error.
  Counter& fetch(const std::string& outcome);
  Counter& source_failures(const std::string& source);
  Counter& rule_hits(const std::string& rule);
  Counter& duplicates(const std::string& kind);     // exact, near
  Counter& alerts(const std::string& type);         // created, updated
  Counter& deliveries(const std::string& outcome);  // delivered, failed, dead, disabled
  Counter& reloads(const std::string& outcome);     // ok, failed
  Gauge& queue(const std::string& name);  // fetch_queued, fetch_in_flight, body_bytes, ...
  Counter& api_requests(const std::string& path, int status);

  Counter& fetch_bytes;
  Histogram& fetch_seconds;
  Counter& articles;
  Gauge& sources;
  Gauge& rules;
  Gauge& loop_heartbeat;  // Unix time of the event loop's last tick
  Gauge& start_time;
  Counter& body_pauses;         // source transfers paused for the body budget
  Counter& alerts_silenced;     // alerts (and updates) a silence held back
  Counter& alerts_held_back;    // alerts past their rule's max_alerts
  Counter& deliveries_grouped;  // deliveries folded into alert.group / alert.digest bodies
  Counter& groups_formed;       // alert.group and alert.digest deliveries formed
};

}  // namespace rasd
