#include "rasd/daemon/config.hpp"

#include <catch2/catch.hpp>

#include "rasd/daemon/sources_file.hpp"
#include "rasd/daemon/store.hpp"
#include "test_util.hpp"

using namespace rasd;

TEST_CASE("config: defaults, durations, sizes, relative paths", "[config]") {
  auto c = load_config_text("/etc/rasd/rasd.yaml",
                            "store: {path: data/rasd.db, retention: 30d}\n"
                            "defaults: {interval: 5m, max_body: 2MiB}\n"
                            "sources:\n"
                            "  - {id: a, url: \"https://news.example/feed\", tags: [ar, syria]}\n");
  INFO(c.diagnostics.format());
  REQUIRE(c.config);
  CHECK(c.config->store_path == "/etc/rasd/data/rasd.db");
  CHECK(c.config->retention == 30 * 86400);
  CHECK(c.config->defaults.interval == 300);
  CHECK(c.config->defaults.max_body == 2 << 20);
  CHECK(c.config->defaults.timeout == 30);
  REQUIRE(c.config->sources.size() == 1);
  CHECK(c.config->sources[0].tags == std::vector<std::string>{"ar", "syria"});
  CHECK_FALSE(c.config->sources[0].allow_private);
}

TEST_CASE("config: every bad value is an error with its position", "[config][errors]") {
  auto c =
      load_config_text("c.yaml",
                       "sources:\n"
                       "  - {id: a, url: \"ftp://x\"}\n"
                       "  - {id: a, url: \"https://x.example/\", type: rss}\n"
                       "webhooks:\n"
                       "  - {name: w, url: \"https://h.example/\", secret: nope, format: teams}\n"
                       "defaults: {max_body: lots, per_host_concurrency: 0}\n"
                       "network: {allow_private: maybe}\n");
  REQUIRE_FALSE(c.config);
  const std::string out = c.diagnostics.format();
  INFO(out);
  CHECK(out.find("c.yaml:2:18: error: source 'a': url: 'ftp://x' is not an absolute http(s) URL") !=
        std::string::npos);
  CHECK(out.find("c.yaml:3:10: error: duplicate source id 'a'") != std::string::npos);
  CHECK(out.find("c.yaml:3:46: error: source 'a': type must be 'feed' or 'html', got 'rss'") !=
        std::string::npos);
  CHECK(out.find("c.yaml:5:50: error: webhook 'w': secret must be 'whsec_' followed by base64") !=
        std::string::npos);
  CHECK(out.find(
            "c.yaml:5:64: error: webhook 'w': format must be 'standard' or 'slack', got 'teams'") !=
        std::string::npos);
  CHECK(out.find("c.yaml:6:22: error: defaults.max_body: invalid size 'lots'") !=
        std::string::npos);
  CHECK(out.find("c.yaml:6:50: error: defaults.per_host_concurrency must be at least 1") !=
        std::string::npos);
  CHECK(out.find("c.yaml:7:26: error: network.allow_private must be true or false, got 'maybe'") !=
        std::string::npos);
}

TEST_CASE("config: store.lease is a duration for a PostgreSQL store only, 20s to 1h",
          "[config][errors]") {
  auto ok = load_config_text("c.yaml", "store: {url: \"postgresql://r@db/rasd\", lease: 5m}\n");
  INFO(ok.diagnostics.format());
  REQUIRE(ok.config);
  CHECK(ok.config->store_lease == 300);
  CHECK(load_config_text("c.yaml", "store: {url: \"postgresql://r@db/rasd\"}\n")
            .config->store_lease == 120);
  auto sqlite = load_config_text("c.yaml", "store: {path: rasd.db, lease: 5m}\n");
  CHECK_FALSE(sqlite.config);
  CHECK(sqlite.diagnostics.format().find("c.yaml:1:31: error: store.lease: only with store.url") !=
        std::string::npos);
  auto short_lease =
      load_config_text("c.yaml", "store: {url: \"postgresql://r@db/rasd\", lease: 5s}\n");
  CHECK_FALSE(short_lease.config);
  CHECK(short_lease.diagnostics.format().find("store.lease: must be between 20s and 1h") !=
        std::string::npos);
  auto bad = load_config_text("c.yaml", "store: {url: \"postgresql://r@db/rasd\", lease: soon}\n");
  CHECK_FALSE(bad.config);
  CHECK(bad.diagnostics.format().find("store.lease: invalid duration 'soon'") != std::string::npos);
}

