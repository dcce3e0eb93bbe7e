// Coverage alerts (issue 20) on a fake clock, through the Monitor into a real SQLite store:
// each condition of the watch itself raises its rasd.<kind> alert once, after its delay, and
// one internal.resolved when it ends. (rasd.source_failing: silence_test.cpp.)
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "fault_support.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "test_util.hpp"

using namespace rasd;
namespace json = boost::json;

namespace {

constexpr int64_t kStart = 1734600000;

struct CoverageRig {
  test::TempDir dir;
  ConfigLoad cfg;
  text::Normalizer normalizer;
  rules::LoadResult rules;
  CurlHttpClient http;
  ManualClock clock{kStart};
  std::ostringstream log_text;
  std::unique_ptr<Store> store;
  std::unique_ptr<Monitor> monitor;
  int serial = 0;

  CoverageRig() {
    dir.write("rules.yaml",
              "rules:\n  - {id: isis, query: داعش, notify: [analysts]}\n"
              "  - {id: badia, query: البادية, notify: [analysts]}\n");
    cfg = load_config_file(
        dir.write("rasd.yaml",
                  test::store_yaml(test::store_location(dir.path())) +
                      "\nrules: [rules.yaml]\nhttp: {listen: \"\"}\n"
                  "defaults: {interval: 10m}\n"
                  "webhooks:\n  - {name: analysts, url: \"http://127.0.0.1:9/h\", group: false}\n"
                  "  - {name: ops, url: \"http://127.0.0.1:9/o\"}\n"
                  "internal: {notify: [ops]}\n"
                  "sources:\n  - {id: a, url: \"http://127.0.0.1:9/a\"}\n"
                  "  - {id: page, url: \"http://127.0.0.1:9/p\", type: html, links: \"ul a\"}\n"));
    INFO(cfg.diagnostics.format());
    REQUIRE(cfg.config);
    Diagnostics diag;
    rules = rules::load_rules(read_rule_files(*cfg.config, diag), normalizer);
    REQUIRE(rules.rules);
    store = std::make_unique<Store>(cfg.config->store_path);
    monitor = std::make_unique<Monitor>(
        *cfg.config, rules.rules, normalizer, *store, http, clock,
        std::make_shared<spdlog::logger>(
            "t", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text)));
    for (const auto& s : cfg.config->sources) store->ensure_source(s.id, s.url);
  }
  const SourceConfig& source(const std::string& id) const {
    for (const auto& s : cfg.config->sources) {
      if (s.id == id) return s;
    }
    FAIL("no source " << id);
    return cfg.config->sources.front();
  }
  // A new article of `source_id` with a body of `words` distinct words.
  void article(const std::string& source_id, const std::string& title, int words = 40) {
    NewArticle a;
    a.source_id = source_id;
    a.guid = "g" + std::to_string(++serial);
    a.url = "https://" + source_id + ".example/" + a.guid;
    a.title = title;
    for (int i = 0; i < words; ++i) a.body += "كلمة" + std::to_string(serial * 1000 + i) + " ";
    a.lang = "ar";
    a.fetched_at = clock.now();
    PollStats st;
    auto tx = store->begin();
    monitor->process_article(source(source_id), std::move(a), st);
    tx->commit();
  }
  // A successful fetch of the source now, with what it found.
  void fetched(const std::string& id, std::optional<int64_t> items = std::nullopt) {
    SourceState st = *store->source(id);
    st.failures = 0;
    st.last_fetch = st.last_success = clock.now();
    st.last_items = items;
    store->save_source_state(st);
  }
  // One coverage pass `seconds` later.
  void check_after(int64_t seconds) {
    clock.advance(seconds);
    monitor->check_coverage();
  }
  size_t raised(const std::string& kind) { return store->alerts(0, "rasd." + kind).size(); }
  // internal.resolved bodies queued for `kind`.
  size_t resolved(const std::string& kind) {
    size_t n = 0;
    for (const auto& d : store->deliveries()) {
      n += d.payload.find("\"internal.resolved\"") != std::string::npos &&
           d.payload.find("\"rasd." + kind + "\"") != std::string::npos;
    }
    return n;
  }
};

}  // namespace

