// Candidate selection for a rule set: instead of evaluating every rule against every article,
// each rule is filed under the words it cannot match without, and an article evaluates only
// the rules whose words it holds, plus the rules that have no such word at all (a lone regex,
// say), which sit on an always-check list.
//
// What a rule needs is a conjunction of anchor groups, each a disjunction of keys: the rule
// can match only if, for every group, the article's KeyIndex holds one of the group's keys.
// Groups of a compiled query, computed by anchor_groups_of():
//   term       {word}                   phrase   {first word, glued}, {second word, glued}
//   prefix     {prefix} (by prefix)     regex    none: always check
//   OR         one group: every child's cheapest group (none if any child has none)
//   AND, NEAR  the groups of all children (negated ones never anchor), cheapest first, at
//              most kMaxGroups of them; cheap means few and long words, which are rarer
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
#include "rasd/engine/rules/flat_hash.hpp"
#include "rasd/engine/rules/rule.hpp"

namespace rasd::rules {

// Keys of which an article must hold at least one.
struct Anchors {
  std::vector<std::string> words;     // exact index keys
  std::vector<std::string> prefixes;  // keys starting with one of these
};
using AnchorGroups = std::vector<Anchors>;  // every group must be met
constexpr size_t kMaxGroups = 3;

// The groups of a query, or nullopt when it has none (it must be checked on every article).
std::optional<AnchorGroups> anchor_groups_of(const CompiledNode& query);
// The cheapest single group of a query (what a one-group index would file it under).
std::optional<Anchors> anchors_of(const CompiledNode& query);

class RuleIndex {
 public:
  using RuleId = uint32_t;

  // Files rule `id` under the anchor groups of `query`. Adding an id already filed replaces it.
  void add(RuleId id, const CompiledNode& query);
  // Unfiles rule `id`; unknown ids are ignored.
  void remove(RuleId id);

  // Sets `out` to the ids, sorted and unique, of every rule that may match `article`.
  // Cost: one hash lookup per distinct key of the article, plus the postings found.
  void candidates(const PreparedArticle& article, std::vector<RuleId>& out) const;

  size_t size() const { return filed_.size(); }
  size_t always_checked() const { return always_.size(); }
  size_t distinct_keys() const { return by_word_.size(); }

  // Prefixes are filed by their first kPrefixHead code points; shorter prefixes (the compiler
  // allows two) by themselves. An article key then costs one probe for long prefixes, plus one
  // per short length in use.
  static constexpr size_t kPrefixHead = 4;

 private:
  struct Posting {
    RuleId id;
    uint8_t group;
  };
  struct PrefixPosting {
    std::string prefix;
    RuleId id;
    uint8_t group;
  };
  // Key of the first kPrefixHead code points of p, or of all of p when shorter (head_key());
  // sets the length of p in code points (capped at kPrefixHead).
  static uint64_t prefix_key(std::string_view p, size_t& length);
  // A key for a short head of a word: its bytes packed into an integer when they fit in 8
  // (Arabic: four letters), else key_hash(); never equal for different heads of one length.
  static uint64_t head_key(std::string_view head);

  // One bit per hash value (low kFilterBits bits): set for every filed word and prefix head,
  // never cleared. Most keys of an article are no rule's word; the filter turns them away
  // before the probe of the larger table.
  static constexpr unsigned kFilterBits = 20;
  bool maybe_filed(const std::vector<uint64_t>& filter, uint64_t key) const {
    const uint64_t bit = (key ^ (key >> 29)) & ((uint64_t{1} << kFilterBits) - 1);
    return (filter[bit >> 6] >> (bit & 63)) & 1;
  }
  static void set_filter(std::vector<uint64_t>& filter, uint64_t key) {
    const uint64_t bit = (key ^ (key >> 29)) & ((uint64_t{1} << kFilterBits) - 1);
    filter[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
  std::vector<uint64_t> word_filter_ = std::vector<uint64_t>(size_t{1} << (kFilterBits - 6), 0);
  std::vector<uint64_t> prefix_filter_ = std::vector<uint64_t>(size_t{1} << (kFilterBits - 6), 0);

  // Keyed by key_hash() of the word, the hash articles' KeyIndex already holds. Two words with
  // the same hash share a posting list; that only adds candidates, never loses one.
  detail::PostingTable<Posting> by_word_;
  detail::PostingTable<PrefixPosting> by_prefix_;
  size_t short_prefixes_[kPrefixHead] = {};  // how many prefixes of 0..3 code points are filed
  std::vector<RuleId> always_;
  std::vector<uint8_t> all_groups_;  // per id: the bit mask of its groups; 0 when not filed
  std::unordered_map<RuleId, std::optional<AnchorGroups>> filed_;  // what remove() must undo
};

}  // namespace rasd::rules