TEST_CASE("config: defaults.body_budget is a size of at least max_body", "[config][budget]") {
  auto c = load_config_text("c.yaml", "defaults: {max_body: 2MiB, body_budget: 64MiB}\n");
  INFO(c.diagnostics.format());
  REQUIRE(c.config);
  CHECK(c.config->defaults.body_budget == 64 << 20);
  auto d = load_config_text("c.yaml", "defaults: {interval: 5m}\n");
  REQUIRE(d.config);
  CHECK(d.config->defaults.body_budget == 256 << 20);
  auto equal = load_config_text("c.yaml", "defaults: {max_body: 32MiB, body_budget: 32MiB}\n");
  CHECK(equal.config);

  auto low = load_config_text("c.yaml", "defaults: {max_body: 16MiB, body_budget: 8MiB}\n");
  REQUIRE_FALSE(low.config);
  CHECK(low.diagnostics.format().find(
            "c.yaml:1:42: error: defaults.body_budget (8MiB) must be at least defaults.max_body "
            "(16MiB)") != std::string::npos);
  // A body cap past the default budget is reported where it is set.
  auto big = load_config_text("c.yaml", "defaults: {max_body: 512MiB}\n");
  REQUIRE_FALSE(big.config);
  CHECK(big.diagnostics.format().find(
            "c.yaml:1:22: error: defaults.body_budget (256MiB) must be at least "
            "defaults.max_body (512MiB)") != std::string::npos);
  auto bad = load_config_text("c.yaml", "defaults: {body_budget: lots}\n");
  REQUIRE_FALSE(bad.config);
  CHECK(bad.diagnostics.format().find("defaults.body_budget: invalid size 'lots'") !=
        std::string::npos);
  auto huge = load_config_text("c.yaml", "defaults: {body_budget: 99999999999GiB}\n");
  CHECK_FALSE(huge.config);  // would overflow: refused, not wrapped
}

TEST_CASE("config: the dashboard's http keys: a read-only token, a plain base path, Secure cookies",
          "[config][http]") {
  auto c = load_config_text("/etc/rasd/rasd.yaml",
                            "http: {read_token_file: viewers, base_path: /rasd/ops, "
                            "secure_cookies: true}\n");
  INFO(c.diagnostics.format());
  REQUIRE(c.config);
  CHECK(c.config->read_token_file == "/etc/rasd/viewers");
  CHECK(c.config->http_base_path == "/rasd/ops");
  CHECK(c.config->http_secure_cookies);
  for (const char* bad : {"rasd", "/rasd/", "//evil.example", "/a b", "/a;b", "/a%0d"}) {
    auto b = load_config_text("c.yaml", std::string("http: {base_path: \"") + bad + "\"}\n");
    INFO(bad);
    CHECK_FALSE(b.config);
    CHECK(b.diagnostics.format().find("c.yaml:1:19: error: http.base_path: expected a path") !=
          std::string::npos);
  }
}

TEST_CASE("config: invalid YAML is reported at its position", "[config][errors]") {
  auto c = load_config_text("c.yaml", "sources: [\n  {id: a\n");
  REQUIRE_FALSE(c.config);
  REQUIRE(c.diagnostics.items().size() == 1);
  CHECK(c.diagnostics.items()[0].line > 0);
  CHECK(c.diagnostics.items()[0].message.rfind("invalid YAML", 0) == 0);
}