TEST_CASE(
    "coverage: a source silent for 4x its publishing interval (at least 1 h) raises "
    "rasd.source_silent once, and resolves with its next article",
    "[coverage][integration][backend]") {
  CoverageRig rig;
  rig.article("a", "خبر أول");
  rig.fetched("a");
  rig.check_after(0);
  CHECK(rig.raised("source_silent") == 0);
  // The interval is 10 min: 4x is 40 min, under the 1 h floor. Fetched every minute.
  auto poll_after = [&](int64_t seconds) {
    rig.clock.advance(seconds);
    rig.fetched("a");
    rig.monitor->check_coverage();
  };
  for (int i = 0; i < 58; ++i) poll_after(60);
  CHECK(rig.raised("source_silent") == 0);  // 58 min
  // Not fetched since (rasd was stopped): nothing is judged before the next fetch.
  rig.check_after(3 * 60);
  CHECK(rig.raised("source_silent") == 0);
  poll_after(60);  // 62 min
  REQUIRE(rig.raised("source_silent") == 1);
  rig.check_after(3600);
  CHECK(rig.raised("source_silent") == 1);  // once per condition
  rig.article("a", "خبر جديد");
  rig.check_after(60);
  CHECK(rig.resolved("source_silent") == 1);
  rig.check_after(60);
  CHECK(rig.resolved("source_silent") == 1);
}

TEST_CASE(
    "coverage: an html page that answers but whose selector finds no links for 1 h raises "
    "rasd.html_no_links, and its text shrinking below a fifth raises html_text_shrunk",
    "[coverage][integration][backend]") {
  CoverageRig rig;
  rig.fetched("page", 0);
  rig.check_after(0);
  rig.check_after(30 * 60);
  CHECK(rig.raised("html_no_links") == 0);  // a redesign is no blip: it must last
  rig.fetched("page", 0);
  rig.check_after(30 * 60);
  REQUIRE(rig.raised("html_no_links") == 1);
  const auto alert = json::parse(rig.store->alerts(0, "rasd.html_no_links")[0].payload);
  CHECK(std::string(alert.at("article").at("snippet").as_string()).find("ul a") !=
        std::string::npos);
  rig.fetched("page", 12);
  rig.check_after(60);
  CHECK(rig.resolved("html_no_links") == 1);

  for (int i = 0; i < 20; ++i) rig.article("page", "مقال " + std::to_string(i), 400);
  rig.check_after(60);
  rig.article("page", "قصير 1", 20);
  rig.check_after(60);
  CHECK(rig.raised("html_text_shrunk") == 0);  // one short one: the newest three still long
  rig.article("page", "قصير 2", 20);
  rig.check_after(60);
  REQUIRE(rig.raised("html_text_shrunk") == 1);
  for (int i = 0; i < 3; ++i) rig.article("page", "طويل " + std::to_string(i), 400);
  rig.check_after(60);
  CHECK(rig.resolved("html_text_shrunk") == 1);
  CHECK(rig.raised("html_text_shrunk") == 1);
}

TEST_CASE(
    "coverage: deliveries waiting over 1 h, dead deliveries and a 410-disabled webhook "
    "each raise once and resolve",
    "[coverage][integration][backend]") {
  CoverageRig rig;
  rig.article("a", "هجوم لداعش");  // one delivery to analysts
  rig.fetched("a");
  rig.check_after(0);
  const auto pending = rig.store->deliveries("pending");
  REQUIRE(pending.size() == 1);
  rig.check_after(3601);
  CHECK(rig.raised("outbox_stale") == 1);
  rig.store->record_attempt(pending[0].id, rig.clock.now(), 500, "HTTP 500", "dead",
                            rig.clock.now());
  rig.fetched("a");
  rig.check_after(60);
  CHECK(rig.resolved("outbox_stale") == 1);
  CHECK(rig.raised("deliveries_dead") == 1);
  rig.store->disable_webhook("analysts", rig.clock.now(), "410 Gone");
  rig.fetched("a");
  rig.check_after(60);
  CHECK(rig.raised("webhook_disabled") == 1);
  CHECK(rig.raised("deliveries_dead") == 1);
  // `rasd deliveries retry`: the dead one is pending again, the webhook enabled.
  rig.store->retry_dead(rig.clock.now());
  rig.store->record_attempt(pending[0].id, rig.clock.now(), 204, "", "delivered", rig.clock.now());
  rig.fetched("a");
  rig.check_after(60);
  CHECK(rig.resolved("deliveries_dead") == 1);
  CHECK(rig.resolved("webhook_disabled") == 1);
}

