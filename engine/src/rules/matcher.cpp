#include "rasd/engine/rules/matcher.hpp"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <tuple>

namespace rasd::rules {
namespace {

// A hit while evaluating: token positions are kept for NEAR.
struct RawHit {
  uint8_t field;  // index into the article's fields
  uint8_t view;   // 0 strict, 1 collapsed
  uint32_t pos;
  uint32_t length;
};

// Evaluation appends hits to one vector and cuts it back when a branch fails, so a query
// allocates once however deep it is.
using Hits = std::vector<RawHit>;

bool word_at(const FieldView& fv, uint32_t pos, const std::string& word) {
  return pos < fv.view->tokens.size() && fv.view->tokens[pos].text == word;
}

void leaf_words(const CompiledNode& n, const FieldView& fv, uint8_t f, uint8_t v, Hits& out) {
  auto add = [&](const Occurrence& o) { out.push_back({f, v, o.pos, o.length}); };
  if (n.kind == QueryNode::Kind::term) {
    for (const auto& o : fv.index.find(n.words[0], n.first_hash)) add(o);
    return;
  }
  if (n.kind == QueryNode::Kind::prefix) {
    fv.index.for_each_with_prefix(n.words[0], [&](size_t key) {
      for (const auto& o : fv.index.occurrences(key)) {
        if (o.length == 1) add(o);
      }
    });
    return;
  }
  // Phrase: the first word may carry proclitics, the rest follow exactly; or the glued form.
  for (const auto& o : fv.index.find(n.words[0], n.first_hash)) {
    if (o.length != 1) continue;
    bool all = true;
    for (size_t k = 1; k < n.words.size() && all; ++k) {
      all = word_at(fv, o.pos + static_cast<uint32_t>(k), n.words[k]);
    }
    if (all) add({o.pos, static_cast<uint32_t>(n.words.size())});
  }
  for (const auto& o : fv.index.find(n.glued, n.glued_hash)) add(o);
}

// Whether the prefilter rules the regex out for this text: none of the combinations of atoms
// it needs is there. Atoms are looked for with a plain substring search.
bool ruled_out(const CompiledNode& n, std::string_view text) {
  if (!n.prefilter) return false;
  std::vector<int> found;
  for (size_t i = 0; i < n.atoms.size(); ++i) {
    if (text.find(n.atoms[i]) != std::string_view::npos) found.push_back(static_cast<int>(i));
  }
  std::vector<int> potential;
  n.prefilter->AllPotentials(found, &potential);
  return potential.empty();
}

void leaf_regex(const CompiledNode& n, const FieldView& fv, uint8_t f, uint8_t v, Hits& out) {
  const std::string& text = fv.view->text;
  const auto& toks = fv.view->tokens;
  if (toks.empty() || ruled_out(n, text)) return;
  re2::StringPiece input(text);
  re2::StringPiece m;
  size_t start = 0;
  while (start <= text.size() &&
         n.regex->Match(input, start, text.size(), RE2::UNANCHORED, &m, 1)) {
    const size_t b = static_cast<size_t>(m.data() - text.data());
    const size_t e = b + m.size();
    if (m.empty()) {
      start = b + 1;
      continue;
    }
    if (fv.byte_to_char.empty()) fv.view->byte_to_char_index(fv.byte_to_char);
    const uint32_t cb = fv.byte_to_char[b];
    const uint32_t ce = fv.byte_to_char[e - 1];
    // Tokens overlapping [cb, ce].
    auto first = std::lower_bound(toks.begin(), toks.end(), cb,
                                  [](const text::Token& t, uint32_t c) { return t.char_end <= c; });
    auto last = std::upper_bound(toks.begin(), toks.end(), ce,
                                 [](uint32_t c, const text::Token& t) { return c < t.char_begin; });
    if (first < last) {
      out.push_back({f, v, first->pos, static_cast<uint32_t>(last - first)});
    }
    start = e;
  }
}

// The same place in the other view of its field: the tokens of `view` that overlap the hit's
// source span. The collapsed view merges tokens, so a span may grow or shrink in tokens.
RawHit in_view(const PreparedArticle& a, const RawHit& h, uint8_t view) {
  const PreparedField& pf = a.field(h.field);
  const auto& from = pf.views[h.view].view->tokens;
  const auto& to = pf.views[view].view->tokens;
  const uint32_t start = from[h.pos].start, end = from[h.pos + h.length - 1].end;
  auto first = std::lower_bound(to.begin(), to.end(), start,
                                [](const text::Token& t, uint32_t s) { return t.end <= s; });
  auto last = std::lower_bound(first, to.end(), end,
                               [](const text::Token& t, uint32_t e) { return t.start < e; });
  if (first == last) return {h.field, view, static_cast<uint32_t>(first - to.begin()), 0};
  return {h.field, view, static_cast<uint32_t>(first - to.begin()),
          static_cast<uint32_t>(last - first)};
}

// Appends the hits of n to out; returns whether n matched. On false, out is as it was.
bool eval(const CompiledNode& n, const PreparedArticle& a, Hits& out) {
  const size_t mark = out.size();
  switch (n.kind) {
    case QueryNode::Kind::term:
    case QueryNode::Kind::phrase:
    case QueryNode::Kind::prefix:
    case QueryNode::Kind::regex:
      for (uint8_t f = 0; f < kFieldCount; ++f) {
        if (!(n.fields & field_at(f))) continue;
        for (uint8_t v = 0; v < 2; ++v) {
          if (v == 1 && a.field(f).normalized.collapsed_is_strict) break;  // nothing new there
          const FieldView& fv = a.field(f).views[v];
          if (n.kind == QueryNode::Kind::regex)
            leaf_regex(n, fv, f, v, out);
          else
            leaf_words(n, fv, f, v, out);
        }
      }
      return out.size() > mark;
    case QueryNode::Kind::all_of:
      for (const auto& c : n.children) {
        if (!eval(c, a, out)) {
          out.resize(mark);
          return false;
        }
      }
      return true;
    case QueryNode::Kind::any_of: {
      bool matched = false;
      for (const auto& c : n.children) matched |= eval(c, a, out);
      return matched;
    }
    case QueryNode::Kind::negation: {
      const bool matched = eval(n.children[0], a, out);
      out.resize(mark);
      return !matched;
    }
    case QueryNode::Kind::near: {
      if (!eval(n.children[0], a, out)) return false;
      const size_t right_mark = out.size();
      if (!eval(n.children[1], a, out)) {
        out.resize(mark);
        return false;
      }
      const Hits left(out.begin() + static_cast<std::ptrdiff_t>(mark),
                      out.begin() + static_cast<std::ptrdiff_t>(right_mark));
      const Hits right(out.begin() + static_cast<std::ptrdiff_t>(right_mark), out.end());
      out.resize(mark);
      // Each hit that has a partner is kept once, however many partners it has: pushing it
      // once per pair would double the copies at every NEAR of a chain (a NEAR b NEAR c ...),
      // 2^256 of them at the bound on nesting.
      std::vector<bool> left_near(left.size()), right_near(right.size());
      const auto d = static_cast<uint32_t>(n.distance);
      for (size_t i = 0; i < left.size(); ++i) {
        const RawHit& x = left[i];
        for (size_t j = 0; j < right.size(); ++j) {
          const RawHit& y_hit = right[j];
          if (x.field != y_hit.field) continue;
          // Hits of different views are compared in x's view.
          const RawHit y = x.view == y_hit.view ? y_hit : in_view(a, y_hit, x.view);
          if (y.length == 0) continue;
          // Tokens strictly between the two spans.
          uint32_t gap = 0;
          if (x.pos + x.length <= y.pos)
            gap = y.pos - (x.pos + x.length);
          else if (y.pos + y.length <= x.pos)
            gap = x.pos - (y.pos + y.length);
          else
            continue;  // overlapping spans are the same words, not two
          if (gap <= d) left_near[i] = right_near[j] = true;
        }
      }
      for (size_t i = 0; i < left.size(); ++i) {
        if (left_near[i]) out.push_back(left[i]);
      }
      for (size_t j = 0; j < right.size(); ++j) {
        if (right_near[j]) out.push_back(right[j]);
      }
      // The same word can come from both sides (a NEAR a): once is enough.
      auto key = [](const RawHit& h) { return std::tie(h.field, h.view, h.pos, h.length); };
      const auto from = out.begin() + static_cast<std::ptrdiff_t>(mark);
      std::sort(from, out.end(), [&](const RawHit& p, const RawHit& q) { return key(p) < key(q); });
      out.erase(std::unique(from, out.end(),
                            [&](const RawHit& p, const RawHit& q) { return key(p) == key(q); }),
                out.end());
      return out.size() > mark;
    }
    default:
      return false;
  }
}

}  // namespace

namespace {

// evaluate() with a caller's scratch vector for the raw hits, so that a Matcher evaluating many
// candidates allocates it once.
bool evaluate_with(const CompiledNode& query, const PreparedArticle& article, Hits& raw,
                   std::vector<Hit>& hits) {
  raw.clear();
  if (!eval(query, article, raw)) return false;
  // Each original span once, the strict view's before the collapsed one's; texts are sliced
  // only for the spans kept.
  struct Span {
    uint8_t field, view;
    uint32_t start, end;
  };
  std::vector<Span> spans;
  spans.reserve(raw.size());
  for (const auto& h : raw) {
    const auto& toks = article.field(h.field).views[h.view].view->tokens;
    spans.push_back({h.field, h.view, toks[h.pos].start, toks[h.pos + h.length - 1].end});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) {
    return std::tie(x.field, x.start, x.end, x.view) < std::tie(y.field, y.start, y.end, y.view);
  });
  spans.erase(std::unique(spans.begin(), spans.end(),
                          [](const Span& x, const Span& y) {
                            return x.field == y.field && x.start == y.start && x.end == y.end;
                          }),
              spans.end());
  hits.clear();
  hits.reserve(spans.size());
  for (const auto& sp : spans) {
    Hit hit;
    hit.field = field_at(sp.field);
    hit.view = sp.view == 0 ? text::View::strict : text::View::collapsed;
    hit.start = sp.start;
    hit.end = sp.end;
    hit.text = article.field(sp.field).original_slice(sp.start, sp.end);
    hits.push_back(std::move(hit));
  }
  return true;
}

}  // namespace

