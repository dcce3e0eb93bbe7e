// The runtime under faults (issue 18), on the real `rasd run` process against real servers on
// 127.0.0.1: a webhook receiver that never answers, a source that never answers, follow-up pages
// that fail, a reload in the middle of follow-up fetches, a source whose body crashes a parser,
// and a store on a tmpfs that fills up. Each checks that nothing accepted is lost or doubled.
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "test_util.hpp"

using namespace rasd;
using namespace rasd::test;
using namespace std::chrono_literals;

namespace {

std::string feed_of(const std::string& prefix, int n, const std::string& word = "داعش") {
  std::string out = "<rss version=\"2.0\"><channel><title>" + prefix + "</title>";
  for (int i = 0; i < n; ++i) {
    const std::string id = prefix + "-" + std::to_string(i);
    out += "<item><title>" + word + " خبر " + id + "</title><guid>" + id + "</guid><description>" +
           word + distinct_words(id) + "</description></item>";
  }
  return out + "</channel></rss>";
}

std::string article_page(const std::string& title, const std::string& words) {
  return "<html lang=\"ar\"><head><meta charset=\"utf-8\"><title>" + title +
         "</title></head><body><div class=\"article\"><h1>" + title + "</h1><p>" + words +
         distinct_words(title + "1") + ".</p><p>" + words + distinct_words(title + "2") +
         ".</p></div></body></html>";
}

}  // namespace

TEST_CASE(
    "runtime: a webhook receiver and a source that never answer hold neither polling nor the "
    "watchdog, SIGTERM exits within 12 s and counts no failure",
    "[integration][runtime][faults]") {
  test::TempDir dir;
  SilentListener hang_hook, hang_source;
  std::atomic<int> healthy_polls{0};
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/alerts.xml") {
      return test::Response{200, {{"Content-Type", "application/rss+xml"}}, feed_of("a", 10)};
    }
    ++healthy_polls;
    return test::Response{200,
                          {{"Content-Type", "application/rss+xml"}},
                          feed_of("h" + std::to_string(healthy_polls.load()), 1, "طقس")};
  });
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n    notify: [hang]\n");
  const std::string cfg = dir.write(
      "rasd.yaml",
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
      "http: {listen: \"\"}\ndefaults: {interval: 1s, min_interval: 1s, per_host_gap: 0}\n"
      "webhooks:\n  - {name: hang, url: \"" +
          hang_hook.url("/hook") +
          "\", timeout: 30s, concurrency: 4}\n"
          "sources:\n  - {id: alerts, url: \"" +
          site.url("/alerts.xml") +
          "\"}\n"
          "  - {id: healthy, url: \"" +
          site.url("/healthy.xml") +
          "\"}\n"
          "  - {id: silent, url: \"" +
          hang_source.url("/feed.xml") + "\", interval: 1h}\n");
  NotifySocket notify(dir.file("notify.sock"));
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"},
                     {notify.env(), "WATCHDOG_USEC=2000000"});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  REQUIRE(rasd.wait_for("alert", 10000));
  const auto from = SteadyClock::now();
  const int polls_before = healthy_polls;
  rasd.wait_for("\x01never logged\x01",
                5000);  // reads its log meanwhile (a full pipe would block it)
  const auto to = SteadyClock::now();
  const auto [gap, pings] = notify.watchdog(from, to);
  INFO(rasd.err());
  CHECK(gap < 2.0);
  CHECK(pings >= 20);
  // The healthy source is polled about every second while 4 requests hang on the receiver.
  CHECK(healthy_polls - polls_before >= 3);
  const std::string db = dir.file("rasd.db");
  CHECK(scalar(db, "SELECT count(*) FROM alerts") == "10");

  const auto stop_at = SteadyClock::now();
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  const double stop_seconds = std::chrono::duration<double>(SteadyClock::now() - stop_at).count();
  CHECK(stop_seconds < 12.0);
  // Nothing was delivered, nothing is lost: every delivery is pending, and the requests cut
  // off at shutdown are not attempts; the silent source's cut-off fetch is not a failure.
  CHECK(scalar(db, "SELECT count(*) FROM deliveries WHERE state = 'pending'") == "10");
  CHECK(scalar(db, "SELECT count(*) FROM delivery_attempts") == "0");
  CHECK(scalar(db, "SELECT failures FROM sources WHERE id = 'silent'") == "0");
}

