// Silences (issue 20) on a fake clock, through the daemon's pipeline (Monitor) into a real
// SQLite store: an alert a silence matches (by rule, source, story or query) is stored and
// marked and queues no delivery; others go out as before; a silence that expires or is removed
// stops holding alerts back, and its expiry is logged once. Then the CLI and the HTTP API.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "fault_support.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/silences.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "test_util.hpp"

using namespace rasd;
namespace json = boost::json;

namespace {

constexpr int64_t kStart = 1734600000;

struct SilenceRig {
  test::TempDir dir;
  ConfigLoad cfg;
  text::Normalizer normalizer;
  rules::LoadResult rules;
  CurlHttpClient http;
  ManualClock clock{kStart};
  std::ostringstream log_text;
  std::unique_ptr<Store> store;
  std::unique_ptr<Monitor> monitor;

  // `notify`: the rules' webhooks; "ops" asks for updates of acknowledged stories.
  // `isis_extra`: more keys of the isis rule (", max_alerts: {…}").
  explicit SilenceRig(const std::string& notify = "[analysts]",
                      const std::string& isis_extra = "") {
    dir.write("rules.yaml", "rules:\n  - {id: isis, query: داعش, notify: " + notify + isis_extra +
                                "}\n  - {id: badia, query: البادية, notify: " + notify + "}\n");
    cfg = load_config_file(
        dir.write("rasd.yaml",
                  test::store_yaml(test::store_location(dir.path())) +
                      "\nrules: [rules.yaml]\nhttp: {listen: \"\"}\n"
                  "webhooks:\n  - {name: analysts, url: \"http://127.0.0.1:9/h\"}\n"
                  "  - {name: ops, url: \"http://127.0.0.1:9/o\", acknowledged_updates: true}\n"
                  "internal: {notify: [ops]}\n"
                  "sources:\n  - {id: a, url: \"http://127.0.0.1:9/a\"}\n"
                  "  - {id: b, url: \"http://127.0.0.1:9/b\"}\n"));
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
  }
  const SourceConfig& source(const std::string& id) const {
    for (const auto& s : cfg.config->sources) {
      if (s.id == id) return s;
    }
    FAIL("no source " << id);
    return cfg.config->sources.front();
  }
  PollStats article(const std::string& source_id, const std::string& guid, const std::string& title,
                    const std::string& body) {
    NewArticle a;
    a.source_id = source_id;
    a.guid = guid;
    a.url = "https://" + source_id + ".example/" + guid;
    a.title = title;
    a.body = body;
    a.lang = "ar";
    a.fetched_at = clock.now();
    PollStats st;
    auto tx = store->begin();
    monitor->process_article(source(source_id), std::move(a), st);
    tx->commit();
    return st;
  }
  Silence silence(const std::string& kind, const std::string& value, const std::string& length) {
    auto s = make_silence(kind, value, length, "testing", "tester", clock.now(), normalizer);
    REQUIRE(s);
    store->add_silence(*s);
    return *s;
  }
  // Alerts of a rule: their silenced_by marks, oldest first.
  std::vector<std::string> marks(const std::string& rule) {
    std::vector<std::string> out;
    for (const auto& a : store->alerts(0, rule)) out.push_back(a.silenced_by);
    return out;
  }
  size_t queued() { return store->deliveries().size(); }
};

const std::string kBody = "قالت مصادر محلية إن خلايا تنظيم داعش هاجمت نقطة عسكرية";

}  // namespace

TEST_CASE("silences: by rule, held back and marked, other rules still sent",
          "[silence][integration][backend]") {
  SilenceRig rig;
  const Silence s = rig.silence("rule", "isis", "1h");
  const auto st = rig.article("a", "1", "هجوم لداعش في البادية", kBody);
  CHECK(st.alerts_silenced == 1);
  CHECK(rig.marks("isis") == std::vector<std::string>{s.id});  // stored, marked
  CHECK(rig.marks("badia") == std::vector<std::string>{""});   // the other rule: sent
  REQUIRE(rig.queued() == 1);
  CHECK(rig.store->deliveries()[0].alert_id == rig.store->alerts(0, "badia")[0].id);
  CHECK(rig.log_text.str().find("(silenced by " + s.id + ")") != std::string::npos);
}

