// Metrics registry and its Prometheus text rendering (issue 10), checked with a strict parser
// of the text format; and the parser itself rejects what Prometheus would.
#include "rasd/daemon/metrics.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "prometheus_text.hpp"

using namespace rasd;

TEST_CASE("metrics render in the Prometheus text format, labels escaped, histograms cumulative",
          "[metrics]") {
  MetricsRegistry r;
  r.counter("rasd_test_total", "A counter.", {{"source", "a\"b\\c\nd"}}).inc(3);
  r.counter("rasd_test_total", "A counter.", {{"source", "plain"}}).inc();
  r.gauge("rasd_depth", "A gauge.").set(2.5);
  auto& h = r.histogram("rasd_latency_seconds", "A histogram.", {0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
  const std::string text = r.render();
  INFO(text);
  const auto parsed = test::parse_prometheus_text(text);
  CHECK(parsed.types.at("rasd_test_total") == "counter");
  CHECK(parsed.types.at("rasd_latency_seconds") == "histogram");
  CHECK(parsed.value("rasd_test_total", {{"source", "a\"b\\c\nd"}}) == 3);
  CHECK(parsed.value("rasd_test_total", {{"source", "plain"}}) == 1);
  CHECK(parsed.value("rasd_depth") == 2.5);
  CHECK(parsed.value("rasd_latency_seconds_bucket", {{"le", "0.1"}}) == 2);  // le is inclusive
  CHECK(parsed.value("rasd_latency_seconds_bucket", {{"le", "1"}}) == 3);
  CHECK(parsed.value("rasd_latency_seconds_bucket", {{"le", "10"}}) == 4);
  CHECK(parsed.value("rasd_latency_seconds_bucket", {{"le", "+Inf"}}) == 5);
  CHECK(parsed.value("rasd_latency_seconds_count") == 5);
  CHECK(parsed.value("rasd_latency_seconds_sum") == Approx(55.65));
}

TEST_CASE("metrics: the same series is one object, updates from many threads are all counted",
          "[metrics]") {
  MetricsRegistry r;
  DaemonMetrics m(r);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        m.fetch("ok").inc();
        m.rule_hits("rule-" + std::to_string(i % 3)).inc();
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto parsed = test::parse_prometheus_text(r.render());
  CHECK(parsed.value("rasd_fetches_total", {{"outcome", "ok"}}) == 40000);
  CHECK(parsed.value("rasd_fetches_total", {{"outcome", "parse_error"}}) ==
        0);  // present before it happens
  CHECK(parsed.value("rasd_rule_matches_total", {{"rule", "rule-0"}}) == 13336);
  CHECK(&m.fetch("ok") == &m.fetch("ok"));
  CHECK_THROWS_AS(r.gauge("rasd_fetches_total", "clash"), std::logic_error);
}

TEST_CASE("the strict text-format parser rejects malformed exposition", "[metrics]") {
  const std::string type = "# TYPE x counter\n";
  CHECK_NOTHROW(test::parse_prometheus_text(type + "x 1\n"));
  CHECK_THROWS(test::parse_prometheus_text("x 1\n"));       // no TYPE
  CHECK_THROWS(test::parse_prometheus_text(type + "x 1"));  // no final newline
  CHECK_THROWS(
      test::parse_prometheus_text(type + "x{a=\"1\"} 1\nx{a=\"1\"} 2\n"));    // repeated series
  CHECK_THROWS(test::parse_prometheus_text(type + "x{a=1} 1\n"));             // unquoted label
  CHECK_THROWS(test::parse_prometheus_text(type + "x{1a=\"v\"} 1\n"));        // bad label name
  CHECK_THROWS(test::parse_prometheus_text(type + "x one\n"));                // bad value
  CHECK_THROWS(test::parse_prometheus_text(type + "x -1\n"));                 // negative counter
  CHECK_THROWS(test::parse_prometheus_text(type + "x 1\n# TYPE x gauge\n"));  // second TYPE
  CHECK_THROWS(test::parse_prometheus_text(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
      "h_count 1\nh_sum 1\n"));  // not cumulative
  CHECK_THROWS(test::parse_prometheus_text(
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\nh_sum 1\n"));
}