TEST_CASE(
    "runtime: an html source's page that fails once is stored later, though the section page "
    "answers 304",
    "[integration][runtime][faults][html]") {
  std::atomic<int> fails_left{1};
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/news") {
      if (auto it = r.headers.find("if-none-match");
          it != r.headers.end() && it->second == "\"s1\"") {
        return test::Response{304, {}, ""};
      }
      return test::Response{
          200,
          {{"Content-Type", "text/html; charset=utf-8"}, {"ETag", "\"s1\""}},
          "<html><body><ul class=\"l\">"
          "<li><a href=\"/a/1\">الأول</a></li><li><a href=\"/a/2\">الثاني</a></li>"
          "<li><a href=\"/a/3\">الثالث</a></li></ul></body></html>"};
    }
    if (r.target == "/a/2" && fails_left.fetch_sub(1) > 0) return test::Response{500, {}, "down"};
    const std::string n = r.target.substr(3);
    return test::Response{200,
                          {{"Content-Type", "text/html; charset=utf-8"}},
                          article_page("خبر رقم " + n + " عن داعش", "تفاصيل الخبر " + n)};
  });
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\ndefaults: {per_host_gap: 0}\nsources:\n"
                "  - {id: site, url: \"" +
                    site.url("/news") + "\", type: html, links: \"ul.l a\"}\n");
  const std::string db = dir.file("rasd.db");
  for (int poll = 0; poll < 3; ++poll) {
    auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    if (poll == 0) {
      CHECK(scalar(db, "SELECT count(*) FROM articles") == "2");
      CHECK(scalar(db, "SELECT attempts || ' ' || state || ' ' || last_error FROM page_fetches") ==
            "1 pending HTTP 500");
    }
    // Time passes (the page's retry delay): the test moves the stored schedule, not a clock.
    scalar(db, "UPDATE page_fetches SET next_attempt = 0");
  }
  CHECK(site.request_count("/news") == 3);
  CHECK(scalar(db, "SELECT count(*) FROM articles") == "3");
  CHECK(scalar(db, "SELECT count(DISTINCT guid) FROM articles") == "3");
  CHECK(scalar(db, "SELECT count(*) FROM alerts") == "3");
  CHECK(scalar(db, "SELECT count(*) FROM page_fetches") == "0");
  CHECK(site.request_count("/a/2") == 2);
}

TEST_CASE("runtime: a page that fails for ever is marked dead after 10 tries, visible and counted",
          "[integration][runtime][faults][html]") {
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/news") {
      return test::Response{200,
                            {{"Content-Type", "text/html; charset=utf-8"}},
                            "<html><body><ul class=\"l\"><li><a href=\"/a/gone\">خبر</a></li>"
                            "</ul></body></html>"};
    }
    return test::Response{404, {}, "no"};
  });
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\ndefaults: {per_host_gap: 0}\nsources:\n"
                "  - {id: site, url: \"" +
                    site.url("/news") + "\", type: html, links: \"ul.l a\"}\n");
  const std::string db = dir.file("rasd.db");
  for (int i = 0; i < 12; ++i) {
    auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
    REQUIRE(r.exit_code == 0);
    scalar(db, "UPDATE page_fetches SET next_attempt = 0");
  }
  CHECK(site.request_count("/a/gone") == 10);
  CHECK(scalar(db, "SELECT state || ' ' || attempts || ' ' || last_error FROM page_fetches") ==
        "dead 10 HTTP 404");
  CHECK(scalar(db, "SELECT count(*) FROM articles") == "0");
}

