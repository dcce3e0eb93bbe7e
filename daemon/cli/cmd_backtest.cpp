// `rasd backtest`: rule files replayed over the stored articles (DESIGN.md section 3).
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "rasd/daemon/backtest.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A --since/--until value: a duration back from now ("7d") or a date ("2026-11-01").
std::optional<int64_t> parse_when(const std::string& v, int64_t now) {
  if (auto d = dates::parse_duration_seconds(v)) return now - *d;
  return dates::parse_any(v);
}

// "done/total, rate, ETA" on one terminal line, at most 4 times a second.
class Progress {
 public:
  Progress(int64_t total, bool on) : total_(total), on_(on), start_(SteadyClock::now()) {}
  void tick(int64_t done) {
    if (!on_ || (done % 256 != 0 && done != total_)) return;
    const auto now = SteadyClock::now();
    if (done != total_ && now - shown_ < std::chrono::milliseconds(250)) return;
    shown_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    const double rate = s > 0 ? static_cast<double>(done) / s : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    std::fprintf(stderr, "\r%lld/%lld articles, %.0f/s, ETA %.0f s   ",
                 static_cast<long long>(done), static_cast<long long>(total_), rate, eta);
  }
  void end() {
    if (on_) std::fputs("\n", stderr);
  }

 private:
  int64_t total_;
  bool on_;
  SteadyClock::time_point start_, shown_{};
};

void print_table(const std::vector<RuleSummary>& summaries, std::ostream& out) {
  for (const auto& s : summaries) {
    out << s.rule->id;
    if (!s.rule->title.empty() && s.rule->title != s.rule->id) out << "  " << s.rule->title;
    out << "\n  " << s.hits << " hits, " << s.stories << " stories";
    if (s.first)
      out << ", first " << dates::format_rfc3339(*s.first) << ", last "
          << dates::format_rfc3339(*s.last);
    out << "\n";
    if (s.rule->threshold) {
      out << "  threshold fired " << s.episodes.size() << " time(s)\n";
      for (const auto& ep : s.episodes) {
        out << "    " << dates::format_rfc3339(ep.opened_at) << " to "
            << (ep.closed_at ? dates::format_rfc3339(*ep.closed_at) : std::string("(open)")) << ": "
            << ep.at_open.articles << " articles, " << ep.at_open.stories << " stories, "
            << ep.at_open.sources << " sources at firing; " << ep.matches << " matches, "
            << ep.updates << " updates\n";
      }
    }
    for (const auto& e : s.examples) {
      out << "    · " << e.title << "\n";
      if (!e.context.empty()) out << "      " << e.context << "\n";
    }
  }
}

}  // namespace

int cmd_backtest(const BacktestArgs& args, std::ostream& out, std::ostream& err) {
  auto c = load_config_file(args.config_path);
  err << c.diagnostics.format();
  if (!c.config) {
    err << "rasd: invalid configuration: " << args.config_path << "\n";
    return 2;
  }
  const Config& config = *c.config;
  const int64_t now = SystemClock().now();
  ArticleScan scan;
  scan.source_id = args.source;
  if (!args.since.empty()) {
    auto t = parse_when(args.since, now);
    if (!t) {
      err << "rasd: --since: neither a duration (7d) nor a date: '" << args.since << "'\n";
      return 2;
    }
    scan.since = *t;
  }
  if (!args.until.empty()) {
    auto t = parse_when(args.until, now);
    if (!t) {
      err << "rasd: --until: neither a duration (1d) nor a date: '" << args.until << "'\n";
      return 2;
    }
    scan.until = *t;
  }

  const text::Normalizer normalizer;
  Diagnostics diag;
  Config rules_only;
  rules_only.rule_paths = {args.rules_path};
  auto files = read_rule_files(rules_only, diag);
  auto loaded = rules::load_rules(files, normalizer);
  diag.append(loaded.diagnostics);
  err << diag.format();
  if (!loaded.rules || diag.has_errors()) return 2;

  Backtest backtest(loaded.rules, normalizer, backtest_options_for(config));

  StoreOptions store_options;
  store_options.read_only = true;
  Store store(config.store_path, store_options);
  const bool tty = isatty(STDERR_FILENO) != 0;
  Progress progress(tty ? store.count_articles(scan) : 0, tty);
  const auto t0 = SteadyClock::now();
  int64_t last_fetch = INT64_MIN;
  store.scan_articles(scan, [&](const StoredArticle& a) {
    last_fetch = a.fetched_at;
    backtest.add(a, [&](const BacktestHit& hit) {
      if (args.json) out << boost::json::serialize(backtest_hit_json(hit)) << "\n";
    });
    progress.tick(backtest.articles());
    return true;
  });
  progress.end();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  // Threshold windows age out up to the end of the replayed span (or now, for a span that
  // reaches the present).
  const int64_t end = scan.until != INT64_MAX ? scan.until : std::max(now, last_fetch);
  const auto summaries = backtest.finish(end);
  if (!args.json) print_table(summaries, out);
  (args.json ? err : out) << backtest.articles() << " articles replayed with "
                          << loaded.rules->rules.size() << " rules in " << std::fixed
                          << std::setprecision(3) << seconds << " s\n";
  return 0;
}

}  // namespace rasd::cli
