// Subcommands of the rasd binary that live outside main.cpp.
#pragma once

#include <iosfwd>
#include <string>

namespace rasd {
struct Config;
}

namespace rasd::cli {

struct BacktestArgs {
  std::string config_path, rules_path, since, until, source;
  bool json = false;
};
// `rasd backtest`: hits as JSON Lines (--json) or a table per rule on `out`; exit 2 on a bad
// config, rule file or time.
int cmd_backtest(const BacktestArgs& args, std::ostream& out, std::ostream& err);

// `rasd sources export-opml`: the configured sources as OPML 2.0 on `out`.
int cmd_sources_export_opml(const Config& config, std::ostream& out);

// `rasd dedup`: reads article JSON Lines, writes {"id","cluster","duplicate_of","kind"} per line.
int cmd_dedup(std::istream& in, const std::string& input_name, std::ostream& out,
              std::ostream& err);

// `rasd articles search QUERY`: one JSON line per stored article found, newest first; exit 2 on
// a malformed query.
int cmd_articles_search(const std::string& store_path, const std::string& query, int limit,
                        std::ostream& out, std::ostream& err);

}  // namespace rasd::cli