TEST_CASE("config: webhook grouping and digests, and what is wrong with them", "[config]") {
  auto load = [](const std::string& hook) {
    return load_config_text("t.yaml",
                            "webhooks:\n  - {name: h, url: \"https://h.example/\"" + hook + "}\n");
  };
  auto ok = load("");
  REQUIRE(ok.config);
  const WebhookConfig& d = ok.config->webhooks[0];
  CHECK(d.group);
  CHECK(d.group_by == std::vector<std::string>{"rule"});
  CHECK(d.group_wait == 30);
  CHECK(d.group_interval == 300);
  CHECK_FALSE(d.digest);
  auto custom = load(", group_by: [tag, source], group_wait: 0s, group_interval: 1h");
  REQUIRE(custom.config);
  CHECK(custom.config->webhooks[0].group_wait == 0);
  CHECK(custom.config->webhooks[0].group_interval == 3600);
  auto digest = load(", digest: {at: \"07:00\", tz: Asia/Baghdad}");
  INFO(digest.diagnostics.format());
  REQUIRE(digest.config);
  REQUIRE(digest.config->webhooks[0].digest);
  CHECK(digest.config->webhooks[0].digest->at_minutes == 420);
  CHECK(digest.config->webhooks[0].digest->tz == "Asia/Baghdad");
  for (const auto& [bad, says] : std::vector<std::pair<std::string, std::string>>{
           {", group_by: [rule, colour]", "unknown key 'colour'"},
           {", group_wait: soon", "invalid duration 'soon'"},
           {", digest: {at: \"25:00\"}", "time of day"},
           {", digest: {at: \"07:00\", tz: Mars/Olympus}", "unknown time zone 'Mars/Olympus'"},
           {", digest: {every: 1h, at: \"07:00\"}", "exactly one of"},
           {", digest: {every: 1h, tz: UTC}", "tz applies to 'at' only"},
           {", digest: {every: 1h}, group_wait: 5s", "does not group"},
           {", digest: {hourly: true}", "unknown key 'hourly'"},
           {", group_by: [rule, rule]", "'rule' is given twice"},
           {", group: false, group_wait: 5s", "would do nothing"}}) {
    auto r = load(bad);
    INFO(bad << "\n" << r.diagnostics.format());
    CHECK_FALSE(r.config);
    CHECK(r.diagnostics.format().find(says) != std::string::npos);
  }
}

TEST_CASE("config: ca_file of a source or webhook is a readable PEM file beside the config",
          "[config][tls]") {
  test::TempDir dir;
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  dir.write("not.pem", "just text\n");
  auto load = [&](const std::string& file) {
    return load_config_file(dir.write(
        "rasd.yaml", "webhooks:\n  - {name: h, url: \"https://h.example/\", ca_file: " + file +
                         "}\nsources:\n  - {id: a, url: \"https://a.example/f\", ca_file: " + file +
                         "}\n"));
  };
  auto ok = load("ca.pem");
  INFO(ok.diagnostics.format());
  REQUIRE(ok.config);
  CHECK(ok.config->webhooks[0].ca_file == dir.file("ca.pem"));
  CHECK(ok.config->sources[0].ca_file == dir.file("ca.pem"));
  auto missing = load("gone.pem");
  CHECK_FALSE(missing.config);
  CHECK(missing.diagnostics.format().find("webhook 'h': ca_file '" + dir.file("gone.pem") +
                                          "' cannot be read") != std::string::npos);
  CHECK(missing.diagnostics.format().find("source 'a': ca_file") != std::string::npos);
  auto text = load("not.pem");
  CHECK_FALSE(text.config);
  CHECK(text.diagnostics.format().find("holds no PEM certificate") != std::string::npos);
  // A bundle that opens with comments, as curl's cacert.pem does, is a PEM file.
  dir.write("bundle.pem",
            "##\n## Bundle of CA Root Certificates\n##\n\n" + test::read_file(dir.file("ca.pem")));
  auto bundle = load("bundle.pem");
  INFO(bundle.diagnostics.format());
  CHECK(bundle.config);
  auto unreadable = load(dir.path());  // a directory
  CHECK_FALSE(unreadable.config);
  // The sources file keeps the path as written: it resolves against that file when read again.
  CHECK(ok.config->sources[0].ca_file_written == "ca.pem");
  CHECK(sources_file_text(ok.config->sources, false).find("ca_file: \"ca.pem\"") !=
        std::string::npos);
}
