#include "rasd/daemon/config.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "config_reader.hpp"
#include "rasd/daemon/digest_time.hpp"
#include "rasd/engine/yaml_nesting.hpp"
#include "rasd/parsers/date.hpp"

namespace fs = std::filesystem;

namespace rasd {
namespace {

using detail::read_sources;
using detail::read_webhooks;
using detail::Reader;

// A size as the configuration writes it: the largest unit that divides it ("16MiB", "1500B").
std::string format_size(int64_t bytes) {
  for (const auto& [unit, mult] :
       {std::pair{"GiB", int64_t{1} << 30}, std::pair{"MiB", int64_t{1} << 20},
        std::pair{"KiB", int64_t{1} << 10}}) {
    if (bytes >= mult && bytes % mult == 0) return std::to_string(bytes / mult) + unit;
  }
  return std::to_string(bytes) + "B";
}

}  // namespace

const WebhookConfig* find_webhook(const std::vector<WebhookConfig>& hooks,
                                  const std::string& name) {
  for (const auto& w : hooks) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

std::vector<std::string> Config::webhook_names() const {
  std::vector<std::string> out;
  for (const auto& w : webhooks) out.push_back(w.name);
  return out;
}

std::optional<std::string> decode_webhook_secret(const std::string& secret) {
  if (secret.rfind("whsec_", 0) != 0 || secret.size() <= 6) return std::nullopt;
  const std::string b64 = secret.substr(6);
  if (b64.size() % 4 != 0) return std::nullopt;
  std::string out(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') ++pad;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

namespace {

// The sources file (Config::sources_file): a YAML list in the form of `sources:`, its errors
// reported at its own lines; ids unique across both lists.
void read_sources_file(const std::optional<std::string>& given, Config& c,
                       std::set<std::string>& ids, Diagnostics& d) {
  std::string text;
  if (given) {
    text = *given;
  } else {
    std::ifstream in(c.sources_file, std::ios::binary);
    if (!in) {
      std::error_code ec;
      if (fs::exists(c.sources_file, ec))
        d.error(c.sources_file, 0, 0, "cannot read sources file: " + std::string(strerror(errno)));
      return;  // not written yet: no sources
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (const auto at = yaml_too_deep(text)) {
    const TextPosition p = position_of(text, *at);
    d.error(c.sources_file, p.line, p.column, yaml_too_deep_message());
    return;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    d.error(c.sources_file, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
    return;
  }
  if (root.IsNull()) return;  // empty: no sources
  Reader r(c.sources_file, text, d);
  read_sources(r, root, c, ids, c.sources_file);
}

}  // namespace

bool is_http_url(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  return u && (u->scheme() == "http" || u->scheme() == "https") && !u->host().empty();
}

std::string read_api_token(const std::string& path, const std::string& credential) {
  std::ifstream in;
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY"))
    in.open(std::string(creds) + "/" + credential);
  if (!in.is_open()) in.open(path);
  std::string line;
  std::getline(in, line);
  const auto b = line.find_first_not_of(" \t\r");
  const auto e = line.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : line.substr(b, e - b + 1);
}

ConfigLoad load_config_text(const std::string& path, const std::string& text,
                            const std::optional<std::string>& sources_text) {
  ConfigLoad out;
  Diagnostics& d = out.diagnostics;
  // Nesting is bounded before yaml-cpp reads the text (see yaml_nesting.hpp).
  if (const auto at = yaml_too_deep(text)) {
    const TextPosition p = position_of(text, *at);
    d.error(path, p.line, p.column, yaml_too_deep_message());
    return out;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // the estimate above errs high: not expected
    d.error(path, e.mark.line + 1, e.mark.column + 1,
            "invalid YAML: nested deeper than the YAML parser allows");
    return out;
  } catch (const YAML::ParserException& e) {
    d.error(path, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
    return out;
  }
  Config c;
  c.path = path;
  Reader r(path, text, d);
  if (!root.IsMap()) {
    d.error(path, 1, 1, "the configuration must be a YAML map");
    return out;
  }
  r.check_keys(root,
               {"store", "rules", "watch_rules", "http", "network", "defaults", "sources",
                "sources_file", "webhooks", "dedup", "internal"},
               "configuration");
  if (auto n = root["dedup"]; n && r.map(n, "dedup")) {
    r.check_keys(n, {"window"}, "dedup");
    r.duration(n, "window", c.dedup_window, "dedup.");
  }
  if (auto n = root["store"]; n && r.map(n, "store")) {
    r.check_keys(n, {"path", "url", "state_dir", "retention", "lease"}, "store");
    r.string(n, "path", c.store_path, "store.");
    r.duration(n, "retention", c.retention, "store.");
    if (n["url"]) {
      std::string url;
      r.string(n, "url", url, "store.");
      if (n["path"]) {
        r.error(n["url"], "store: give path (an SQLite file) or url (PostgreSQL), not both");
      } else if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) {
        r.error(n["url"], "store.url: must be a postgresql:// URL (an SQLite file is store.path)");
      } else {
        c.store_url = url;
        c.store_url_line = n["url"].Mark().line + 1;
        c.store_url_column = n["url"].Mark().column + 1;
      }
    }
    if (n["lease"]) {
      r.duration(n, "lease", c.store_lease, "store.");
      if (!n["url"]) {
        r.error(n["lease"],
                "store.lease: only with store.url (host leases split the work of instances "
                "sharing a PostgreSQL store; an SQLite store has one instance)");
      } else if (c.store_lease < 20 || c.store_lease > 3600) {
        r.error(n["lease"], "store.lease: must be between 20s and 1h (renewed every quarter)");
      }
    }
    if (n["state_dir"]) {
      r.string(n, "state_dir", c.state_dir, "store.");
      if (!n["url"])
        r.error(n["state_dir"],
                "store.state_dir: only with store.url (an SQLite store keeps its files beside "
                "store.path)");
    }
  }
  if (auto n = root["rules"]) {
    r.strings(root, "rules", c.rule_paths, "");
    for (auto& p : c.rule_paths) p = r.resolve_path(p);
  }
  if (root["watch_rules"]) r.boolean(root, "watch_rules", c.watch_rules, "");
  if (auto n = root["http"]; n && r.map(n, "http")) {
    r.check_keys(n, {"listen", "token_file", "read_token_file", "base_path", "secure_cookies"},
                 "http");
    r.string(n, "listen", c.http_listen, "http.");
    r.string(n, "token_file", c.token_file, "http.");
    r.string(n, "read_token_file", c.read_token_file, "http.");
    r.string(n, "base_path", c.http_base_path, "http.");
    if (n["secure_cookies"]) r.boolean(n, "secure_cookies", c.http_secure_cookies, "http.");
    const std::string& bp = c.http_base_path;
    // Segments of unreserved characters only: it goes into links, a Location and the cookie's
    // Path, and "//host" would make every redirect leave the site.
    bool plain = !bp.empty() && bp.front() == '/' && bp.back() != '/' &&
                 bp.find("//") == std::string::npos;
    for (const char ch : bp) {
      const auto u = static_cast<unsigned char>(ch);
      plain = plain && (std::isalnum(u) || ch == '/' || ch == '-' || ch == '_' || ch == '.' ||
                        ch == '~');
    }
    if (!bp.empty() && !plain)
      r.error(n["base_path"],
              "http.base_path: expected a path such as /rasd (starting with /, "
              "not ending with one)");
  }
  if (auto n = root["network"]; n && r.map(n, "network")) {
    r.check_keys(n, {"allow_private"}, "network");
    r.boolean(n, "allow_private", c.allow_private, "network.");
  }
  if (auto n = root["defaults"]; n && r.map(n, "defaults")) {
    r.check_keys(n,
                 {"interval", "min_interval", "max_interval", "timeout", "max_body", "body_budget",
                  "per_host_concurrency", "per_host_gap", "max_concurrency", "low_speed_bytes",
                  "low_speed_time"},
                 "defaults");
    r.duration(n, "interval", c.defaults.interval, "defaults.");
    r.duration(n, "min_interval", c.defaults.min_interval, "defaults.");
    r.duration(n, "max_interval", c.defaults.max_interval, "defaults.");
    r.duration(n, "timeout", c.defaults.timeout, "defaults.");
    r.size(n, "max_body", c.defaults.max_body, "defaults.");
    r.size(n, "body_budget", c.defaults.body_budget, "defaults.");
    if (c.defaults.body_budget < c.defaults.max_body) {
      // Reported where the smaller one was set: the budget, or a max_body past the default budget.
      r.error(n["body_budget"] ? n["body_budget"] : n["max_body"],
              "defaults.body_budget (" + format_size(c.defaults.body_budget) +
                  ") must be at least defaults.max_body (" + format_size(c.defaults.max_body) +
                  "): the budget holds one body at least");
    }
    r.integer(n, "per_host_concurrency", c.defaults.per_host_concurrency, "defaults.", 1);
    r.integer(n, "max_concurrency", c.defaults.max_concurrency, "defaults.", 1);
    r.integer(n, "low_speed_bytes", c.defaults.low_speed_bytes, "defaults.", 1);
    r.duration(n, "low_speed_time", c.defaults.low_speed_time, "defaults.");
    r.milliseconds(n, "per_host_gap", c.defaults.per_host_gap_ms, "defaults.");
  }
  std::set<std::string> source_ids;
  if (auto n = root["sources"]) read_sources(r, n, c, source_ids, path);
  c.sources_file = "sources.yaml";
  if (root["sources_file"]) r.string(root, "sources_file", c.sources_file, "");
  std::error_code ec;
  if (c.sources_file.empty()) {
    r.error(root["sources_file"], "sources_file: must name a file");
  } else if (c.sources_file = r.resolve_path(c.sources_file);
             c.sources_file == fs::path(path).lexically_normal().string()) {
    r.error(root["sources_file"], "sources_file: must not be the configuration file itself");
  } else if (fs::is_directory(c.sources_file, ec)) {
    r.error(root["sources_file"], "sources_file: '" + c.sources_file + "' is a directory");
  } else {
    if (root["sources_file"] && !sources_text && !fs::exists(c.sources_file, ec)) {
      // Named on purpose but absent: a typo would otherwise drop those sources unnoticed.
      r.warning(root["sources_file"], "sources_file: '" + c.sources_file +
                                          "' does not exist yet (no sources from it; "
                                          "`rasd sources add` creates it)");
    }
    read_sources_file(sources_text, c, source_ids, d);
  }
  if (auto n = root["webhooks"]) read_webhooks(r, n, c);
  if (auto n = root["internal"]; n && r.map(n, "internal")) {
    r.check_keys(n, {"notify"}, "internal");
    if (n["notify"]) {  // absent: every webhook, as without `internal`
      std::vector<std::string> names;
      r.strings(n, "notify", names, "internal.");
      for (size_t i = 0; i < names.size(); ++i) {
        if (!c.webhook(names[i]))
          r.error(n["notify"].IsSequence() ? n["notify"][i] : n["notify"],
                  "internal.notify: no webhook named '" + names[i] + "'");
      }
      c.internal_notify = std::move(names);
    }
  }
  c.store_path = c.store_url.empty() ? r.resolve_path(c.store_path) : c.store_url;
  c.state_dir = r.resolve_path(c.state_dir);
  c.token_file = r.resolve_path(c.token_file);
  if (!c.read_token_file.empty()) c.read_token_file = r.resolve_path(c.read_token_file);
  // Rule paths must exist; reported at the `rules` entry that names them.
  if (auto n = root["rules"]) {
    for (size_t i = 0; i < c.rule_paths.size(); ++i) {
      std::error_code ec;
      if (!fs::exists(c.rule_paths[i], ec)) {
        const YAML::Node at = n.IsSequence() && i < n.size() ? n[i] : n;
        r.error(at, "rules: no such file or directory '" + c.rule_paths[i] + "'");
      }
    }
  }
  if (!d.has_errors()) out.config = std::move(c);
  return out;
}

ConfigLoad load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigLoad out;
    out.diagnostics.error(path, 0, 0,
                          "cannot read configuration file: " + std::string(std::strerror(errno)));
    return out;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_config_text(path, ss.str());
}

std::vector<rules::RuleFile> read_rule_files(const Config& config, Diagnostics& diagnostics) {
  std::vector<std::string> paths;
  for (const auto& p : config.rule_paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> in_dir;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        const auto ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
          in_dir.push_back(e.path().string());
      }
      std::sort(in_dir.begin(), in_dir.end());
      paths.insert(paths.end(), in_dir.begin(), in_dir.end());
    } else {
      paths.push_back(p);
    }
  }
  std::vector<rules::RuleFile> files;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      diagnostics.error(p, 0, 0, "cannot read rule file: " + std::string(std::strerror(errno)));
      continue;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    files.push_back({p, ss.str()});
  }
  return files;
}

}  // namespace rasd
