#include "rasd/daemon/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace rasd {
namespace {

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // the shortest text that reads back as v
  return std::string(buf, r.ptr);
}

std::string escape_help(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// The label set with one more label appended (histogram buckets' `le`).
std::string with_label(const std::string& rendered, const std::string& name,
                       const std::string& value) {
  const std::string extra = name + "=\"" + value + "\"";
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    for (char c : labels[i].second) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '"')
        out += "\\\"";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  }
  return out + "}";
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  counts_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::observe(double v) {
  const size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i)
    out[i] = running += counts_[i].load(std::memory_order_relaxed);
  return out;
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, const std::string& help,
                                                 Type type) {
  auto [it, fresh] = families_.try_emplace(name, Family{type, help, {}, {}, {}});
  if (!fresh && it->second.type != type)
    throw std::logic_error("metric '" + name + "' registered with two types");
  return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Type::counter).counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Type::gauge).gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      const std::vector<double>& bounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Type::histogram).histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.counters.empty() && f.gauges.empty() && f.histograms.empty()) continue;
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " +
           (f.type == Type::counter ? "counter"
            : f.type == Type::gauge ? "gauge"
                                    : "histogram") +
           "\n";
    for (const auto& [labels, c] : f.counters)
      out += name + labels + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : f.gauges)
      out += name + labels + " " + format_value(g->value()) + "\n";
    for (const auto& [labels, h] : f.histograms) {
      const auto cum = h->cumulative();
      for (size_t i = 0; i < h->bounds().size(); ++i) {
        out += name + "_bucket" + with_label(labels, "le", format_value(h->bounds()[i])) + " " +
               std::to_string(cum[i]) + "\n";
      }
      out += name + "_bucket" + with_label(labels, "le", "+Inf") + " " +
             std::to_string(cum.back()) + "\n";
      out += name + "_sum" + labels + " " + format_value(h->sum()) + "\n";
      out += name + "_count" + labels + " " + std::to_string(cum.back()) + "\n";
    }
  }
  return out;
}

DaemonMetrics::DaemonMetrics(MetricsRegistry& r)
    : registry(r),
      fetch_bytes(r.counter("rasd_fetch_bytes_total",
                            "Body bytes received from sources (after decompression).")),
      fetch_seconds(r.histogram("rasd_fetch_duration_seconds",
                                "Time from a fetch's start to its answer.",
                                {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      articles(r.counter("rasd_articles_total", "New articles stored.")),
      sources(r.gauge("rasd_sources", "Sources in the configuration.")),
      rules(r.gauge("rasd_rules", "Rules loaded.")),
      loop_heartbeat(r.gauge("rasd_loop_heartbeat_timestamp_seconds",
                             "Unix time of the event loop's last tick.")),
      start_time(r.gauge("rasd_start_time_seconds", "Unix time the daemon started.")),
      body_pauses(r.counter("rasd_fetch_body_pauses_total",
                            "Source transfers paused because the body budget was spent.")),
      alerts_silenced(
          r.counter("rasd_alerts_silenced_total",
                    "Alerts and alert updates held back by a silence: stored, not sent.")),
      alerts_held_back(r.counter("rasd_alerts_rate_limited_total",
                                 "Alerts past their rule's max_alerts: stored, not sent.")),
      deliveries_grouped(
          r.counter("rasd_deliveries_grouped_total",
                    "Alert deliveries folded into an alert.group or alert.digest body.")),
      groups_formed(r.counter("rasd_delivery_groups_total",
                              "alert.group and alert.digest deliveries formed.")) {
  // Outcomes that should show as 0 before they first happen.
  for (const char* o : {"ok", "not_modified", "http_error", "transport_error", "parse_error"})
    fetch(o);
  for (const char* o : {"delivered", "failed", "dead", "disabled"}) deliveries(o);
  for (const char* o : {"ok", "failed"}) reloads(o);
  for (const char* o : {"created", "updated"}) alerts(o);
  for (const char* o : {"exact", "near"}) duplicates(o);
}

Counter& DaemonMetrics::fetch(const std::string& outcome) {
  return registry.counter("rasd_fetches_total", "Source fetches by outcome.",
                          {{"outcome", outcome}});
}
Counter& DaemonMetrics::source_failures(const std::string& source) {
  return registry.counter("rasd_source_failures_total", "Failed polls per source.",
                          {{"source", source}});
}
Counter& DaemonMetrics::rule_hits(const std::string& rule) {
  return registry.counter("rasd_rule_matches_total", "Articles matched per rule.",
                          {{"rule", rule}});
}
Counter& DaemonMetrics::duplicates(const std::string& kind) {
  return registry.counter("rasd_duplicates_total",
                          "New articles that joined an existing story, by kind.", {{"kind", kind}});
}
Counter& DaemonMetrics::alerts(const std::string& type) {
  return registry.counter("rasd_alerts_total",
                          "Alerts raised (created) or extended by a new article (updated).",
                          {{"type", type}});
}
Counter& DaemonMetrics::deliveries(const std::string& outcome) {
  return registry.counter("rasd_deliveries_total", "Webhook delivery attempts by outcome.",
                          {{"outcome", outcome}});
}
Counter& DaemonMetrics::reloads(const std::string& outcome) {
  return registry.counter("rasd_reloads_total", "Configuration reloads by outcome.",
                          {{"outcome", outcome}});
}
Gauge& DaemonMetrics::queue(const std::string& name) {
  return registry.gauge("rasd_queue_depth", "Items waiting in each internal queue.",
                        {{"queue", name}});
}
Counter& DaemonMetrics::api_requests(const std::string& path, int status) {
  return registry.counter("rasd_api_requests_total", "HTTP API requests by path and status.",
                          {{"path", path}, {"code", std::to_string(status)}});
}

}  // namespace rasd
