// JSON values for CLI output (UTF-8, Arabic never escaped).
#pragma once

#include <boost/json.hpp>
#include <istream>
#include <ostream>
#include <string>

#include "rasd/engine/rules/matcher.hpp"
#include "rasd/parsers/feed.hpp"

namespace rasd::cli {

boost::json::object feed_to_json(const Feed& feed);
// Writes serialize(feed_to_json(feed)) to `out`, the same bytes, one item at a time: a 15 MB
// feed is never held a second and a third time as a JSON value and its text.
void write_feed_json(const Feed& feed, std::ostream& out);

// Calls f(object) for each JSON object line of `in`; blank lines are skipped, and a line that
// is not a JSON object is reported on `err` as "name:line: error: ..." and skipped.
template <class F>
void for_each_json_line(std::istream& in, const std::string& name, std::ostream& err, F&& f) {
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      err << name << ":" << line_no << ": error: not a JSON object; line skipped\n";
      continue;
    }
    f(v.get_object());
  }
}

}  // namespace rasd::cli
