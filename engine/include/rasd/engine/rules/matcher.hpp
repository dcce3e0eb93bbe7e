// Matching compiled rules against prepared articles.
//
// Views: every leaf is looked up in both the strict and the collapsed view; a hit found only in
// the collapsed view is reported with view "collapsed" (an obfuscated spelling). NOT sees both
// views, so an obfuscated spelling cannot slip past a negation.
//
// Thread safety: a Matcher only reads its RuleSet; match() may run concurrently on distinct
// PreparedArticles.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rasd/engine/rules/article.hpp"
#include "rasd/engine/rules/rule.hpp"
#include "rasd/engine/rules/rule_index.hpp"

namespace rasd::rules {

struct Hit {
  Field field = kTitle;
  text::View view = text::View::strict;
  uint32_t start = 0;  // code-point offsets into the original field
  uint32_t end = 0;
  std::string text;  // the original spelling
};

struct RuleMatch {
  const Rule* rule = nullptr;
  std::vector<Hit> hits;
};

// Evaluates one compiled query; returns whether it matched and the hits that made it match.
bool evaluate(const CompiledNode& query, const PreparedArticle& article, std::vector<Hit>& hits);

struct MatcherOptions {
  // Evaluate only the rules the RuleIndex selects (the default); off, every rule is evaluated,
  // which gives the same matches more slowly (kept for benchmarks and tests).
  bool candidate_selection = true;
};

// Builds a RuleIndex over the rule set once; construct one Matcher per loaded RuleSet and
// reuse it for every article.
class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const RuleSet> rules, MatcherOptions options = {});
  const RuleSet& rules() const { return *rules_; }
  const RuleIndex& index() const { return index_; }
  // The keys this matcher's rules look up: prepare articles with it (PrepareOptions::keys)
  // to index only those.
  const KeyFilter& keys() const { return keys_; }

  // Every enabled rule whose source/lang filters admit the article and whose query matches,
  // in rule-set order.
  std::vector<RuleMatch> match(const PreparedArticle& article) const;

 private:
  std::shared_ptr<const RuleSet> rules_;
  MatcherOptions options_;
  RuleIndex index_;
  KeyFilter keys_;
};

// True when the rule's `sources` and `lang` options admit the article.
bool rule_applies(const Rule& rule, const ArticleFields& article);

}  // namespace rasd::rules