TEST_CASE("silences: by source, by query, and by story (copies of it from other outlets too)",
          "[silence][integration][backend]") {
  SilenceRig rig;
  rig.silence("source", "b", "1h");
  rig.article("b", "1", "داعش في ريف حمص", "خبر عن داعش من المصدر الثاني وحده في ريف حمص الشرقي");
  CHECK(rig.queued() == 0);
  CHECK(rig.marks("isis").size() == 1);
  CHECK_FALSE(rig.marks("isis")[0].empty());

  // A query silence, in the rule language with its Arabic folding, holds back every rule's
  // alert on an article it matches. The pipeline rereads silences every few seconds.
  const Silence q = rig.silence("query", "\"تدمر\"", "1h");
  rig.clock.advance(SilenceList::kRefreshSeconds);
  rig.article("a", "2", "هجوم لداعـ.ـش قرب تدمر", "خلايا التنظيم هاجمت نقطة قرب تدمر في البادية");
  CHECK(rig.queued() == 0);
  CHECK(rig.marks("badia") == std::vector<std::string>{q.id});
  CHECK(rig.marks("isis").back() == q.id);

  // A story: the first copy is sent; once silenced, another outlet's copy updates it silently.
  rig.clock.advance(60);
  rig.article("a", "3", "داعش يهاجم الميادين", kBody + " في الميادين مساء أمس");
  REQUIRE(rig.queued() == 1);
  const auto alerts = rig.store->alerts(0, "isis");
  const std::string story =
      std::string(json::parse(alerts.back().payload).at("cluster").at("id").as_string());
  const Silence st = rig.silence("story", story, "1h");
  rig.clock.advance(SilenceList::kRefreshSeconds);
  rig.article("b", "4", "الميادين: هجوم لداعش", kBody + " في الميادين مساء أمس");
  CHECK(rig.queued() == 1);  // the update of the silenced story queued nothing
  CHECK(rig.log_text.str().find("(same story: alert updated) (silenced by " + st.id + ")") !=
        std::string::npos);
}

TEST_CASE(
    "silences: an expired silence holds nothing back and is logged once, a removed one "
    "neither",
    "[silence][integration][backend]") {
  SilenceRig rig;
  const Silence s = rig.silence("rule", "isis", "30m");
  rig.article("a", "1", "داعش أولا", kBody + " الأولى");
  CHECK(rig.queued() == 0);
  rig.clock.advance(29 * 60);
  rig.monitor->report_expired_silences();
  CHECK(rig.log_text.str().find("expired") == std::string::npos);
  rig.clock.advance(2 * 60);  // 31 minutes: expired
  rig.article("a", "2", "داعش ثانيا", "نص مختلف تماما عن خبر آخر لداعش في مكان بعيد جدا");
  CHECK(rig.queued() == 1);
  CHECK(rig.marks("isis") == std::vector<std::string>{s.id, ""});
  rig.monitor->report_expired_silences();
  rig.monitor->report_expired_silences();
  const std::string log = rig.log_text.str();
  const std::string line = "silence " + s.id + " (rule 'isis', by tester: testing) expired";
  REQUIRE(log.find(line) != std::string::npos);
  CHECK(log.find(line, log.find(line) + 1) == std::string::npos);  // once

  const Silence r = rig.silence("rule", "badia", "1h");
  CHECK(rig.store->remove_silence(r.id, rig.clock.now()));
  CHECK_FALSE(rig.store->remove_silence(r.id, rig.clock.now()));  // not in force any more
  rig.clock.advance(SilenceList::kRefreshSeconds);                // the pipeline rereads the list
  rig.article("a", "3", "البادية", "خبر عن البادية السورية وحدها دون غيرها من المناطق الأخرى");
  CHECK(rig.marks("badia") == std::vector<std::string>{""});
  rig.monitor->report_expired_silences();
  CHECK(rig.log_text.str().find("silence " + r.id) == std::string::npos);  // removed, not expired
}