bool evaluate(const CompiledNode& query, const PreparedArticle& article, std::vector<Hit>& hits) {
  Hits raw;
  return evaluate_with(query, article, raw, hits);
}

bool rule_applies(const Rule& rule, const ArticleFields& article) {
  if (!rule.lang.empty() &&
      std::find(rule.lang.begin(), rule.lang.end(), article.lang) == rule.lang.end())
    return false;
  if (rule.sources.empty()) return true;
  for (const auto& s : rule.sources) {
    if (s == "all" || s == article.source) return true;
    if (std::find(article.source_tags.begin(), article.source_tags.end(), s) !=
        article.source_tags.end())
      return true;
  }
  return false;
}

Matcher::Matcher(std::shared_ptr<const RuleSet> rules, MatcherOptions options)
    : rules_(std::move(rules)), options_(options) {
  for (const auto& rule : rules_->rules) keys_.add(rule.query);
  keys_.finish();
  if (!options_.candidate_selection) return;
  for (size_t i = 0; i < rules_->rules.size(); ++i) {
    index_.add(static_cast<RuleIndex::RuleId>(i), rules_->rules[i].query);
  }
}

std::vector<RuleMatch> Matcher::match(const PreparedArticle& article) const {
  std::vector<RuleMatch> out;
  Hits raw;
  std::vector<Hit> hits;
  auto consider = [&](const Rule& rule) {
    if (!rule_applies(rule, article.fields())) return;
    if (evaluate_with(rule.query, article, raw, hits)) out.push_back({&rule, std::move(hits)});
  };
  if (!options_.candidate_selection) {
    for (const auto& rule : rules_->rules) consider(rule);
    return out;
  }
  std::vector<RuleIndex::RuleId> ids;
  index_.candidates(article, ids);
  for (const auto id : ids) consider(rules_->rules[id]);
  return out;
}

}  // namespace rasd::rules
