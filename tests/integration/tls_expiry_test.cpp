// TLS certificates about to expire, as coverage conditions (issue 20): nginx serves a feed and a
// webhook on 127.0.0.1 over TLS with a leaf certificate from a test CA that the source and the
// webhook trust through `ca_file`. The Monitor polls through the real curl client and the
// Deliverer posts through the real fetcher; each records the expiry it saw at the handshake, and
// on a fake clock the rasd.source_tls_expiring and rasd.webhook_tls_expiring alerts are raised
// once, 14 days before, and resolve once the certificate is renewed.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <ctime>
#include <sstream>
#include <thread>

#include "fault_support.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "test_util.hpp"

using namespace rasd;
using namespace std::chrono_literals;

namespace {

void must_run(const std::vector<std::string>& argv) {
  auto r = test::run_process(argv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// nginx on a free loopback port with TLS: /feed.xml from the www folder, POST /hook answers 204.
// Every request opens a new connection and makes a full handshake (no keep-alive, no session
// resumption), as a renewed certificate needs to be seen at once.
class TlsSite {
 public:
  explicit TlsSite(const test::TempDir& dir) : dir_(dir) {
    chmod(dir.path().c_str(), 0755);  // nginx's workers may run as another user
    must_run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir.file("ca.key"), "-out",
              dir.file("ca.pem"), "-days", "3650", "-subj", "/CN=rasd test CA"});
    dir.write("san.cnf", "subjectAltName=IP:127.0.0.1\n");
    issue(90);
    {
      test::SilentListener probe;  // a free port: bound, read, released
      port_ = probe.port();
    }
    must_run({"/bin/mkdir", "-p", dir.file("www")});
    chmod(dir.file("www").c_str(), 0755);
    const std::string conf =
        dir.write("nginx.conf",
                  "worker_processes 1;\ndaemon off;\npid " + dir.file("nginx.pid") +
                      ";\nerror_log " + dir.file("nginx-error.log") +
                      ";\nevents { worker_connections 64; }\n"
                      "http { access_log off; keepalive_timeout 0; ssl_session_tickets off;\n"
                      "  ssl_session_cache off; types { application/rss+xml xml; }\n"
                      "  server { listen 127.0.0.1:" +
                      std::to_string(port_) + " ssl;\n    ssl_certificate " + dir.file("leaf.pem") +
                      ";\n    ssl_certificate_key " + dir.file("leaf.key") + ";\n    root " +
                      dir.file("www") + ";\n    location = /hook { return 204; } } }\n");
    nginx_ = std::make_unique<test::Process>(
        std::vector<std::string>{"/usr/sbin/nginx", "-c", conf, "-p", dir.path()});
    for (int i = 0; i < 100 && !listening(); ++i) std::this_thread::sleep_for(50ms);
    REQUIRE(listening());
  }
  ~TlsSite() {
    nginx_->signal(SIGQUIT);
    nginx_->wait();
  }
  std::string url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
  }
  void feed(const std::string& items) {
    const std::string path =
        dir_.write("www/feed.xml",
                   "<rss version=\"2.0\"><channel><title>t</title>" + items + "</channel></rss>");
    chmod(path.c_str(), 0644);
  }
  // A new leaf certificate valid for `days` from now, served from the next connection on.
  void renew(int days) {
    issue(days);
    nginx_->signal(SIGHUP);  // nginx re-reads its certificates on reload
  }

 private:
  void issue(int days) {
    must_run({"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir_.file("leaf.key"), "-out",
              dir_.file("leaf.csr"), "-subj", "/CN=127.0.0.1"});
    must_run({"/usr/bin/openssl", "x509", "-req", "-in", dir_.file("leaf.csr"), "-CA",
              dir_.file("ca.pem"), "-CAkey", dir_.file("ca.key"), "-CAcreateserial", "-days",
              std::to_string(days), "-extfile", dir_.file("san.cnf"), "-out",
              dir_.file("leaf.pem")});
  }
  bool listening() const {
    return test::run_process({"/usr/bin/openssl", "s_client", "-connect",
                              "127.0.0.1:" + std::to_string(port_), "-brief"},
                             "")
               .exit_code == 0;
  }
  const test::TempDir& dir_;
  unsigned short port_ = 0;
  std::unique_ptr<test::Process> nginx_;
};

std::string item(const std::string& guid, const std::string& title) {
  return "<item><guid>" + guid + "</guid><title>" + title + "</title><description>" + title +
         " في ريف المحافظة</description></item>";
}

int64_t real_now() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