TEST_CASE("acknowledgement: a story's later copies are stored, and sent only to webhooks that ask",
          "[ack][integration][backend]") {
  SilenceRig rig("[analysts, ops]");
  rig.article("a", "1", "داعش يهاجم الميادين", kBody + " في الميادين مساء أمس");
  REQUIRE(rig.queued() == 2);  // both webhooks hear of the new story
  const std::string alert_id = rig.store->alerts(0, "isis")[0].id;
  CHECK_FALSE(rig.store->acknowledge("alert_nothing", "layla", "", rig.clock.now()));
  REQUIRE(
      rig.store->acknowledge(alert_id, "layla", "seen, forwarded to the desk", rig.clock.now()));
  rig.clock.advance(60);
  REQUIRE(rig.store->acknowledge(alert_id, "omar", "again", rig.clock.now()));  // first one kept
  const auto st = rig.article("b", "2", "الميادين: هجوم لداعش", kBody + " في الميادين مساء أمس");
  CHECK(st.alerts_updated == 1);
  // The copy joined the story (stored), and only "ops" was told.
  CHECK(test::scalar(rig.cfg.config->store_path,
                     "SELECT count(*) FROM alert_members WHERE alert_id = '" + alert_id + "'") ==
        "2");
  const auto d = rig.store->deliveries();
  REQUIRE(d.size() == 3);
  CHECK(d.back().webhook == "ops");
  const auto a = rig.store->alerts(0, "isis")[0];
  CHECK(a.acked_by == "layla");
  CHECK(a.ack_note == "seen, forwarded to the desk");
  REQUIRE(a.acked_at);
  CHECK(*a.acked_at == kStart);
  // A new story of the same rule is not acknowledged: both webhooks again.
  rig.article("b", "3", "داعش في البوكمال", "نص مختلف تماما عن خبر آخر لداعش في البوكمال وحدها");
  CHECK(rig.store->deliveries().size() == 5);
}

TEST_CASE("silences: a story whose copies were all held back is told as new when one is not",
          "[silence][integration][backend]") {
  SilenceRig rig;
  rig.silence("source", "b", "1h");
  rig.article("b", "1", "داعش يهاجم الميادين", kBody + " في الميادين مساء أمس");
  REQUIRE(rig.queued() == 0);
  rig.article("a", "2", "الميادين: هجوم لداعش", kBody + " في الميادين مساء أمس");  // a copy
  const auto d = rig.store->deliveries();
  REQUIRE(d.size() == 1);
  const std::string body = test::scalar(
      rig.cfg.config->store_path, "SELECT payload FROM deliveries WHERE id = '" + d[0].id + "'");
  CHECK(json::parse(body).at("type").as_string() == "alert.created");
  // The next copy is an update again: the story has been told.
  rig.article("a", "3", "هجوم لداعش على الميادين", kBody + " في الميادين مساء أمس");
  const auto d2 = rig.store->deliveries();
  REQUIRE(d2.size() == 2);
  CHECK(json::parse(test::scalar(rig.cfg.config->store_path,
                                 "SELECT payload FROM deliveries WHERE id = '" + d2[1].id + "'"))
            .at("type")
            .as_string() == "alert.updated");
}

