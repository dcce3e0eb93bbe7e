// Subcommands of the rasd binary that live outside main.cpp.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

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

struct SourcesAddArgs {
  std::string config_path, url, id, type;  // type: "", feed or html
  std::vector<std::string> tags;
  bool full_text = false;
};
// `rasd sources add`: fetches the URL, detects a feed (or the feeds a page links), writes the
// entry to the sources file. Exit 1 when the URL cannot be fetched, 2 on bad input.
int cmd_sources_add(const SourcesAddArgs& args, std::ostream& out, std::ostream& err);
// `rasd sources remove ID`: only entries of the sources file (rasd.yaml's are the user's).
int cmd_sources_remove(const std::string& config_path, const std::string& id, std::ostream& out,
                       std::ostream& err);
// `rasd sources import-opml FILE`: every feed outline with an http(s) URL not configured yet.
int cmd_sources_import_opml(const std::string& config_path, const std::string& opml_path,
                            std::ostream& out, std::ostream& err);

// An OPML 1.0/2.0 subscription list (cmd_opml.cpp): feed outlines (xmlUrl) and link outlines
// (type="link" with url, as export-opml writes html sources), each with its line, title and
// tags (the titles of the outlines around it, and its `category` split at ',' and '/' as OPML
// 2.0 specifies). An outline that cannot be a source has `error` set. A file that is not OPML
// sets OpmlParse::error and its line.
struct OpmlFeed {
  size_t line = 0;
  std::string url, type, title;
  std::vector<std::string> tags;
  std::string error;
};
struct OpmlParse {
  std::vector<OpmlFeed> feeds;
  std::string error;
  size_t error_line = 0;
};
OpmlParse parse_opml(const std::string& bytes);

struct SilenceAddArgs {
  std::string config_path, rule, source, story, query, duration, reason, author;
};
// `rasd silence add|list|remove` (cmd_silence.cpp): one JSON line per silence; exit 2 on bad
// input or an unknown id.
int cmd_silence_add(const SilenceAddArgs& args, std::ostream& out, std::ostream& err);
int cmd_silence_list(const std::string& config_path, bool all, std::ostream& out,
                     std::ostream& err);
int cmd_silence_remove(const std::string& config_path, const std::string& id, std::ostream& out,
                       std::ostream& err);

// `rasd alerts ack ID`: who and when (and a note); exit 2 when there is no such alert.
int cmd_alerts_ack(const std::string& config_path, const std::string& id, const std::string& by,
                   const std::string& note, std::ostream& out, std::ostream& err);

// `rasd sources export-opml`: the configured sources as OPML 2.0 on `out`.
int cmd_sources_export_opml(const Config& config, std::ostream& out);

// `rasd dedup`: reads article JSON Lines, writes {"id","cluster","duplicate_of","kind"} per line.
int cmd_dedup(std::istream& in, const std::string& input_name, std::ostream& out,
              std::ostream& err);

// `rasd articles search QUERY`: one JSON line per stored article found, newest first; exit 2 on
// a malformed query.
int cmd_articles_search(const std::string& store_path, const std::string& query, int limit,
                        std::ostream& out, std::ostream& err);

// `rasd migrate --from sqlite:PATH --to postgresql://…` (cmd_migrate.cpp): 0 when copied, 1
// when a store failed (nothing written to the target), 2 on bad arguments.
int cmd_migrate(const std::string& from, const std::string& to, std::ostream& out,
                std::ostream& err);

}  // namespace rasd::cli
