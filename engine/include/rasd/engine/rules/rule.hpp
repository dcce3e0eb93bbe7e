// Rules and compiled rule sets. A RuleSet is immutable once built and can be shared between
// threads (std::shared_ptr<const RuleSet>); reloading builds a new one and swaps it in.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rasd/engine/rules/query.hpp"
#include "rasd/engine/text/normalize.hpp"

namespace re2 {
class RE2;
class FilteredRE2;
}  // namespace re2

namespace rasd::rules {

enum class Severity { info, low, medium, high, critical };
const char* severity_name(Severity s);
bool severity_from_name(std::string_view name, Severity& out);

// A query with its words normalized, lists expanded and regexes compiled.
struct CompiledNode {
  QueryNode::Kind kind = QueryNode::Kind::term;
  uint8_t fields = kDefaultFields;
  int distance = 0;
  std::vector<std::string> words;  // term: 1; phrase: its words; prefix: 1
  std::string glued;               // phrase: the words written together
  uint64_t first_hash = 0;         // key_hash(words[0]) and key_hash(glued), for lookups
  uint64_t glued_hash = 0;
  std::shared_ptr<const re2::RE2> regex;
  // Literal strings the regex needs (RE2's FilteredRE2 atoms) and the prefilter that decides,
  // from which of them a text holds, whether the regex can match it at all. Null when the
  // regex has no usable atoms; then it always runs.
  std::shared_ptr<const re2::FilteredRE2> prefilter;
  std::vector<std::string> atoms;
  std::vector<CompiledNode> children;
};

// For threshold rules: fire when `count` matching articles (per: article) or story clusters
// (per: story) from at least `distinct_sources` sources fall within `window_seconds`. The
// store keeps (rule, article, story, source, event time) rows to count them (threshold.hpp).
enum class ThresholdPer { article, story };
struct Threshold {
  int count = 1;
  int64_t window_seconds = 3600;
  int distinct_sources = 1;
  ThresholdPer per = ThresholdPer::article;
};

// `max_alerts: {count, per}`: at most `count` alerts of the rule are sent per `per` seconds;
// past it they are stored and held back, and one alert.suppressed notice says how many.
struct RateLimit {
  int count = 1;
  int64_t per_seconds = 3600;
};

struct Rule {
  std::string id;
  std::string title;
  std::string query_text;
  Severity severity = Severity::medium;
  std::vector<std::string> tags;
  std::vector<std::string> notify;
  std::vector<std::string> sources;  // empty or "all": every source; else ids or tags
  std::vector<std::string> lang;     // empty: any language
  bool enabled = true;
  std::optional<Threshold> threshold;
  std::optional<RateLimit> max_alerts;
  std::string file;
  int line = 0;
  int column = 0;
  CompiledNode query;
};

struct RuleSet {
  std::vector<Rule> rules;  // enabled rules only
  std::map<std::string, std::vector<std::string>> lists;
};

}  // namespace rasd::rules