TEST_CASE("rate limits: past max_alerts, alerts are stored and held back, one notice says how many",
          "[ratelimit][integration][backend]") {
  SilenceRig rig("[analysts]", ", max_alerts: {count: 2, per: 1h}");
  const std::vector<std::string> places = {"الميادين", "البوكمال", "الرقة", "الحسكة", "تدمر"};
  for (size_t i = 0; i < places.size(); ++i) {
    rig.clock.advance(60);
    const auto st = rig.article(
        "a", std::to_string(i), "داعش في " + places[i],
        "خبر عن هجوم لداعش في " + places[i] + " " + test::distinct_words(places[i], 40));
    CHECK(st.alerts_held_back == (i < 2 ? 0 : 1));
  }
  CHECK(rig.store->alerts(0, "isis").size() == 5);  // every alert stored
  CHECK(rig.queued() == 2);                         // two sent
  CHECK(test::scalar(rig.cfg.config->store_path,
                     "SELECT count(*) FROM alerts WHERE rule_id = 'isis' AND held_back = 1") ==
        "3");
  size_t shown = 0;  // as rasd alerts and /api/alerts read them
  for (const auto& a : rig.store->alerts(0, "isis")) shown += a.held_back;
  CHECK(shown == 3);
  // No notice before the window frees up (an hour after the first sent alert).
  CHECK(rig.monitor->send_held_back_notices().alerts == 0);
  rig.clock.advance(3600);
  CHECK(rig.monitor->send_held_back_notices().alerts == 1);
  CHECK(rig.monitor->send_held_back_notices().alerts == 0);  // once
  const auto d = rig.store->deliveries();
  REQUIRE(d.size() == 3);
  const auto notice = json::parse(test::scalar(
      rig.cfg.config->store_path, "SELECT payload FROM deliveries WHERE id = '" + d[2].id + "'"));
  CHECK(notice.at("type").as_string() == "alert.suppressed");
  CHECK(notice.at("held_back").as_int64() == 3);
  CHECK(notice.at("rule").at("id").as_string() == "isis");
  CHECK(std::string(notice.at("see").as_string()).find("rasd alerts --rule isis") == 0);
  // The window is free again: the next alert is sent.
  rig.article("a", "9", "داعش في دير الزور", "خبر آخر عن داعش " + test::distinct_words("دير", 40));
  CHECK(rig.queued() == 4);
}

TEST_CASE(
    "coverage: a source failing for 6 h raises rasd.source_failing once, to internal.notify, "
    "and resolves when it works again",
    "[coverage][integration][backend]") {
  SilenceRig rig;
  auto set_state = [&](const std::string& id, int64_t failures, std::optional<int64_t> success) {
    SourceState st = *rig.store->source(id);
    st.failures = failures;
    st.last_success = success;
    st.last_error = failures ? "HTTP 503" : "";
    rig.store->save_source_state(st);
  };
  // What concerns failing sources (the undelivered outbox raises rasd.outbox_stale too).
  auto failing_deliveries = [&] {
    std::vector<Delivery> out;
    for (auto& d : rig.store->deliveries()) {
      if (d.payload.find("\"rasd.source_failing\"") != std::string::npos) out.push_back(d);
    }
    return out;
  };
  const int64_t t0 = rig.clock.now();
  set_state("a", 12, t0 - 7 * 3600);  // failing, last success 7 h ago: measured from now
  set_state("b", 1, t0 - 7 * 3600);   // one failure after a quiet spell: no outage
  rig.monitor->check_coverage();
  CHECK(rig.store->alerts(0, "rasd.source_failing").empty());
  rig.clock.advance(Monitor::kFailingSeconds - 60);
  rig.monitor->check_coverage();
  CHECK(rig.store->alerts(0, "rasd.source_failing").empty());
  rig.clock.advance(60);
  rig.monitor->check_coverage();
  auto failing = rig.store->alerts(0, "rasd.source_failing");
  REQUIRE(failing.size() == 1);  // a only
  CHECK(json::parse(failing[0].payload).at("article").at("title").as_string() ==
        "rasd: source 'a' failing for 6 h | المصدر 'a' يفشل منذ 6 h");
  auto d = failing_deliveries();
  REQUIRE(d.size() == 1);
  CHECK(d[0].webhook == "ops");  // internal.notify, not every webhook
  rig.clock.advance(Monitor::kCoverageCheckSeconds);
  rig.monitor->check_coverage();
  CHECK(rig.store->alerts(0, "rasd.source_failing").size() == 1);  // once per condition

  // a works again: one internal.resolved, and nothing more after.
  set_state("a", 0, rig.clock.now());
  rig.clock.advance(Monitor::kCoverageCheckSeconds);
  rig.monitor->check_coverage();
  d = failing_deliveries();
  REQUIRE(d.size() == 2);
  const auto resolved = json::parse(test::scalar(
      rig.cfg.config->store_path, "SELECT payload FROM deliveries WHERE id = '" + d[1].id + "'"));
  CHECK(resolved.at("type").as_string() == "internal.resolved");
  CHECK(resolved.at("subject").as_string() == "a");
  CHECK(resolved.at("id").as_string() == failing[0].id);
  CHECK(d[1].webhook == "ops");
  rig.clock.advance(Monitor::kCoverageCheckSeconds);
  rig.monitor->check_coverage();
  CHECK(failing_deliveries().size() == 2);

  // A quarantined source keeps its condition untouched: no false "works again".
  set_state("b", 3, t0);
  rig.clock.advance(Monitor::kCoverageCheckSeconds);  // one pass per minute at most
  rig.monitor->check_coverage();
  rig.clock.advance(Monitor::kFailingSeconds);
  rig.monitor->check_coverage();
  REQUIRE(rig.store->alerts(0, "rasd.source_failing").size() == 2);
  rig.store->quarantine_source("b", rig.clock.now(), "crashes");
  rig.clock.advance(Monitor::kCoverageCheckSeconds);
  rig.monitor->check_coverage();
  CHECK(failing_deliveries().size() == 3);  // b's alert only, no resolved
}

