#include "rasd/engine/rules/rule_index.hpp"

#include <algorithm>
#include <cstring>

namespace rasd::rules {
namespace {

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Expected cost of requiring a group: how many articles are likely to hold one of its keys.
// Short words are common and prefixes match many words, so both cost more.
double cost(const Anchors& a) {
  double c = 0;
  for (const auto& w : a.words) c += 1.0 / static_cast<double>(std::max<size_t>(1, code_points(w)));
  for (const auto& p : a.prefixes)
    c += 4.0 / static_cast<double>(std::max<size_t>(1, code_points(p)));
  return c;
}

void sort_by_cost(AnchorGroups& groups) {
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Anchors& a, const Anchors& b) { return cost(a) < cost(b); });
}

}  // namespace

std::optional<AnchorGroups> anchor_groups_of(const CompiledNode& n) {
  using K = QueryNode::Kind;
  switch (n.kind) {
    case K::term:
      return AnchorGroups{{{n.words[0]}, {}}};
    case K::phrase: {
      // Either the words in a row (the first may carry proclitics, so its key is its stem) or
      // the glued spelling.
      AnchorGroups g{{{n.words[0], n.glued}, {}}};
      if (n.words.size() > 1) g.push_back({{n.words[1], n.glued}, {}});
      return g;
    }
    case K::prefix:
      return AnchorGroups{{{}, {n.words[0]}}};
    case K::any_of: {
      Anchors all;
      for (const auto& c : n.children) {
        auto a = anchors_of(c);
        if (!a) return std::nullopt;
        all.words.insert(all.words.end(), a->words.begin(), a->words.end());
        all.prefixes.insert(all.prefixes.end(), a->prefixes.begin(), a->prefixes.end());
      }
      return AnchorGroups{std::move(all)};
    }
    case K::all_of:
    case K::near: {
      AnchorGroups all;
      for (const auto& c : n.children) {
        auto g = anchor_groups_of(c);
        if (!g) continue;
        all.insert(all.end(), std::make_move_iterator(g->begin()),
                   std::make_move_iterator(g->end()));
      }
      if (all.empty()) return std::nullopt;
      sort_by_cost(all);
      if (all.size() > kMaxGroups) all.resize(kMaxGroups);
      return all;
    }
    case K::regex:
    case K::negation:
    case K::list:  // compiled into any_of; never seen here
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Anchors> anchors_of(const CompiledNode& n) {
  auto g = anchor_groups_of(n);
  if (!g) return std::nullopt;
  sort_by_cost(*g);
  return std::move(g->front());
}

uint64_t RuleIndex::head_key(std::string_view head) {
  if (head.size() <= 8) {
    uint64_t k = 0;
    std::memcpy(&k, head.data(), head.size());
    // Mixed so that the low bits used by tables and filters depend on every byte; the length
    // keeps "ab" and "ab\0" apart.
    k = (k ^ head.size()) * 0x9E3779B97F4A7C15ull;
    return k ^ (k >> 32);
  }
  return key_hash(head);
}

uint64_t RuleIndex::prefix_key(std::string_view p, size_t& length) {
  size_t bytes = 0;
  length = 0;
  while (length < kPrefixHead && bytes < p.size()) {
    const auto b = static_cast<unsigned char>(p[bytes]);
    bytes += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    ++length;
  }
  return head_key(p.substr(0, std::min(bytes, p.size())));
}

void RuleIndex::add(RuleId id, const CompiledNode& query) {
  remove(id);
  auto groups = anchor_groups_of(query);
  if (groups) {
    // The compiler never makes one-letter prefixes; a group with one could not be filed.
    for (const auto& g : *groups) {
      for (const auto& p : g.prefixes) {
        size_t length = 0;
        prefix_key(p, length);
        if (length < 2) groups.reset();
      }
      if (!groups) break;
    }
  }
  if (!groups) {
    always_.push_back(id);
  } else {
    for (uint8_t gi = 0; gi < groups->size(); ++gi) {
      const Anchors& g = (*groups)[gi];
      for (const auto& w : g.words) {
        const uint64_t h = key_hash(w);
        by_word_.add(h, {id, gi});
        set_filter(word_filter_, h);
      }
      for (const auto& p : g.prefixes) {
        size_t length = 0;
        const uint64_t h = prefix_key(p, length);
        by_prefix_.add(h, {p, id, gi});
        set_filter(prefix_filter_, h);
        if (length < kPrefixHead) ++short_prefixes_[length];
      }
    }
    if (all_groups_.size() <= id) all_groups_.resize(id + 1, 0);
    all_groups_[id] = static_cast<uint8_t>((1u << groups->size()) - 1);
  }
  filed_.emplace(id, std::move(groups));
}

void RuleIndex::remove(RuleId id) {
  auto it = filed_.find(id);
  if (it == filed_.end()) return;
  if (!it->second) {
    always_.erase(std::remove(always_.begin(), always_.end(), id), always_.end());
  } else {
    for (const auto& g : *it->second) {
      for (const auto& w : g.words)
        by_word_.remove_if(key_hash(w), [&](const Posting& e) { return e.id == id; });
      for (const auto& p : g.prefixes) {
        size_t length = 0;
        const uint64_t key = prefix_key(p, length);
        size_t removed = 0;
        by_prefix_.remove_if(key, [&](const PrefixPosting& e) {
          const bool match = e.id == id && e.prefix == p;
          removed += match;
          return match;
        });
        if (length < kPrefixHead)
          short_prefixes_[length] -= std::min(removed, short_prefixes_[length]);
      }
    }
    all_groups_[id] = 0;
  }
  filed_.erase(it);
}

// Selection is bound by memory latency: each key that passes a filter costs a table slot, a
// list header and the list's postings, three dependent cache misses. So it runs in passes over
// the whole article, each prefetching what the next one reads, and the misses overlap.
void RuleIndex::candidates(const PreparedArticle& article, std::vector<RuleId>& out) const {
  struct HeadProbe {
    uint64_t hash;
    std::string_view key;
  };
  std::vector<uint64_t> word_probes;
  std::vector<HeadProbe> head_probes;
  word_probes.reserve(512);
  // Pass 1: the keys that pass the filters (most keys of an article are no rule's word).
  for (size_t f = 0; f < kFieldCount; ++f) {
    const PreparedField& pf = article.field(f);
    for (size_t v = 0; v < 2; ++v) {
      if (v == 1 && pf.normalized.collapsed_is_strict) break;
      const KeyIndex& index = pf.views[v].index;
      for (size_t k = 0; k < index.size(); ++k) {
        const uint64_t hash = index.hash(k);
        if (maybe_filed(word_filter_, hash)) word_probes.push_back(hash);
        if (by_prefix_.empty() || !index.single_token(k))
          continue;  // prefixes match single tokens only
        // The key's head of each prefix length in use: 2, 3 (when short prefixes are filed) and
        // kPrefixHead code points.
        const std::string_view key = index.key(k);
        size_t bytes = 0;
        for (size_t length = 1; length <= kPrefixHead && bytes < key.size(); ++length) {
          const auto b = static_cast<unsigned char>(key[bytes]);
          bytes += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
          if (bytes > key.size()) break;
          if (length < 2 || (length < kPrefixHead && short_prefixes_[length] == 0)) continue;
          const uint64_t h = head_key(key.substr(0, bytes));
          if (maybe_filed(prefix_filter_, h)) head_probes.push_back({h, key});
        }
      }
    }
  }
  // Pass 2: start loading the table slots.
  for (const uint64_t h : word_probes) by_word_.prefetch(h);
  for (const auto& p : head_probes) by_prefix_.prefetch(p.hash);
  // Pass 3: look up, and start loading the list headers.
  std::vector<const std::vector<Posting>*> word_lists;
  word_lists.reserve(word_probes.size());
  for (const uint64_t h : word_probes) {
    if (const auto* list = by_word_.find(h)) {
      __builtin_prefetch(list);
      word_lists.push_back(list);
    }
  }
  std::vector<std::pair<const std::vector<PrefixPosting>*, std::string_view>> prefix_lists;
  for (const auto& p : head_probes) {
    if (const auto* list = by_prefix_.find(p.hash)) {
      __builtin_prefetch(list);
      prefix_lists.emplace_back(list, p.key);
    }
  }
  // Pass 4: start loading the postings.
  for (const auto* list : word_lists) __builtin_prefetch(list->data());
  for (const auto& [list, key] : prefix_lists) __builtin_prefetch(list->data());
  // Pass 5: mark the groups met.
  std::vector<uint8_t> met(all_groups_.size(), 0);  // per id: the groups met so far
  std::vector<RuleId> touched;
  touched.reserve(1024);
  auto mark = [&](RuleId id, uint8_t group) {
    if (met[id] == 0) touched.push_back(id);
    met[id] |= static_cast<uint8_t>(1u << group);
  };
  for (const auto* list : word_lists) {
    for (const auto& p : *list) mark(p.id, p.group);
  }
  for (const auto& [list, key] : prefix_lists) {
    for (const auto& p : *list) {
      if (key.compare(0, p.prefix.size(), p.prefix) == 0) mark(p.id, p.group);
    }
  }
  out.assign(always_.begin(), always_.end());
  for (const RuleId id : touched) {
    if (met[id] == all_groups_[id]) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
}

}  // namespace rasd::rules