TEST_CASE(
    "coverage: a source's and a webhook's TLS certificate expiring within 14 days raise "
    "rasd.source_tls_expiring and rasd.webhook_tls_expiring once, resolved by the renewal",
    "[coverage][tls][integration]") {
  test::TempDir dir;
  TlsSite site(dir);
  site.feed(item("g1", "هجوم لداعش"));
  dir.write("rules.yaml", "rules:\n  - {id: isis, query: داعش, notify: [analysts]}\n");
  ConfigLoad cfg = load_config_file(
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nhttp: {listen: \"\"}\n"
                "network: {allow_private: true}\n"
                "webhooks:\n  - {name: analysts, url: \"" +
                    site.url("/hook") +
                    "\", group: false, ca_file: ca.pem}\n"
                    "  - {name: ops, url: \"http://127.0.0.1:9/o\"}\n"
                    "internal: {notify: [ops]}\n"
                    "sources:\n  - {id: a, url: \"" +
                    site.url("/feed.xml") + "\", ca_file: ca.pem}\n"));
  INFO(cfg.diagnostics.format());
  REQUIRE(cfg.config);
  text::Normalizer normalizer;
  Diagnostics diag;
  auto rules = rules::load_rules(read_rule_files(*cfg.config, diag), normalizer);
  REQUIRE(rules.rules);
  Store store(cfg.config->store_path);
  CurlHttpClient http;
  ManualClock clock{real_now()};  // the certificates are checked against the real time
  std::ostringstream log_text;
  auto log = std::make_shared<spdlog::logger>(
      "t", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
  Monitor monitor(*cfg.config, rules.rules, normalizer, store, http, clock, log);
  const SourceConfig& source = cfg.config->sources.front();
  auto raised = [&](const std::string& kind) { return store.alerts(0, "rasd." + kind); };
  auto resolved = [&](const std::string& kind) {
    size_t n = 0;
    for (const auto& d : store.deliveries()) {
      n += d.payload.find("\"internal.resolved\"") != std::string::npos &&
           d.payload.find("\"rasd." + kind + "\"") != std::string::npos;
    }
    return n;
  };
  auto webhook_expiry = [&]() -> std::optional<int64_t> {
    for (const auto& c : store.webhook_certificates()) {
      if (c.webhook == "analysts") {
        CHECK(c.origin == site.url(""));
        return c.expires_at;
      }
    }
    return std::nullopt;
  };

  // The first poll over TLS records the source's certificate; the alert's POST the webhook's.
  auto stats = monitor.poll_source(source);
  INFO(log_text.str());
  REQUIRE(stats.new_articles == 1);
  const auto first = store.source("a")->tls_expires_at;
  REQUIRE(first);
  CHECK(std::llabs(*first - (real_now() + 90 * 86400)) < 600);
  deliver_due_once(*cfg.config, store, clock, log);
  REQUIRE(webhook_expiry());
  CHECK(std::llabs(*webhook_expiry() - *first) < 600);

  // 90 days left: nothing to say. 77 days and a minute later, 12 whole days are left: each
  // raises its alert once.
  clock.advance(60);
  monitor.check_coverage();
  CHECK(raised("source_tls_expiring").empty());
  CHECK(raised("webhook_tls_expiring").empty());
  clock.advance(77 * 86400);
  monitor.check_coverage();
  auto src = raised("source_tls_expiring");
  REQUIRE(src.size() == 1);
  CHECK(src[0].payload.find("TLS certificate of source 'a' expires in 12 days") !=
        std::string::npos);
  auto hook = raised("webhook_tls_expiring");
  REQUIRE(hook.size() == 1);
  CHECK(hook[0].payload.find("webhook 'analysts'") != std::string::npos);
  clock.advance(3600);
  monitor.check_coverage();
  CHECK(raised("source_tls_expiring").size() == 1);
  CHECK(raised("webhook_tls_expiring").size() == 1);
  CHECK(resolved("source_tls_expiring") == 0);

  // Renewed for a year: the next poll and the next POST see the new certificate.
  site.renew(365);
  site.feed(item("g1", "هجوم لداعش") + item("g2", "داعش يتبنى هجوما جديدا"));
  for (int i = 0; i < 50; ++i) {
    monitor.poll_source(source);
    if (store.source("a")->tls_expires_at > *first + 86400) break;
    std::this_thread::sleep_for(100ms);  // nginx's new workers start
  }
  CHECK(std::llabs(*store.source("a")->tls_expires_at - (real_now() + 365 * 86400)) < 600);
  deliver_due_once(*cfg.config, store, clock, log);
  REQUIRE(webhook_expiry());
  CHECK(*webhook_expiry() > *first + 86400);
  clock.advance(60);
  monitor.check_coverage();
  CHECK(resolved("source_tls_expiring") == 1);
  CHECK(resolved("webhook_tls_expiring") == 1);
  clock.advance(60);
  monitor.check_coverage();
  CHECK(resolved("source_tls_expiring") == 1);
  CHECK(raised("source_tls_expiring").size() == 1);
}

TEST_CASE("a source whose URL changes forgets the certificate seen at the old one",
          "[coverage][tls][integration]") {
  test::TempDir dir;
  Store store(dir.file("rasd.db"));
  store.ensure_source("a", "https://old.example/feed");
  SourceState st = *store.source("a");
  st.tls_expires_at = 1000;
  store.save_source_state(st);
  store.ensure_source("a", "https://old.example/feed");
  CHECK(store.source("a")->tls_expires_at == 1000);
  st.tls_expires_at.reset();  // a poll over a reused connection keeps what was seen
  store.save_source_state(st);
  CHECK(store.source("a")->tls_expires_at == 1000);
  store.ensure_source("a", "https://new.example/feed");
  CHECK_FALSE(store.source("a")->tls_expires_at);
}
