// Backtest: rule files replayed over stored articles (rasd backtest, POST /api/rules/test).
//
// Articles are fed in fetch order and go through what the pipeline runs on a new article
// (monitor.cpp): the same normalizer and PreparedArticle, the same Matcher with the source tags
// of the configuration, and a story index with the daemon's options, so a hit here is a hit of
// `rasd match` and a story here a cluster of `rasd dedup` on the same articles. Threshold rules
// count through rules::ThresholdReplay: when and how often they would have fired.
//
// Pure: no I/O. The caller reads the store (Store::scan_articles) and prints.
// Thread safety: none; one Backtest per replay. It holds the rule set it was given.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/store_types.hpp"
#include "rasd/engine/dedup/story_index.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/engine/rules/threshold_replay.hpp"

namespace rasd {

struct BacktestOptions {
  int64_t dedup_window = 3 * 86400;  // Config::dedup_window
  // Source id -> its tags in the configuration (for `sources:` filters naming tags); a source
  // no longer configured has none.
  std::unordered_map<std::string, std::vector<std::string>> source_tags;
  size_t examples_per_rule = 3;
};

// The options a configuration gives: its dedup window and its sources' tags.
BacktestOptions backtest_options_for(const Config& config);

// One (rule, article) hit. Valid during the callback only.
struct BacktestHit {
  const rules::Rule* rule = nullptr;
  const StoredArticle* article = nullptr;
  const std::string* key = nullptr;    // the article's id in alert bodies
  const std::string* story = nullptr;  // its story cluster's label
  const std::vector<rules::Hit>* hits = nullptr;
  bool new_story = false;  // the rule's first hit in this story: an alert.created in the daemon
  // Threshold rules: the episode (index into RuleSummary::episodes) the hit opened or joined.
  std::optional<size_t> episode;
  bool opens_episode = false;
};

struct BacktestExample {
  std::string title;    // the hit marked with ⟦ ⟧ when it is in the title
  std::string context;  // the first hit with some words around it, marked the same way
};

struct RuleSummary {
  const rules::Rule* rule = nullptr;
  int64_t hits = 0;
  int64_t stories = 0;  // distinct story clusters among the hits (alerts a plain rule raises)
  std::optional<int64_t> first, last;  // published (else fetched) times of the hits
  std::vector<BacktestExample> examples;
  std::vector<rules::ReplayedEpisode> episodes;  // threshold rules: the episodes, in order
};

class Backtest {
 public:
  Backtest(std::shared_ptr<const rules::RuleSet> rules, const text::Normalizer& normalizer,
           BacktestOptions options);

  // Replays one article; on_hit is called per matching rule, in rule-set order.
  void add(const StoredArticle& a, const std::function<void(const BacktestHit&)>& on_hit);
  // Ends the replay at `now` (threshold windows age out up to it) and returns one summary per
  // rule of the set, in order.
  std::vector<RuleSummary> finish(int64_t now);

  int64_t articles() const { return articles_; }

 private:
  struct RuleState {
    RuleSummary summary;
    std::unordered_set<uint64_t> stories;  // hashes of story labels: 8 bytes per story
    std::optional<rules::ThresholdReplay> threshold;
  };

  std::shared_ptr<const rules::RuleSet> rules_;
  rules::Matcher matcher_;
  rules::TokenKeyCache token_cache_;  // for matcher_.keys()
  const text::Normalizer& normalizer_;
  BacktestOptions options_;
  dedup::StoryIndex stories_;
  std::optional<int64_t> stories_expired_at_;
  std::vector<RuleState> state_;  // parallel to rules_->rules
  std::unordered_map<const rules::Rule*, size_t> index_;
  int64_t articles_ = 0;
};

// Marks [start, end) code points of `text` with ⟦ ⟧, cut to about `context` code points on
// each side of the mark (with … where cut); the whole text when context is 0.
std::string mark_hit(const std::string& text, uint32_t start, uint32_t end, size_t context);

// The JSON forms (backtest_json.cpp), shared by `rasd backtest --json` and the API:
// {"rule","article","title","source","published","url","hits","story"} for a hit, plus
// "episode" and "opens_episode" for a threshold rule.
boost::json::object backtest_hit_json(const BacktestHit& hit);
// {"rule","hits","stories","first","last","examples":[{title,context}],"episodes":[…]}.
boost::json::object rule_summary_json(const RuleSummary& summary);

}  // namespace rasd