TEST_CASE("coverage: internal.notify names must be webhooks", "[coverage][cli][check]") {
  test::TempDir dir;
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\nrules: []\n"
                                    "webhooks:\n  - {name: ops, url: \"https://hooks.example/o\"}\n"
                                    "internal: {notify: [ops, opps]}\n");
  auto r = test::run_process({RASD_BINARY, "check", "--config", cfg});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(cfg + ":5:26: error: internal.notify: no webhook named 'opps'") !=
        std::string::npos);
}

TEST_CASE(
    "rate limits: a held-back story told later counts, its copies count once, and a notice "
    "does not make it told",
    "[ratelimit][integration][backend]") {
  SilenceRig rig("[analysts]", ", max_alerts: {count: 1, per: 1h}");
  auto body_of = [&](const Delivery& d) {
    return json::parse(test::scalar(rig.cfg.config->store_path,
                                    "SELECT coalesce(d.payload, a.payload) FROM deliveries d JOIN "
                                    "alerts a ON a.id = d.alert_id WHERE d.id = '" +
                                        d.id + "'"));
  };
  const std::string story_b = kBody + " في البوكمال قرب الحدود العراقية";
  rig.article("a", "1", "داعش في الميادين", "خبر أول عن داعش " + test::distinct_words("م", 40));
  REQUIRE(rig.queued() == 1);
  rig.clock.advance(600);
  rig.article("a", "2", "داعش في البوكمال", story_b);  // held back
  rig.article("b", "3", "البوكمال: داعش", story_b);    // its copy: held back too, counted once
  CHECK(rig.queued() == 1);
  rig.clock.advance(3600);  // the window frees up: the notice says 1, not 2
  REQUIRE(rig.monitor->send_held_back_notices().alerts == 1);
  REQUIRE(rig.queued() == 2);
  CHECK(body_of(rig.store->deliveries()[1]).at("held_back").as_int64() == 1);
  // Another copy of the held-back story after the notice: webhooks never heard of it, so it is
  // alert.created, and it counts against the limit.
  rig.article("a", "4", "هجوم لداعش في البوكمال", story_b);
  REQUIRE(rig.queued() == 3);
  CHECK(body_of(rig.store->deliveries()[2]).at("type").as_string() == "alert.created");
  rig.clock.advance(60);
  const auto st =
      rig.article("b", "5", "داعش في تدمر", "خبر آخر عن داعش " + test::distinct_words("ت", 40));
  CHECK(st.alerts_held_back == 1);  // the told story filled the window
  CHECK(rig.queued() == 3);
}

