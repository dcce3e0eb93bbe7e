// rasd.yaml (DESIGN.md section 3, "Configuration"). Loading reports every problem as
// `file:line:col: error: …`; unknown keys are errors here (unlike rule files) because a typo'd
// daemon setting that silently falls back to a default is an outage waiting to happen.
// Relative paths are resolved against the directory of the config file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rasd/engine/diagnostic.hpp"
#include "rasd/engine/rules/loader.hpp"

namespace rasd {

struct Defaults {
  int64_t interval = 15 * 60;
  int64_t min_interval = 2 * 60;
  int64_t max_interval = 6 * 3600;
  int64_t timeout = 30;
  int64_t max_body = 16 << 20;
  // Bytes of response bodies downloading plus fetched and waiting for the store, in all; at
  // least max_body (see fetcher.hpp for the bound it gives).
  int64_t body_budget = 256 << 20;
  int64_t per_host_concurrency = 2;
  int64_t per_host_gap_ms = 1000;  // between the starts of two requests to one host
  int64_t max_concurrency = 64;    // requests in flight in all
  int64_t low_speed_bytes = 64;    // abort a transfer slower than this many bytes ...
  int64_t low_speed_time = 15;     // ... per this many seconds (slowloris)
};

struct SourceConfig {
  std::string id;
  std::string title;  // what people call it ("عنب بلدي"); the id when empty
  std::string url;
  std::string type = "feed";  // feed | html
  std::string links;          // html: CSS-like selector of article links
  bool full_text = false;     // feed: fetch each new item's page and extract the whole article
  std::vector<std::string> tags;
  bool allow_private = false;
  bool allow_private_set = false;  // given in the entry (kept when the sources file is rewritten)
  std::optional<int64_t> interval;
  std::string ca_file;          // https: trust this PEM file's certificates instead of the system's
  std::string ca_file_written;  // as the entry gives it (kept when the sources file is rewritten)
  std::string origin;           // the file it is defined in: the config, or the sources file
};

// `digest:` of a webhook: one body per period instead of alerts as they come (alerting.md).
// Either `every` (seconds; periods aligned to multiples of it since the Unix epoch, in UTC) or
// `at` a local time of day in `tz` (an IANA zone; DST as ICU's time zone data says).
struct DigestConfig {
  int64_t every = 0;       // > 0: every this many seconds
  int at_minutes = -1;     // >= 0: at this minute of the day (07:00 is 420)
  std::string tz = "UTC";  // for `at`
};

struct WebhookConfig {
  std::string name;
  std::string url;
  std::vector<std::string> secrets;  // "whsec_<base64>"; the first signs, all are valid
  std::string format = "standard";   // standard | slack
  std::string text_template;         // slack: the message text (see slack_body())
  bool allow_private = false;
  std::string ca_file;      // https: trust this PEM file's certificates instead of the system's
  int64_t concurrency = 2;  // deliveries in flight to this endpoint at most
  int64_t timeout = 30;     // seconds per attempt (default: defaults.timeout, at most 30)
  // Also send alert.updated for stories someone acknowledged (alerting.md); by default those
  // updates are stored only.
  bool acknowledged_updates = false;
  // Grouping (alerting.md): alerts with the same `group_by` values raised within `group_wait`
  // go out as one alert.group body; later ones of the group at most every `group_interval`.
  // `group: false`: one POST per alert. A digest webhook takes digests instead of groups.
  bool group = true;
  std::vector<std::string> group_by = {"rule"};  // rule, severity, tag, source
  int64_t group_wait = 30;                       // seconds; 0 sends at the next pump
  int64_t group_interval = 300;                  // seconds
  std::optional<DigestConfig> digest;
  bool groups_alerts() const { return group || digest; }
};

// The webhook named `name` in `hooks`, or null (a snapshot of a config's webhooks, as the
// Deliverer keeps one).
const WebhookConfig* find_webhook(const std::vector<WebhookConfig>& hooks, const std::string& name);

struct Config {
  std::string path;
  // Where the store is: the SQLite file (store.path), or store.url's PostgreSQL URL, which
  // every Store opens alike (sql::is_postgres_url tells them apart).
  std::string store_path = "/var/lib/rasd/rasd.db";
  std::string store_url;  // "" for SQLite
  int store_url_line = 0, store_url_column = 0;  // where store.url is, for rasd check
  // This instance's own files when the store is on PostgreSQL (the poison guard); an SQLite
  // store keeps them beside its file.
  std::string state_dir = "/var/lib/rasd";
  // store.lease (PostgreSQL): how long a host's lease lasts unless renewed, so how soon another
  // instance takes over the hosts of one that was killed.
  int64_t store_lease = 120;
  // The poison-source guard's file (poison_guard.hpp).
  std::string guard_path() const {
    return store_url.empty() ? store_path + ".parsing" : state_dir + "/postgresql.parsing";
  }
  int64_t retention = 90 * 86400;
  int64_t dedup_window = 3 * 86400;  // articles this close in time are compared for the same story
  std::vector<std::string> rule_paths = {"/etc/rasd/rules.d"};
  bool watch_rules = false;  // reload when a rule file changes (inotify), as on SIGHUP
  std::string http_listen = "127.0.0.1:8470";
  std::string token_file = "/etc/rasd/api-token";
  // The read-only token (the dashboard's and API's viewers); "" for none. systemd credential
  // "api-read-token" first, as "api-token" is for token_file.
  std::string read_token_file;
  std::string http_base_path;        // the dashboard behind a proxy: "/rasd"; "" at the root
  bool http_secure_cookies = false;  // the proxy in front speaks TLS: the cookie is Secure
  bool allow_private = false;
  Defaults defaults;
  // The list `rasd sources add|remove|import-opml` writes (sources_file.hpp); its sources join
  // those of `sources:`. Default: sources.yaml beside the config. A missing file is no sources.
  std::string sources_file;
  std::vector<SourceConfig> sources;
  std::vector<WebhookConfig> webhooks;
  // `internal: {notify: [...]}`: the webhooks rasd's own alerts go to (reload failed, source
  // quarantined or failing); absent: every webhook.
  std::optional<std::vector<std::string>> internal_notify;

  const WebhookConfig* webhook(const std::string& name) const {
    return find_webhook(webhooks, name);
  }
  std::vector<std::string> webhook_names() const;
};

struct ConfigLoad {
  std::optional<Config> config;  // absent when there are errors
  Diagnostics diagnostics;
};

// Whether `url` can be a source or webhook URL: absolute http(s) with a host.
bool is_http_url(const std::string& url);

// An API token: the first line of $CREDENTIALS_DIRECTORY/<credential> when present (systemd's
// LoadCredential=api-token:…, readable by the dynamic user even though /etc/rasd/api-token is
// not), else of `token_file`, trimmed; "" when neither can be read.
std::string read_api_token(const std::string& token_file,
                           const std::string& credential = "api-token");

// `sources_text`, when given, stands for the sources file's content (validating a new one
// before it replaces the old).
ConfigLoad load_config_text(const std::string& path, const std::string& text,
                            const std::optional<std::string>& sources_text = std::nullopt);
ConfigLoad load_config_file(const std::string& path);

// Rule files named by the config (files, or directories of *.yaml / *.yml), read from disk.
// Missing or unreadable paths are reported as errors.
std::vector<rules::RuleFile> read_rule_files(const Config& config, Diagnostics& diagnostics);

// Decodes "whsec_<base64>" to the raw key; nullopt when malformed.
std::optional<std::string> decode_webhook_secret(const std::string& secret);

}  // namespace rasd