TEST_CASE(
    "coverage: a rule that matches over 10 % of a day's articles is too broad, one that "
    "matched nothing for 30 days since rasd first saw it is stale",
    "[coverage][integration][backend]") {
  CoverageRig rig;
  rig.check_after(0);  // the rules are first seen now
  for (int i = 0; i < 120; ++i) rig.article("a", i % 2 ? "هجوم لداعش" : "خبر محلي عن الطقس");
  rig.check_after(Monitor::kRuleCheckSeconds);
  CHECK(rig.raised("rule_too_broad") == 1);  // isis: 60 of 120 articles
  CHECK(rig.raised("rule_stale") == 0);      // badia: seen an hour ago
  rig.check_after(Monitor::kRuleCheckSeconds);
  CHECK(rig.raised("rule_too_broad") == 1);
  rig.check_after(24 * 3600);                  // the day's articles are out of the last 24 h
  CHECK(rig.resolved("rule_too_broad") == 0);  // a day of no articles says nothing
  for (int i = 0; i < 120; ++i) rig.article("a", "خبر محلي آخر عن الطقس");
  rig.check_after(Monitor::kRuleCheckSeconds);
  CHECK(rig.resolved("rule_too_broad") == 1);  // a full day without isis
  rig.check_after(30 * 86400);
  CHECK(rig.raised("rule_stale") == 2);  // badia never matched; isis matched 30 days ago
  rig.article("a", "اشتباكات في البادية");
  rig.check_after(Monitor::kRuleCheckSeconds);
  CHECK(rig.resolved("rule_stale") == 1);  // badia matches again
  CHECK(rig.raised("rule_stale") == 2);
}

TEST_CASE(
    "coverage: a short-lived certificate is expiring in the last third of its life, not all of "
    "it, and a source that moves to another URL resolves as moved",
    "[coverage][tls][integration][backend]") {
  CoverageRig rig;
  auto seen = [&](int64_t valid_for) {  // a handshake shows a certificate issued now
    SourceState st = *rig.store->source("a");
    st.tls_valid_from = rig.clock.now();
    st.tls_expires_at = rig.clock.now() + valid_for;
    rig.store->save_source_state(st);
  };
  seen(6 * 86400);  // a 6-day certificate: 2 days is its last third
  rig.check_after(0);
  rig.check_after(3 * 86400);
  CHECK(rig.raised("source_tls_expiring") == 0);  // 3 days left
  rig.check_after(86400 + 3600);
  auto alerts = rig.store->alerts(0, "rasd.source_tls_expiring");
  REQUIRE(alerts.size() == 1);  // 47 hours left
  CHECK(alerts[0].payload.find("expires in 47 hours") != std::string::npos);
  seen(6 * 86400);  // renewed
  rig.check_after(60);
  CHECK(rig.resolved("source_tls_expiring") == 1);
  rig.check_after(4 * 86400 + 3600);
  CHECK(rig.raised("source_tls_expiring") == 2);  // the renewed one in its last third
  // The source's URL changes: what the old URL showed no longer counts.
  rig.store->ensure_source("a", "https://elsewhere.example/feed");
  rig.check_after(60);
  CHECK(rig.resolved("source_tls_expiring") == 2);
  bool moved = false;
  for (const auto& d : rig.store->deliveries())
    moved |= d.payload.find("moved to another URL") != std::string::npos;
  CHECK(moved);
}