TEST_CASE("runtime: SIGHUP in the middle of follow-up fetches loses nothing and doubles nothing",
          "[integration][runtime][faults][reload]") {
  std::atomic<int> pages_served{0};
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/news") {
      std::string list = "<html><body><ul class=\"l\">";
      for (int i = 1; i <= 5; ++i)
        list += "<li><a href=\"/a/" + std::to_string(i) + "\">خبر</a></li>";
      return test::Response{
          200, {{"Content-Type", "text/html; charset=utf-8"}}, list + "</ul></body></html>"};
    }
    if (r.target == "/feed.xml") {
      std::string f = "<rss version=\"2.0\"><channel><title>f</title>";
      for (int i = 1; i <= 3; ++i) {
        const std::string n = std::to_string(i);
        f += "<item><title>داعش عنوان " + n + "</title><guid>ft-" + n + "</guid><link>/p/" + n +
             "</link><description>مقدمة " + n + "</description></item>";
      }
      return test::Response{200, {{"Content-Type", "application/rss+xml"}}, f + "</channel></rss>"};
    }
    ++pages_served;
    const std::string n = r.target.substr(3);
    return test::Response{200,
                          {{"Content-Type", "text/html; charset=utf-8"}},
                          article_page("داعش " + r.target, "نص الصفحة " + n + " " + r.target),
                          700};
  });
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string yaml =
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
      "http: {listen: \"\"}\ndefaults: {per_host_gap: 0, per_host_concurrency: 1}\nsources:\n"
      "  - {id: site, url: \"" +
      site.url("/news") +
      "\", type: html, links: \"ul.l a\"}\n"
      "  - {id: ft, url: \"" +
      site.url("/feed.xml") + "\", full_text: true}\n";
  const std::string cfg = dir.write("rasd.yaml", yaml);
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  while (pages_served < 2) std::this_thread::sleep_for(50ms);
  // A reload that changes the rules while six pages are queued or in flight.
  dir.write("rules.yaml",
            "rules:\n  - id: isis\n    query: داعش\n  - id: second\n    query: عنوان\n");
  rasd.signal(SIGHUP);
  REQUIRE(rasd.wait_for("reloaded: 2 sources, 2 rules", 10000));
  const std::string db = dir.file("rasd.db");
  for (int i = 0; i < 200 && scalar(db, "SELECT count(*) FROM articles") != "8"; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  INFO(rasd.err());
  CHECK(scalar(db, "SELECT count(*) FROM articles") == "8");
  CHECK(scalar(db, "SELECT count(DISTINCT source_id || guid) FROM articles") == "8");
  // The full_text items keep the feed's identity (not their page URL as GUID).
  CHECK(scalar(db, "SELECT count(*) FROM articles WHERE source_id = 'ft' AND guid LIKE 'ft-%'") ==
        "3");
  // Every article is in an alert of the rule exactly once (copies of a story share one alert).
  CHECK(scalar(db,
               "SELECT count(*) FROM alert_members m JOIN alerts a ON a.id = m.alert_id "
               "WHERE a.rule_id = 'isis'") == "8");
  CHECK(scalar(db, "SELECT count(*) FROM page_fetches") == "0");
  CHECK(pages_served == 8);
}

TEST_CASE(
    "runtime: a source whose body crashes a parser is quarantined after 3 crashes, the others go "
    "on",
    "[integration][runtime][faults][poison]") {
  std::atomic<int> good_polls{0};
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/bad.xml") {
      return test::Response{
          200, {{"Content-Type", "application/rss+xml"}}, feed_of("POISON-PILL", 1)};
    }
    ++good_polls;
    return test::Response{200,
                          {{"Content-Type", "application/rss+xml"}},
                          feed_of("good" + std::to_string(good_polls.load()), 1)};
  });
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\ndefaults: {per_host_gap: 0}\nsources:\n"
                "  - {id: good, url: \"" +
                    site.url("/good.xml") +
                    "\"}\n"
                    "  - {id: bad, url: \"" +
                    site.url("/bad.xml") + "\"}\n");
  const std::string db = dir.file("rasd.db");
  const std::vector<std::string> env = {"RASD_FAULT_CRASH_ON=POISON-PILL",
                                        "ASAN_OPTIONS=handle_abort=0"};
  for (int crash = 1; crash <= 3; ++crash) {
    test::Process rasd({RASD_BINARY, "run", "--once", "--config", cfg}, env);
    CHECK(rasd.wait() != 0);  // killed by the crash
    if (crash > 1)
      CHECK(scalar(db, "SELECT crashes FROM sources WHERE id = 'bad'") ==
            std::to_string(crash - 1));
  }
  // The fourth start blames the third crash and quarantines the source; the good one is polled.
  auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("source 'bad': quarantined") != std::string::npos);
  CHECK(scalar(db, "SELECT count(*) FROM articles WHERE source_id = 'good'") != "0");
  CHECK(scalar(db, "SELECT count(*) FROM articles WHERE source_id = 'bad'") == "0");
  CHECK(scalar(db, "SELECT count(*) FROM alerts WHERE rule_id = 'rasd.source_quarantined'") == "1");
  const int bad_requests = static_cast<int>(site.request_count("/bad.xml"));
  CHECK(bad_requests == 3);
  auto list = test::run_process({RASD_BINARY, "sources", "list", "--config", cfg});
  CHECK(list.out.find("\"id\":\"bad\"") != std::string::npos);
  CHECK(list.out.find("\"quarantined\":true") != std::string::npos);
  // Released by the operator, it is polled again.
  auto rel = test::run_process({RASD_BINARY, "sources", "release", "bad", "--config", cfg});
  CHECK(rel.exit_code == 0);
  CHECK(scalar(db, "SELECT quarantined_at IS NULL FROM sources WHERE id = 'bad'") == "1");
}

