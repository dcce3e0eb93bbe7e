// Candidate selection for a rule set: instead of evaluating every rule against every article,
// each rule is filed under the words it cannot match without (its anchors), and an article
// evaluates only the rules filed under one of its index keys, plus the rules that have no
// anchor at all (a regex leaf, say), which sit on an always-check list.
//
// Anchors of a compiled query, computed by anchors_of():
//   term       its word                 phrase   its first word and its glued spelling
//   prefix     its prefix (by prefix)   regex    none: always check
//   OR         every child's anchors (none if any child has none)
//   AND, NEAR  the anchors of the child that is cheapest to require: fewest and longest
//              words, as longer words are rarer (negated children never anchor)
//   NOT        none
// Selection is conservative: every rule that can match is a candidate; candidates that do not
// match are rejected by the full evaluation.
//
// Adding or removing one rule touches only that rule's postings; nothing is rebuilt.
//
// Thread safety: const methods may run concurrently; add() and remove() need exclusive access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rasd/engine/rules/article.hpp"
#include "rasd/engine/rules/rule.hpp"

namespace rasd::rules {

struct Anchors {
  std::vector<std::string> words;     // exact index keys
  std::vector<std::string> prefixes;  // keys starting with one of these
};

// The anchors of a query, or nullopt when it has none (it must be checked on every article).
std::optional<Anchors> anchors_of(const CompiledNode& query);

class RuleIndex {
 public:
  using RuleId = uint32_t;

  // Files rule `id` under the anchors of `query`. Adding an id that is already filed replaces it.
  void add(RuleId id, const CompiledNode& query);
  // Unfiles rule `id`; unknown ids are ignored.
  void remove(RuleId id);

  // Sets `out` to the ids, sorted and unique, of every rule that may match `article`.
  // Cost: one hash lookup per distinct key of the article, plus the candidates found.
  void candidates(const PreparedArticle& article, std::vector<RuleId>& out) const;

  size_t size() const { return filed_.size(); }
  size_t always_checked() const { return always_.size(); }
  size_t distinct_keys() const { return by_word_.size(); }

 private:
  void collect(std::string_view key, uint64_t hash, std::vector<RuleId>& out) const;

  // Keyed by key_hash() of the word, the hash articles' KeyIndex already holds. Two words with
  // the same hash share a posting list; that only adds candidates, never loses one.
  std::unordered_map<uint64_t, std::vector<RuleId>> by_word_;
  // Prefix anchors grouped by key_head().
  std::unordered_map<uint64_t, std::vector<std::pair<std::string, RuleId>>> by_prefix_head_;
  std::vector<RuleId> always_;
  std::unordered_map<RuleId, std::optional<Anchors>> filed_;  // what remove() must undo
};

}  // namespace rasd::rules
