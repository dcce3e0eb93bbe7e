#include "rasd/engine/rules/rule_index.hpp"

#include <algorithm>

namespace rasd::rules {
namespace {

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Expected cost of requiring these anchors: how many candidates they are likely to bring in.
// Short words are common and prefixes match many words, so both cost more.
double cost(const Anchors& a) {
  double c = 0;
  for (const auto& w : a.words) c += 1.0 / static_cast<double>(std::max<size_t>(1, code_points(w)));
  for (const auto& p : a.prefixes) c += 4.0 / static_cast<double>(std::max<size_t>(1, code_points(p)));
  return c;
}

void erase_id(std::vector<RuleIndex::RuleId>& v, RuleIndex::RuleId id) {
  v.erase(std::remove(v.begin(), v.end(), id), v.end());
}

}  // namespace

std::optional<Anchors> anchors_of(const CompiledNode& n) {
  using K = QueryNode::Kind;
  switch (n.kind) {
    case K::term:
      return Anchors{{n.words[0]}, {}};
    case K::phrase:
      return Anchors{{n.words[0], n.glued}, {}};
    case K::prefix:
      return Anchors{{}, {n.words[0]}};
    case K::any_of: {
      Anchors all;
      for (const auto& c : n.children) {
        auto a = anchors_of(c);
        if (!a) return std::nullopt;
        all.words.insert(all.words.end(), a->words.begin(), a->words.end());
        all.prefixes.insert(all.prefixes.end(), a->prefixes.begin(), a->prefixes.end());
      }
      return all;
    }
    case K::all_of:
    case K::near: {
      std::optional<Anchors> best;
      double best_cost = 0;
      for (const auto& c : n.children) {
        auto a = anchors_of(c);
        if (!a) continue;
        const double k = cost(*a);
        if (!best || k < best_cost) {
          best = std::move(a);
          best_cost = k;
        }
      }
      return best;
    }
    case K::regex:
    case K::negation:
    case K::list:  // compiled into any_of; never seen here
      return std::nullopt;
  }
  return std::nullopt;
}

void RuleIndex::add(RuleId id, const CompiledNode& query) {
  remove(id);
  auto anchors = anchors_of(query);
  if (!anchors) {
    always_.push_back(id);
  } else {
    for (const auto& w : anchors->words) {
      auto& posting = by_word_[key_hash(w)];
      if (posting.empty() || posting.back() != id) posting.push_back(id);
    }
    for (const auto& p : anchors->prefixes) {
      const uint64_t h = key_head(p);
      if (h == 0) {  // the compiler never makes one-letter prefixes; check it anyway
        anchors.reset();
        always_.push_back(id);
        break;
      }
      by_prefix_head_[h].emplace_back(p, id);
    }
  }
  filed_.emplace(id, std::move(anchors));
}

void RuleIndex::remove(RuleId id) {
  auto it = filed_.find(id);
  if (it == filed_.end()) return;
  if (!it->second) {
    erase_id(always_, id);
  } else {
    for (const auto& w : it->second->words) {
      auto p = by_word_.find(key_hash(w));
      if (p == by_word_.end()) continue;
      erase_id(p->second, id);
      if (p->second.empty()) by_word_.erase(p);
    }
    for (const auto& pre : it->second->prefixes) {
      auto p = by_prefix_head_.find(key_head(pre));
      if (p == by_prefix_head_.end()) continue;
      auto& v = p->second;
      v.erase(std::remove_if(v.begin(), v.end(), [&](const auto& e) { return e.second == id; }), v.end());
      if (v.empty()) by_prefix_head_.erase(p);
    }
  }
  filed_.erase(it);
}

void RuleIndex::collect(std::string_view key, uint64_t hash, std::vector<RuleId>& out) const {
  if (auto it = by_word_.find(hash); it != by_word_.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  if (by_prefix_head_.empty()) return;
  const uint64_t h = key_head(key);
  if (h == 0) return;
  if (auto it = by_prefix_head_.find(h); it != by_prefix_head_.end()) {
    for (const auto& [prefix, id] : it->second) {
      if (key.compare(0, prefix.size(), prefix) == 0) out.push_back(id);
    }
  }
}

void RuleIndex::candidates(const PreparedArticle& article, std::vector<RuleId>& out) const {
  out.assign(always_.begin(), always_.end());
  for (size_t f = 0; f < kFieldCount; ++f) {
    const PreparedField& pf = article.field(f);
    for (size_t v = 0; v < 2; ++v) {
      if (v == 1 && pf.normalized.collapsed_is_strict) break;
      const KeyIndex& index = pf.views[v].index;
      for (size_t k = 0; k < index.size(); ++k) collect(index.key(k), index.hash(k), out);
    }
  }
  // Ids come in key order with repeats; a bit per filed id sorts and dedups them in one pass.
  if (out.empty()) return;
  const RuleId top = *std::max_element(out.begin(), out.end());
  std::vector<uint64_t> bits(top / 64 + 1, 0);
  for (const RuleId id : out) bits[id / 64] |= uint64_t{1} << (id % 64);
  out.clear();
  for (size_t w = 0; w < bits.size(); ++w) {
    for (uint64_t b = bits[w]; b != 0; b &= b - 1) {
      out.push_back(static_cast<RuleId>(w * 64 + static_cast<size_t>(__builtin_ctzll(b))));
    }
  }
}

}  // namespace rasd::rules
