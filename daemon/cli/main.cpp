// The `rasd` command line (DESIGN.md section 3). Exit status: 0 ok, 1 runtime failure, 2 bad
// input or usage. Thin: every command calls into the libraries.
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "json_output.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/hits_json.hpp"
#include "rasd/daemon/service.hpp"
#include "rasd/daemon/postgres.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_json.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/engine/text/boilerplate.hpp"
#include "rasd/parsers/article.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/feed.hpp"

namespace json = boost::json;
using namespace rasd;

namespace {

constexpr const char* kDefaultConfig = "/etc/rasd/rasd.yaml";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_input(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The daemon logs through a bounded queue and its own thread: a reader of stderr that stops
// reading (a full pipe, a stuck journald) must never block the event loop. When the queue is
// full the oldest lines are dropped (and counted in the last line at exit).
struct DaemonLogger {
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::logger> log;
};
DaemonLogger make_daemon_logger(const std::string& level) {
  DaemonLogger d;
  d.pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
  d.log = std::make_shared<spdlog::async_logger>(
      "rasd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>(), d.pool,
      spdlog::async_overflow_policy::overrun_oldest);
  d.log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  d.log->set_level(spdlog::level::from_str(level));
  d.log->flush_on(spdlog::level::trace);  // every line reaches the sink as soon as it is written
  return d;
}

Config load_config_or_throw(const std::string& path) {
  auto c = load_config_file(path);
  std::cerr << c.diagnostics.format();
  if (!c.config) throw UsageError("invalid configuration: " + path);
  return std::move(*c.config);
}

int cmd_check(const std::string& config_path) {
  auto c = load_config_file(config_path);
  Diagnostics all = c.diagnostics;
  size_t rule_count = 0;
  if (c.config) {
    const text::Normalizer normalizer;
    auto files = read_rule_files(*c.config, all);
    rules::LoadOptions opts;
    opts.known_webhooks = c.config->webhook_names();
    opts.retention_seconds = c.config->retention;
    auto loaded = rules::load_rules(files, normalizer, opts);
    all.append(loaded.diagnostics);
    if (loaded.rules) rule_count = loaded.rules->rules.size();
    // A PostgreSQL store is checked for real: reachable, and a schema this rasd can run on.
    // Nothing is written (the daemon migrates when it starts).
    if (!c.config->store_url.empty()) {
      const auto& cfg = *c.config;
      try {
        if (auto refused = Store::schema_refusal(Store::peek_schema(cfg.store_url)))
          all.error(cfg.path, cfg.store_url_line, cfg.store_url_column, "store.url: " + *refused);
      } catch (const sql::StoreError& e) {
        all.error(cfg.path, cfg.store_url_line, cfg.store_url_column,
                  std::string("store.url: ") + e.what());
      }
    }
  }
  std::cout << all.format();
  if (all.has_errors()) {
    std::cout << all.error_count() << " error(s)\n";
    return 2;
  }
  std::cout << "ok: " << c.config->sources.size() << " sources, " << c.config->webhooks.size()
            << " webhooks, " << rule_count << " rules\n";
  return 0;
}

int cmd_parse_feed(const std::string& file, const std::string& ct, const std::string& base) {
  const std::string bytes = read_input(file);
  auto feed = parse_feed(bytes, {ct, base});
  if (!feed) {
    std::cerr << file << ": error: " << feed.error().message;
    if (feed.error().offset != static_cast<size_t>(-1))
      std::cerr << " (byte " << feed.error().offset << ")";
    std::cerr << "\n";
    return 2;
  }
  cli::write_feed_json(*feed, std::cout);
  std::cout << "\n";
  return 0;
}

// The article of an HTML page as JSON: what `rasd extract` prints, and `rasd fetch` for a page.
void print_extracted(std::string_view bytes, const std::string& ct, const std::string& page_url) {
  const text::Normalizer normalizer;
  html::ExtractOptions opts;
  opts.content_type = ct;
  opts.url = page_url;
  opts.is_boilerplate = [&](std::string_view line) {
    return text::is_boilerplate_line(normalizer, line);
  };
  const auto a = html::extract_article(bytes, opts);
  std::cout << json::serialize(json::object{
                   {"title", a.title},
                   {"byline", a.byline},
                   {"published", a.published ? json::value(dates::format_rfc3339(*a.published))
                                             : json::value(nullptr)},
                   {"lang", a.lang},
                   {"dir", a.dir},
                   {"canonical_url", a.canonical_url},
                   {"text", a.text}})
            << "\n";
}

int cmd_extract(const std::string& file, const std::string& ct, const std::string& page_url) {
  print_extracted(read_input(file), ct, page_url);
  return 0;
}

int cmd_normalize(const std::string& view, const std::string& input) {
  const text::Normalizer normalizer;
  const text::View v = view == "collapsed" ? text::View::collapsed : text::View::strict;
  std::string data = input == "-" ? read_input("-") : input;
  std::istringstream lines(data);
  std::string line;
  while (std::getline(lines, line)) std::cout << normalizer.normalize_to_string(line, v) << "\n";
  return 0;
}

std::vector<rules::RuleFile> rule_files_from_path(const std::string& path, Diagnostics& diag) {
  Config c;
  c.rule_paths = {path};
  return read_rule_files(c, diag);
}

std::string json_string(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  return {};
}

int cmd_match(const std::string& rules_path, const std::string& input) {
  const text::Normalizer normalizer;
  Diagnostics diag;
  auto files = rule_files_from_path(rules_path, diag);
  auto loaded = rules::load_rules(files, normalizer);
  diag.append(loaded.diagnostics);
  std::cerr << diag.format();
  if (!loaded.rules) return 2;
  const rules::Matcher matcher(loaded.rules);
  std::istringstream in(read_input(input));
  cli::for_each_json_line(in, input, std::cerr, [&](const json::object& o) {
    rules::ArticleFields f{json_string(o, "id"),     json_string(o, "title"),
                           json_string(o, "body"),   json_string(o, "url"),
                           json_string(o, "source"), "",
                           json_string(o, "lang"),   {}};
    const std::string id = f.id;
    const rules::PreparedArticle article(normalizer, std::move(f));
    for (const auto& m : matcher.match(article)) {
      std::cout << json::serialize(json::object{
                       {"article", id}, {"rule", m.rule->id}, {"hits", hits_to_json(m.hits)}})
                << "\n";
    }
  });
  return 0;
}

int cmd_fetch(const std::string& url, bool allow_private) {
  CurlHttpClient http;
  HttpRequest req;
  req.url = url;
  req.allow_private = allow_private;
  auto res = http.perform(req);
  if (!res) {
    std::cerr << url << ": error: " << res.error().message << "\n";
    return 1;
  }
  if (res->status != 200) {
    std::cerr << url << ": error: HTTP " << res->status << "\n";
    return 1;
  }
  const std::string ct = res->header("content-type");
  auto feed = parse_feed(res->body, {ct, res->effective_url});
  if (feed) {
    cli::write_feed_json(*feed, std::cout);
    std::cout << "\n";
    return 0;
  }
  // Not a feed: a page served as HTML (or a body that is plainly a page) is shown the way an
  // `html` source or `full_text` reads it; anything else is the feed error.
  const bool html_page = ct.find("html") != std::string::npos ||
                         feed.error().message.find("an HTML page") != std::string::npos;
  if (!html_page) {
    std::cerr << url << ": error: " << feed.error().message << "\n";
    return 1;
  }
  std::cerr << url << ": an HTML page, not a feed: its article as `rasd extract` prints it\n";
  print_extracted(res->body, ct, res->effective_url.empty() ? url : res->effective_url);
  return 0;
}

int cmd_alerts(const std::string& config_path, const std::string& since, const std::string& rule,
               bool as_json) {
  const Config c = load_config_or_throw(config_path);
  Store store(c.store_path);
  int64_t from = 0;
  if (!since.empty()) {
    auto d = dates::parse_duration_seconds(since);
    if (!d) throw UsageError("--since: invalid duration '" + since + "'");
    from = SystemClock().now() - *d;
  }
  for (const auto& a : store.alerts(from, rule)) {
    if (as_json) {
      if (a.silenced_by.empty() && !a.held_back) {
        std::cout << a.payload << "\n";
      } else {
        // Held back: the body no webhook received, marked with what held it.
        boost::system::error_code ec;
        auto v = json::parse(a.payload, ec);
        if (!ec && v.is_object() && !a.silenced_by.empty())
          v.as_object()["silenced_by"] = a.silenced_by;
        if (!ec && v.is_object() && a.held_back) v.as_object()["held_back"] = true;
        std::cout << (ec ? a.payload : json::serialize(v)) << "\n";
      }
    } else {
      boost::system::error_code ec;
      auto v = json::parse(a.payload, ec);
      std::string title;
      if (!ec && v.is_object()) {
        // Internal and older alerts may lack an article.
        if (const auto* art = v.as_object().if_contains("article"); art && art->is_object())
          title = json_string(art->get_object(), "title");
      }
      std::cout << dates::format_rfc3339(a.created_at) << "  " << a.severity << "  " << a.rule_id
                << "  " << title
                << (a.silenced_by.empty() ? "" : "  (silenced by " + a.silenced_by + ")")
                << (a.acked_by.empty() ? "" : "  (acknowledged by " + a.acked_by + ")")
                << (a.held_back ? "  (held back: max_alerts)" : "") << "\n";
    }
  }
  return 0;
}

int cmd_deliveries(const std::string& config_path, const std::string& action,
                   const std::string& state, const std::string& webhook) {
  const Config c = load_config_or_throw(config_path);
  Store store(c.store_path);
  if (action == "retry") {
    std::cout << store.retry_dead(SystemClock().now(), webhook)
              << " dead or disabled deliveries queued again"
              << (webhook.empty() ? "" : " for webhook '" + webhook + "'")
              << "; disabled endpoints enabled\n";
    return 0;
  }
  for (const auto& d : store.deliveries(state)) {
    json::object o{
        {"id", d.id},
        {"alert", d.alert_id},
        {"webhook", d.webhook},
        {"state", d.state},
        {"attempts", d.attempts},
        {"next_attempt", dates::format_rfc3339(d.next_attempt)},
        {"last_status", d.last_status ? json::value(*d.last_status) : json::value(nullptr)},
        {"last_error", d.last_error}};
    if (!d.group_id.empty()) o["group"] = d.group_id;  // state grouped: the delivery carrying it
    std::cout << json::serialize(o) << "\n";
  }
  return 0;
}

int cmd_sources_list(const std::string& config_path) {
  const Config c = load_config_or_throw(config_path);
  Store store(c.store_path);
  for (const auto& s : c.sources) store.ensure_source(s.id, s.url);
  for (const auto& s : store.sources()) std::cout << json::serialize(source_to_json(s)) << "\n";
  return 0;
}

// Lets a quarantined source be polled again (the running daemon notices within seconds).
int cmd_sources_release(const std::string& config_path, const std::string& id) {
  const Config c = load_config_or_throw(config_path);
  Store store(c.store_path);
  const auto st = store.source(id);
  if (!st) {
    std::cerr << "rasd: no source '" << id << "' in " << sql::shown_location(c.store_path)
              << "\n";
    return 2;
  }
  store.release_source(id);
  std::cout << json::serialize(json::object{{"released", id},
                                            {"was_quarantined", st->quarantined_at.has_value()}})
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rasd: watches news sources and raises alerts on watch rules"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();

  std::string config_path = kDefaultConfig;
  bool once = false;
  auto* run = app.add_subcommand("run", "run the daemon in the foreground");
  run->add_option("--config", config_path, "configuration file")->capture_default_str();
  run->add_flag("--once", once, "poll every source once, deliver, and exit");
  int tick_ms = 1000;
  run->add_option("--tick-ms", tick_ms, "how often due sources and deliveries are checked")
      ->capture_default_str()
      ->check(CLI::Range(10, 60000));

  auto* check = app.add_subcommand("check", "validate the configuration and every rule file");
  check->add_option("--config", config_path, "configuration file")->capture_default_str();

  std::string file = "-", content_type, base_url;
  auto* pf = app.add_subcommand("parse-feed", "parse a feed file and print it as JSON");
  pf->add_option("file", file, "feed file, or - for stdin");
  pf->add_option("--content-type", content_type, "HTTP Content-Type the bytes came with");
  pf->add_option("--base-url", base_url, "URL the feed came from");

  std::string page_url;
  auto* extract =
      app.add_subcommand("extract", "extract the article of an HTML page and print it as JSON");
  extract->add_option("file", file, "HTML file, or - for stdin");
  extract->add_option("--content-type", content_type, "HTTP Content-Type the bytes came with");
  extract->add_option("--url", page_url, "URL the page came from");

  std::string view = "strict", text_in = "-";
  auto* norm =
      app.add_subcommand("normalize", "print the normalized text, one line per input line");
  norm->add_option("--view", view, "strict or collapsed")
      ->check(CLI::IsMember({"strict", "collapsed"}));
  norm->add_option("text", text_in, "text, or - for stdin");

  std::string rules_path, input = "-";
  std::string dedup_input = "-";
  auto* dedup = app.add_subcommand("dedup", "story clusters of JSON Lines articles");
  dedup->add_option("--input", dedup_input, "JSON Lines file, or - for stdin");

  auto* match = app.add_subcommand("match", "match JSON Lines articles against rules");
  match->add_option("--rules", rules_path, "rule file or directory")->required();
  match->add_option("--input", input, "JSON Lines file, or - for stdin");

  std::string url;
  bool allow_private = false;
  auto* fetch = app.add_subcommand(
      "fetch", "fetch a URL once: a feed as parse-feed prints it, a page as extract does");
  fetch->add_option("url", url, "URL")->required();
  fetch->add_flag("--allow-private", allow_private, "allow loopback and private addresses");

  cli::BacktestArgs bt;
  bt.config_path = kDefaultConfig;
  auto* backtest = app.add_subcommand("backtest", "run rule files over the stored articles");
  backtest->add_option("--config", bt.config_path, "configuration file")->capture_default_str();
  backtest->add_option("--rules", bt.rules_path, "rule file or directory")->required();
  backtest->add_option("--since", bt.since, "articles fetched since: a duration (7d) or a date");
  backtest->add_option("--until", bt.until, "and before: a duration (1d) or a date");
  backtest->add_option("--source", bt.source, "only this source's articles");
  backtest->add_flag("--json", bt.json, "one JSON line per (rule, article) hit");

  std::string migrate_from, migrate_to;
  auto* migrate =
      app.add_subcommand("migrate", "copy a store into a new one (SQLite to PostgreSQL)");
  migrate->add_option("--from", migrate_from, "sqlite:PATH (or a postgresql:// URL)")->required();
  migrate->add_option("--to", migrate_to, "postgresql://user@host/db (or sqlite:PATH)")->required();

  std::string since, rule_id;
  bool as_json = false;
  auto* alerts = app.add_subcommand("alerts", "list stored alerts");
  alerts->add_option("--config", config_path, "configuration file")->capture_default_str();
  alerts->add_option("--since", since, "e.g. 24h");
  alerts->add_option("--rule", rule_id, "rule id");
  alerts->add_flag("--json", as_json, "one JSON object per line");
  alerts->require_subcommand(0, 1);
  std::string ack_id, ack_by, ack_note;
  auto* alerts_ack = alerts->add_subcommand(
      "ack", "acknowledge an alert: its story's updates go only to webhooks that ask for them");
  alerts_ack->add_option("--config", config_path, "configuration file")->capture_default_str();
  alerts_ack->add_option("id", ack_id, "alert id (alert_…)")->required();
  alerts_ack->add_option("--by", ack_by, "who (default: $SUDO_USER or $USER)");
  alerts_ack->add_option("--note", ack_note, "what was done about it");

  std::string action = "list", state;
  auto* deliveries =
      app.add_subcommand("deliveries", "list webhook deliveries, or retry dead ones");
  deliveries->add_option("--config", config_path, "configuration file")->capture_default_str();
  deliveries->add_option("action", action, "list or retry")
      ->check(CLI::IsMember({"list", "retry"}));
  deliveries->add_option("--state", state, "pending, delivered, dead, disabled, grouped");
  std::string webhook_name;
  deliveries->add_option("--webhook", webhook_name, "retry: only this webhook's deliveries");

  std::string query;
  int search_limit = 20;
  auto* articles = app.add_subcommand("articles", "stored articles");
  articles->require_subcommand(1);
  auto* articles_search = articles->add_subcommand("search", "full-text search, Arabic-aware");
  articles_search->add_option("--config", config_path, "configuration file")->capture_default_str();
  articles_search->add_option("query", query, "words, \"phrases\", OR, -word")->required();
  articles_search->add_option("--limit", search_limit, "most results")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  auto* sources = app.add_subcommand("sources", "manage sources");
  sources->require_subcommand(1);
  auto* sources_list = sources->add_subcommand("list", "sources with their fetch state");
  sources_list->add_option("--config", config_path, "configuration file")->capture_default_str();
  std::string release_id;
  auto* sources_export =
      sources->add_subcommand("export-opml", "the configured sources as OPML 2.0 on stdout");
  sources_export->add_option("--config", config_path, "configuration file")->capture_default_str();
  cli::SourcesAddArgs add_args;
  add_args.config_path = kDefaultConfig;
  auto* sources_add =
      sources->add_subcommand("add", "fetch a URL, find its feed, and add it to the sources file");
  sources_add->add_option("--config", add_args.config_path, "configuration file")
      ->capture_default_str();
  sources_add->add_option("url", add_args.url, "feed or page URL")->required();
  sources_add->add_option("--id", add_args.id, "source id ([a-z0-9_-]+); default from the URL");
  sources_add->add_option("--type", add_args.type, "feed or html; default: detected")
      ->check(CLI::IsMember({"feed", "html"}));
  sources_add->add_option("--tags", add_args.tags, "comma-separated tags")->delimiter(',');
  sources_add->add_flag("--full-text", add_args.full_text,
                        "fetch each new item's page and extract the whole article");
  std::string remove_id;
  auto* sources_remove = sources->add_subcommand("remove", "remove a source from the sources file");
  sources_remove->add_option("--config", config_path, "configuration file")->capture_default_str();
  sources_remove->add_option("id", remove_id, "source id")->required();
  std::string opml_file;
  auto* sources_import =
      sources->add_subcommand("import-opml", "add the feeds of an OPML file to the sources file");
  sources_import->add_option("--config", config_path, "configuration file")->capture_default_str();
  sources_import->add_option("file", opml_file, "OPML 1.0 or 2.0 file")->required();
  auto* sources_release = sources->add_subcommand("release", "poll a quarantined source again");
  sources_release->add_option("--config", config_path, "configuration file")->capture_default_str();
  sources_release->add_option("id", release_id, "source id")->required();

  cli::SilenceAddArgs silence_args;
  silence_args.config_path = kDefaultConfig;
  auto* silence = app.add_subcommand("silence", "alerts stored but not sent, for a while");
  silence->require_subcommand(1);
  auto* silence_add = silence->add_subcommand("add", "silence a rule, source, story or query");
  silence_add->add_option("--config", silence_args.config_path, "configuration file")
      ->capture_default_str();
  silence_add->add_option("--rule", silence_args.rule, "rule id");
  silence_add->add_option("--source", silence_args.source, "source id");
  silence_add->add_option("--story", silence_args.story, "story cluster id (cl_…)");
  silence_add->add_option("--query", silence_args.query, "a query in the rule language");
  silence_add->add_option("--for", silence_args.duration, "how long, e.g. 6h")->required();
  silence_add->add_option("--reason", silence_args.reason, "why, for whoever reads the list")
      ->required();
  silence_add->add_option("--author", silence_args.author, "who (default: $SUDO_USER or $USER)");
  bool silence_all = false;
  auto* silence_list = silence->add_subcommand("list", "silences in force (--all: every one)");
  silence_list->add_option("--config", config_path, "configuration file")->capture_default_str();
  silence_list->add_flag("--all", silence_all, "also expired and removed silences");
  std::string silence_id;
  auto* silence_remove = silence->add_subcommand("remove", "end a silence now");
  silence_remove->add_option("--config", config_path, "configuration file")->capture_default_str();
  silence_remove->add_option("id", silence_id, "silence id")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (*run) {
      CurlGlobal curl;
      DaemonLogger logger = make_daemon_logger(log_level);
      const int rc = run_service({config_path, once, tick_ms}, logger.log);
      if (const size_t dropped = logger.pool->overrun_counter()) {
        logger.log->warn("{} log lines were dropped: stderr was not read fast enough", dropped);
      }
      logger.log->flush();
      return rc;
    }
    if (*check) return cmd_check(config_path);
    if (*pf) return cmd_parse_feed(file, content_type, base_url);
    if (*extract) return cmd_extract(file, content_type, page_url);
    if (*norm) return cmd_normalize(view, text_in);
    if (*match) return cmd_match(rules_path, input);
    if (*dedup) {
      std::istringstream in(read_input(dedup_input));
      return cli::cmd_dedup(in, dedup_input, std::cout, std::cerr);
    }
    if (*fetch) {
      CurlGlobal curl;
      return cmd_fetch(url, allow_private);
    }
    if (*backtest) return cli::cmd_backtest(bt, std::cout, std::cerr);
    if (*migrate) return cli::cmd_migrate(migrate_from, migrate_to, std::cout, std::cerr);
    if (*silence_add) return cli::cmd_silence_add(silence_args, std::cout, std::cerr);
    if (*silence_list) return cli::cmd_silence_list(config_path, silence_all, std::cout, std::cerr);
    if (*silence_remove)
      return cli::cmd_silence_remove(config_path, silence_id, std::cout, std::cerr);
    if (*alerts_ack)
      return cli::cmd_alerts_ack(config_path, ack_id, ack_by, ack_note, std::cout, std::cerr);
    if (*alerts) return cmd_alerts(config_path, since, rule_id, as_json);
    if (*deliveries) return cmd_deliveries(config_path, action, state, webhook_name);
    if (*articles_search) {
      return cli::cmd_articles_search(load_config_or_throw(config_path).store_path, query,
                                      search_limit, std::cout, std::cerr);
    }
    if (*sources_list) return cmd_sources_list(config_path);
    if (*sources_add) {
      CurlGlobal curl;
      return cli::cmd_sources_add(add_args, std::cout, std::cerr);
    }
    if (*sources_remove) {
      CurlGlobal curl;
      return cli::cmd_sources_remove(config_path, remove_id, std::cout, std::cerr);
    }
    if (*sources_import) {
      CurlGlobal curl;
      return cli::cmd_sources_import_opml(config_path, opml_file, std::cout, std::cerr);
    }
    if (*sources_release) return cmd_sources_release(config_path, release_id);
    if (*sources_export)
      return cli::cmd_sources_export_opml(load_config_or_throw(config_path), std::cout);
  } catch (const UsageError& e) {
    std::cerr << "rasd: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rasd: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
