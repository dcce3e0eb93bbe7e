// The silences the pipeline applies (DESIGN.md alerting, issue 20): an alert a silence in force
// matches is stored, marked with the silence's id, and never queued for delivery.
//
// A silence names a rule, a source, a story cluster, or a query (the rule language, evaluated
// on the article as the rule's own query is). The list is read from the store at most every
// kRefreshSeconds, so a `rasd silence add` from another process is in force within that; each
// silence's expiry is checked against the clock at every use.
//
// Thread safety: none; owned by the Monitor on the store thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rasd/daemon/article_store.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/parsers/expected.hpp"

namespace rasd {

// A new silence from what a user gave (the CLI and the API): `kind` rule|source|story|query,
// `length` a duration ("6h"), a reason that is not blank, a query that compiles. The error says
// which of them is wrong.
Expected<Silence> make_silence(const std::string& kind, const std::string& value,
                               const std::string& length, const std::string& reason,
                               const std::string& author, int64_t now,
                               const text::Normalizer& normalizer);

// The article a silence is checked against: the pipeline's prepared article, which may be
// indexed for the rules' words only (PrepareOptions::keys), and a fully indexed copy prepared
// on first need, since a query silence's words need not be rule words. One per article; the
// copy is then built at most once however many of its alerts are checked.
// Thread safety: none (the copy is built lazily).
class SilenceSubject {
 public:
  SilenceSubject(const rules::PreparedArticle& prepared, const text::Normalizer& normalizer)
      : prepared_(prepared), normalizer_(normalizer) {}
  SilenceSubject(rules::PreparedArticle&&, const text::Normalizer&) = delete;  // kept by reference
  // Every key indexed: `prepared` itself when it has no key filter.
  const rules::PreparedArticle& fully_indexed() const;

 private:
  const rules::PreparedArticle& prepared_;
  const text::Normalizer& normalizer_;
  mutable std::optional<rules::PreparedArticle> full_;
};

class SilenceList {
 public:
  static constexpr int64_t kRefreshSeconds = 5;

  // Rereads the store when the list is older than kRefreshSeconds (or `force`). A query
  // silence that does not compile (written by an older rasd) is skipped, and said in `errors`.
  void refresh(ArticleStore& store, const text::Normalizer& normalizer, int64_t now,
               bool force = false);
  // The silence that holds back an alert of `rule` on `article` (in story `cluster` of
  // `source`), or null. `article` may be null (no article: a threshold summary); then only
  // rule silences apply. A query silence is evaluated on the fully indexed article.
  const Silence* match(const std::string& rule_id, const std::string& source_id,
                       const std::string& cluster, const SilenceSubject* article,
                       int64_t now) const;
  std::vector<std::string> take_errors() { return std::move(errors_); }

 private:
  struct Entry {
    Silence silence;
    std::shared_ptr<const rules::CompiledNode> query;  // kind "query" only
  };
  std::vector<Entry> entries_;
  std::optional<int64_t> read_at_;
  std::vector<std::string> errors_;
};

}  // namespace rasd