TEST_CASE(
    "runtime: a store on a tmpfs that fills mid-cycle, then grows: every article stored once, "
    "counters match the rows",
    "[integration][runtime][faults][diskfull]") {
  test::TempDir dir;
  const std::string mnt = dir.file("small");
  REQUIRE(mkdir(mnt.c_str(), 0700) == 0);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=600k") != 0) {
    WARN("SKIPPED: cannot mount a tmpfs here (" << std::strerror(errno)
                                                << "); the disk-full test did not run");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  test::HttpServer site([&](const test::Request& r) {
    std::string f = "<rss version=\"2.0\"><channel><title>t</title>";
    for (int i = 0; i < 20; ++i) {
      const std::string id = r.target + "-" + std::to_string(i);
      f += "<item><title>داعش " + id + "</title><guid>" + id + "</guid><description>داعش " + id +
           distinct_words(id, 200) + "</description></item>";
    }
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, f + "</channel></rss>"};
  });
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  std::string sources;
  for (int i = 0; i < 40; ++i)
    sources += "  - {id: s" + std::to_string(i) + ", url: \"" + site.url("/f" + std::to_string(i)) +
               "\"}\n";
  const std::string cfg = dir.write(
      "rasd.yaml",
      "store: {path: " + mnt +
          "/rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
          "http: {listen: \"\"}\ndefaults: {per_host_gap: 0, per_host_concurrency: 8}\nsources:\n" +
          sources);
  auto r1 = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(r1.err);
  REQUIRE(r1.exit_code == 0);
  const std::string db = mnt + "/rasd.db";
  const std::string stored_first = scalar(db, "SELECT count(*) FROM articles");
  CHECK(std::stoi(stored_first) < 800);  // the disk filled mid-cycle
  CHECK(r1.err.find("store:") != std::string::npos);
  // The summary counts what was committed, not what was parsed.
  CHECK(r1.err.find(" " + stored_first + " new articles") != std::string::npos);
  // The daemon on the still-full disk: /readyz says not ready while its commits fail, and
  // ready again once the disk has grown.
  dir.write("api-token", "t0ken-for-tests-0123456789\n");
  std::string daemon_yaml = test::read_file(cfg);
  daemon_yaml.replace(daemon_yaml.find("http: {listen: \"\"}"),
                      std::string("http: {listen: \"\"}").size(),
                      "http: {listen: \"127.0.0.1:0\", token_file: " + dir.file("api-token") + "}");
  const std::string daemon_cfg = dir.write("daemon.yaml", daemon_yaml);
  test::Process rasd({RASD_BINARY, "run", "--config", daemon_cfg, "--tick-ms", "100"});
  REQUIRE(rasd.wait_for("(port ", 20000));
  const size_t at = rasd.err().find("(port ") + 6;
  const int port = std::stoi(rasd.err().substr(at));
  CHECK(wait_for_readyz(rasd, port, 503, 100) == 503);
  // The disk grows; the next cycles fetch what was not kept.
  REQUIRE(mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0);
  CHECK(wait_for_readyz(rasd, port, 200, 100) == 200);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  for (int i = 0;
       i < 3 && scalar(db, "SELECT count(*) FROM articles WHERE source_id <> 'rasd'") != "800";
       ++i) {
    auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
    REQUIRE(r.exit_code == 0);
  }
  // (Beside them, rasd's own alerts: the rule matches every article, so rasd.rule_too_broad.)
  const std::string fetched = " FROM articles WHERE source_id <> 'rasd'";
  CHECK(scalar(db, "SELECT count(*)" + fetched) == "800");
  CHECK(scalar(db, "SELECT count(DISTINCT guid)" + fetched) == "800");
  CHECK(scalar(db, "SELECT count(*) FROM alert_members WHERE source_id <> 'rasd'") == "800");
  CHECK(scalar(db, "PRAGMA integrity_check") == "ok");
}