TEST_CASE("silences: bad input is refused with what is wrong", "[silence]") {
  const text::Normalizer n;
  auto check = [&](const std::string& kind, const std::string& value, const std::string& length,
                   const std::string& reason, const std::string& expected) {
    auto s = make_silence(kind, value, length, reason, "me", kStart, n);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find(expected) == 0);
  };
  check("rules", "x", "1h", "r", "kind: one of rule, source, story, query");
  check("rule", "", "1h", "r", "rule: empty");
  check("rule", "x", "soon", "r", "for: expected a duration such as 6h or 2d, got 'soon'");
  check("rule", "x", "0s", "r", "for: expected a duration");
  check("rule", "x", "1h", "  ", "reason: required");
  check("query", "داعش AND (", "1h", "r", "query: ");
}

TEST_CASE("silences: the CLI adds, lists and removes them, and the API does too",
          "[silence][cli][api]") {
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - {id: isis, query: داعش}\n");
  dir.write("api-token", "silence-token\n");
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\nrules: [rules]\n"
                                    "http: {listen: \"127.0.0.1:0\", token_file: api-token}\n");
  auto r =
      test::run_process({RASD_BINARY, "silence", "add", "--config", cfg, "--rule", "isis", "--for",
                         "6h", "--reason", "حملة إعلامية متكررة", "--author", "layla"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto added = json::parse(r.out).as_object();
  const std::string id(added.at("id").as_string());
  CHECK(added.at("author").as_string() == "layla");
  CHECK(added.at("reason").as_string() == "حملة إعلامية متكررة");
  CHECK(added.at("active").as_bool());
  r = test::run_process({RASD_BINARY, "silence", "add", "--config", cfg, "--rule", "isiss", "--for",
                         "1h", "--reason", "x"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("warning: no loaded rule has the id 'isiss'") != std::string::npos);
  r = test::run_process({RASD_BINARY, "silence", "add", "--config", cfg, "--rule", "isis",
                         "--source", "a", "--for", "1h", "--reason", "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("exactly one of --rule, --source, --story, --query") != std::string::npos);
  r = test::run_process({RASD_BINARY, "silence", "list", "--config", cfg});
  CHECK(r.out.find(id) != std::string::npos);
  r = test::run_process({RASD_BINARY, "silence", "remove", "--config", cfg, id});
  CHECK(r.exit_code == 0);
  CHECK(test::run_process({RASD_BINARY, "silence", "list", "--config", cfg}).out.find(id) ==
        std::string::npos);
  r = test::run_process({RASD_BINARY, "silence", "list", "--config", cfg, "--all"});
  CHECK(r.out.find(id) != std::string::npos);
  CHECK(r.out.find("\"active\":false") != std::string::npos);
  CHECK(test::run_process({RASD_BINARY, "silence", "remove", "--config", cfg, id}).exit_code == 2);

  // The same through a running daemon's API, and an acknowledgement.
  {
    Store store(dir.path() + "/rasd.db");
    NewArticle art;
    art.source_id = "s";
    art.guid = "g";
    art.fetched_at = SystemClock().now();  // recent: retention keeps it
    NewAlert al;
    al.id = "alert_api";
    al.rule_id = "isis";
    al.severity = "high";
    al.created_at = art.fetched_at;
    al.payload = R"({"type":"alert.created"})";
    REQUIRE(store.insert_article(art, {al}));
  }
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("http api listening", 10000));
  std::smatch m;
  const std::string err = rasd.err();
  REQUIRE(std::regex_search(err, m, std::regex(R"(\(port (\d+)\))")));
  CurlHttpClient http;
  auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
    HttpRequest q;
    q.method = method;
    q.url = "http://127.0.0.1:" + std::string(m[1]) + target;
    q.allow_private = true;
    q.headers.emplace_back("authorization", "Bearer silence-token");
    q.body = body;
    auto res = http.perform(q);
    REQUIRE(res);
    return *res;
  };
  auto created =
      call("POST", "/api/silences",
           R"({"kind":"source","value":"a","for":"2h","reason":"down for maintenance"})");
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string api_id(json::parse(created.body).at("id").as_string());
  CHECK(json::parse(created.body).at("author").as_string() == "api");
  CHECK(call("POST", "/api/silences", R"({"kind":"source","value":"a","for":"2h"})").status == 400);
  const auto listed = json::parse(call("GET", "/api/silences", "").body).as_array();
  REQUIRE(listed.size() == 2);  // the API's and the CLI's "isiss"
  CHECK(call("DELETE", "/api/silences/" + api_id, "").status == 200);
  CHECK(call("DELETE", "/api/silences/" + api_id, "").status == 404);
  CHECK(json::parse(call("GET", "/api/silences", "").body).as_array().size() == 1);
  auto acked = call("POST", "/api/alerts/alert_api/ack", R"({"by":"omar","note":"seen"})");
  INFO(acked.body);
  CHECK(acked.status == 200);
  CHECK(call("POST", "/api/alerts/alert_none/ack", "").status == 404);
  CHECK(call("GET", "/api/alerts/alert_api/ack", "").status == 405);
  const auto listed_alerts = json::parse(call("GET", "/api/alerts", "").body).as_array();
  REQUIRE(listed_alerts.size() == 1);
  CHECK(listed_alerts[0].at("acknowledged").at("by").as_string() == "omar");
  CHECK(listed_alerts[0].at("acknowledged").at("note").as_string() == "seen");
}

TEST_CASE("acknowledgement: rasd alerts ack and POST /api/alerts/ID/ack", "[ack][cli]") {
  test::TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", "store: {path: rasd.db}\nrules: []\n");
  {
    Store store(dir.path() + "/rasd.db");
    NewArticle a;
    a.source_id = "s";
    a.guid = "g";
    a.title = "داعش";
    a.fetched_at = kStart;
    NewAlert al;
    al.id = "alert_x";
    al.rule_id = "isis";
    al.severity = "high";
    al.created_at = kStart;
    al.payload = R"({"type":"alert.created","article":{"title":"داعش"}})";
    REQUIRE(store.insert_article(a, {al}));
  }
  auto r = test::run_process({RASD_BINARY, "alerts", "ack", "--config", cfg, "alert_x", "--by",
                              "layla", "--note", "نُقل إلى المكتب"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"by\":\"layla\"") != std::string::npos);
  r = test::run_process({RASD_BINARY, "alerts", "--config", cfg});
  CHECK(r.out.find("(acknowledged by layla)") != std::string::npos);
  r = test::run_process({RASD_BINARY, "alerts", "ack", "--config", cfg, "alert_none"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no alert 'alert_none'") != std::string::npos);
}

TEST_CASE("rate limits: rasd check reports a bad max_alerts at its line and column",
          "[ratelimit][cli][check]") {
  test::TempDir dir;
  const std::string rules =
      dir.write("rules/a.yaml",
                "rules:\n"
                "  - id: a\n    query: داعش\n    max_alerts: {count: 0, per: 1h}\n"
                "  - id: b\n    query: داعش\n    max_alerts: {count: 5, per: soon}\n"
                "  - id: c\n    query: داعش\n    max_alerts: {count: 5, every: 1h}\n"
                "  - id: d\n    query: داعش\n    max_alerts: {count: 5, per: 200d}\n"
                "  - id: e\n    query: داعش\n    threshold: {count: 3}\n"
                "    max_alerts: {count: 5, per: 1h}\n");
  const std::string cfg = dir.write("rasd.yaml", "store: {path: rasd.db}\nrules: [rules]\n");
  auto r = test::run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(rules + ":4:25: error: rule 'a': max_alerts.count must be at least 1") !=
        std::string::npos);
  CHECK(r.out.find(rules + ":7:33: error: rule 'b': max_alerts.per must be a duration") !=
        std::string::npos);
  CHECK(r.out.find(rules + ":10:28: error: rule 'c': unknown key 'every' in max_alerts") !=
        std::string::npos);
  CHECK(r.out.find(rules + ":10:17: error: rule 'c': max_alerts needs a period") !=
        std::string::npos);
  CHECK(r.out.find(rules +
                   ":13:33: error: rule 'd': max_alerts.per is longer than store.retention") !=
        std::string::npos);
  CHECK(r.out.find(rules +
                   ":17:17: error: rule 'e': max_alerts does not apply to a threshold rule") !=
        std::string::npos);
}