TEST_CASE(
    "runtime: more answers at once than the parse worker takes: --once still ends with every "
    "article stored",
    "[integration][runtime]") {
  // 120 sources answering at once through 8 requests in flight: the worker takes 8 answers,
  // the rest wait on the loop for room (and --once must not end, or hang, meanwhile).
  HttpServer site([&](const Request& r) {
    return Response{200, {{"Content-Type", "application/rss+xml"}}, feed_of(r.target.substr(1), 5)};
  });
  TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  std::string sources;
  for (int i = 0; i < 120; ++i) {
    sources += "  - {id: s" + std::to_string(i) + ", url: \"" + site.url("/f" + std::to_string(i)) +
               "\"}\n";
  }
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\ndefaults: {per_host_gap: 0, per_host_concurrency: 8, "
                "max_concurrency: 8}\n"
                "sources:\n" +
                    sources);
  auto r = run_process({"/usr/bin/timeout", "120", RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(scalar(dir.file("rasd.db"), "SELECT count(*) FROM articles") == "600");
  CHECK(r.err.find("120 fetched") != std::string::npos);
}

TEST_CASE("runtime: a reload that removes a source or changes its URL while its fetch is in flight",
          "[integration][runtime][reload]") {
  // Both old URLs answer slowly; the reload lands while their fetches are in flight.
  std::atomic<int> old_served{0}, new_served{0};
  HttpServer site([&](const Request& r) {
    if (r.target == "/new.xml") {
      ++new_served;
      return Response{200, {{"Content-Type", "application/rss+xml"}}, feed_of("new", 2)};
    }
    ++old_served;
    return Response{200,
                    {{"Content-Type", "application/rss+xml"}},
                    feed_of("old" + r.target.substr(1, 4), 2),
                    1500};
  });
  TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string head =
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\nhttp: {listen: "
      "\"\"}\n"
      "defaults: {per_host_gap: 0, per_host_concurrency: 4}\nsources:\n";
  const std::string cfg =
      dir.write("rasd.yaml", head + "  - {id: moved, url: \"" + site.url("/movd.xml") +
                                 "\"}\n  - {id: gone, url: \"" + site.url("/gone.xml") + "\"}\n");
  Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  for (int i = 0; i < 100 && old_served < 2; ++i) std::this_thread::sleep_for(20ms);
  REQUIRE(old_served == 2);  // both fetches are in flight (each answers after 1.5 s)
  dir.write("rasd.yaml", head + "  - {id: moved, url: \"" + site.url("/new.xml") + "\"}\n");
  rasd.signal(SIGHUP);
  REQUIRE(rasd.wait_for("reloaded: 1 sources", 10000));
  REQUIRE(rasd.wait_for("source 'moved': 2 items, 2 new", 10000));
  rasd.wait_for("\x01never\x01", 2000);  // the old answers have arrived by now
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  INFO(rasd.err());
  const std::string db = dir.file("rasd.db");
  // Nothing from the old URLs is stored: the moved source's answer was read under its old
  // URL and is fetched again from the new one; the removed source's answer is dropped.
  CHECK(scalar(db, "SELECT count(*) FROM articles WHERE guid LIKE 'old%'") == "0");
  CHECK(
      scalar(db, "SELECT count(*) FROM articles WHERE source_id = 'moved' AND guid LIKE 'new-%'") ==
      "2");
  CHECK(scalar(db, "SELECT count(*) FROM articles WHERE source_id = 'gone'") == "0");
  CHECK(new_served >= 1);
}

TEST_CASE("runtime: a stderr nobody reads blocks neither the loop nor the watchdog",
          "[integration][runtime][faults]") {
  HttpServer site([&](const Request& r) {
    return Response{200, {{"Content-Type", "application/rss+xml"}}, feed_of(r.target.substr(1), 5)};
  });
  TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  std::string sources;
  for (int i = 0; i < 200; ++i) {
    sources += "  - {id: s" + std::to_string(i) + ", url: \"" + site.url("/f" + std::to_string(i)) +
               "\"}\n";
  }
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\ndefaults: {per_host_gap: 0, per_host_concurrency: 16}\n"
                "sources:\n" +
                    sources);
  NotifySocket notify(dir.file("notify.sock"));
  // 1,000 alerts logged at debug level: far more than a pipe holds, and nobody reads it.
  Process rasd({RASD_BINARY, "--log-level", "debug", "run", "--config", cfg, "--tick-ms", "100"},
               {notify.env(), "WATCHDOG_USEC=2000000"});
  const auto from = SteadyClock::now();
  std::string stored;
  for (int i = 0; i < 300 && (stored = scalar_or_empty(dir.file("rasd.db"),
                                                       "SELECT count(*) FROM articles WHERE "
                                                       "source_id <> 'rasd'")) != "1000";
       ++i) {
    std::this_thread::sleep_for(100ms);  // deliberately not reading the daemon's stderr
  }
  CHECK(stored == "1000");
  // At least a second more, and a window of at least 1.5 s: an optimized build stores the
  // 1,000 articles in well under a second, which would leave too short a window to count.
  std::this_thread::sleep_until(std::max(SteadyClock::now() + 1s, from + 2500ms));
  const auto [gap, pings] = notify.watchdog(from + 1s, SteadyClock::now());
  CHECK(gap < 2.0);
  CHECK(pings >= 5);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
}

TEST_CASE("runtime: a wall-clock jump of a day back and forth changes no schedule",
          "[integration][runtime][faults][clock]") {
  // The daemon's wall clock is the system's plus the offset in this file (a test-only hook).
  test::TempDir dir;
  const std::string offset_file = dir.write("clock-offset", "0\n");
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/news") {
      return test::Response{200,
                            {{"Content-Type", "text/html; charset=utf-8"}},
                            "<html><body><ul class=\"l\"><li><a href=\"/a/down\">خبر</a></li>"
                            "<li><a href=\"/a/up\">خبر آخر</a></li></ul></body></html>"};
    }
    if (r.target == "/a/down") return test::Response{500, {}, "down"};
    return test::Response{200,
                          {{"Content-Type", "text/html; charset=utf-8"}},
                          article_page("هجوم لداعش في البادية", "تفاصيل الهجوم")};
  });
  std::atomic<int> hook_calls{0};
  test::HttpServer hook([&](const test::Request&) {
    if (++hook_calls == 1) return test::Response{503, {{"Retry-After", "3"}}, "busy"};
    return test::Response{200, {}, "ok"};
  });
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n    notify: [hook]\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\ndefaults: {interval: 1h, per_host_gap: 0}\n"
                "webhooks:\n  - {name: hook, url: \"" +
                    hook.url("/h") +
                    "\", group: false}\n"
                    "sources:\n  - {id: site, url: \"" +
                    site.url("/news") + "\", type: html, links: \"ul.l a\"}\n");
  const std::string db = dir.file("rasd.db");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"},
                     {"RASD_FAULT_CLOCK_FILE=" + offset_file});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  for (int i = 0; i < 200 && (hook_calls < 1 || site.request_count("/a/down") < 1); ++i)
    std::this_thread::sleep_for(50ms);
  REQUIRE(hook_calls == 1);                     // 503, Retry-After: 3
  REQUIRE(site.request_count("/a/down") == 1);  // 500: tried again in 5 minutes
  std::this_thread::sleep_for(300ms);           // its failure is recorded

  auto fake_now = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  // A day back (measured to the second: 86399 to 86401): the delivery still goes out 3 s after
  // the 503, not a day later.
  size_t mark = rasd.err().size();
  dir.write("clock-offset", "-86400\n");
  if (!rasd.wait_for("the wall clock jumped by -86", 5000, mark)) FAIL(rasd.err());
  for (int i = 0; i < 160 && hook_calls < 2; ++i) std::this_thread::sleep_for(50ms);
  CHECK(hook_calls == 2);
  const int64_t back = fake_now() - 86400;
  const int64_t page_due = std::stoll(scalar(db, "SELECT next_attempt FROM page_fetches"));
  CHECK(page_due - back > 200);  // still about 5 minutes away
  CHECK(page_due - back <= 300);
  const int64_t poll_due = std::stoll(scalar(db, "SELECT next_due FROM sources"));
  CHECK(poll_due - back > 3000);   // still about an hour away
  CHECK(poll_due - back <= 3960);  // the interval has 10 % jitter

  // A day forward again: the page is not tried at once, nor is the section page polled.
  mark = rasd.err().size();
  dir.write("clock-offset", "0\n");
  if (!rasd.wait_for("the wall clock jumped by 86", 5000, mark)) FAIL(rasd.err());
  std::this_thread::sleep_for(1500ms);
  CHECK(site.request_count("/a/down") == 1);
  CHECK(site.request_count("/news") == 1);
  const int64_t page_due_after = std::stoll(scalar(db, "SELECT next_attempt FROM page_fetches"));
  CHECK(page_due_after - fake_now() > 200);
  CHECK(page_due_after - fake_now() <= 300);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  CHECK(scalar(db, "SELECT count(*) FROM articles") == "1");
  CHECK(scalar(db, "SELECT state FROM deliveries") == "delivered");
}
