#include "rasd/engine/rules/article.hpp"

#include <unicode/utf8.h>

#include <algorithm>

namespace rasd::rules {
namespace {

// Whether s has at least n code points.
bool code_points_reach(std::string_view s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < s.size() && count < n; ++i)
    count += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return count >= n;
}

// Indexes the tokens of a view (all of them when `wanted` is empty, else those marked), and
// of their keys only those `filter` wants when there is one, asking `cache` first when given.
void build_index(FieldView& fv, const KeyFilter* filter, TokenKeyCache* cache,
                 const std::vector<uint8_t>& wanted = {}) {
  const auto& toks = fv.view->tokens;
  KeyIndex& index = fv.index;
  auto want = [&](size_t i) { return wanted.empty() || wanted[i]; };
  // A filtered index holds about one key in eight (the backtest bench: 141,550 of 1,118,430).
  index.reserve(filter ? toks.size() / 4 + 8 : toks.size() * 3 + 8);
  auto add = [&](std::string_view key, Occurrence o) {
    if (filter == nullptr || (o.length == 1 ? filter->wants(key) : filter->wants_glued(key)))
      index.add(key, o);
  };
  std::string_view stems[text::kMaxProcliticStems];
  std::string al;
  // The keys of a token that mask marks (TokenKeyCache::Mask).
  auto add_marked = [&](const text::Token& t, TokenKeyCache::Mask mask) {
    if (mask & 1) index.add(t.text, {t.pos, 1});
    if ((mask >> 1) && t.arabic) {
      const size_t n = text::proclitic_stems(t.text, stems, al);
      for (size_t i = 0; i < n; ++i)
        if (mask & (2u << i)) index.add(stems[i], {t.pos, 1});
    }
  };
  for (const auto& t : toks) {
    if (!want(t.pos)) continue;
    if (filter == nullptr) {
      add_marked(t, ~TokenKeyCache::Mask{0});
      continue;
    }
    const bool cached = cache != nullptr && TokenKeyCache::cacheable(t.text);
    TokenKeyCache::Probe probe;
    TokenKeyCache::Mask mask = 0;
    if (cached) {
      probe = cache->probe(t.text, t.arabic, KeyFilter::sketch(t.text));
      if (cache->found(probe, mask)) {
        add_marked(t, mask);
        continue;
      }
    }
    mask = filter->wants(t.text) ? 1 : 0;
    const size_t n = t.arabic ? text::proclitic_stems(t.text, stems, al) : 0;
    for (size_t i = 0; i < n; ++i)
      if (filter->wants(stems[i])) mask |= 2u << i;
    if (cached) cache->remember(probe, mask);
    if (mask & 1) index.add(t.text, {t.pos, 1});
    for (size_t i = 0; i < n; ++i)
      if (mask & (2u << i)) index.add(stems[i], {t.pos, 1});
  }
  // Glued pairs: adjacent Arabic tokens separated by white space only.
  std::string glued;
  glued.reserve(64);
  for (size_t i = 0; i + 1 < toks.size(); ++i) {
    const auto& a = toks[i];
    const auto& b = toks[i + 1];
    if (!a.arabic || !b.arabic || !want(i) || !want(i + 1)) continue;
    bool spaces_only = true;
    for (uint32_t c = a.char_end; c < b.char_begin && spaces_only; ++c) {
      const char32_t ch = fv.view->chars[c];
      spaces_only = ch == U' ' || ch == U'\u00A0' || ch == U'\t';
    }
    if (!spaces_only || a.char_end == b.char_begin) continue;
    if (filter != nullptr && !filter->may_end_word(b.text) && code_points_reach(a.text, 4))
      continue;
    glued.assign(a.text).append(b.text);
    add(glued, {a.pos, 2});
    const size_t n = text::proclitic_stems(glued, stems, al);
    for (size_t k = 0; k < n; ++k) add(stems[k], {a.pos, 2});
  }
  index.finish();
}

// Marks the collapsed tokens that the strict view does not have as they are (same source
// span, same text), and the kPhraseReach tokens on either side of each: the part of the
// collapsed view that can produce a hit the strict view cannot. Unchanged words are found in
// the strict view; phrases that touch a changed token find their other words here.
constexpr size_t kPhraseReach = 3;
std::vector<uint8_t> changed_tokens(const text::ViewText& strict, const text::ViewText& collapsed) {
  const auto& s = strict.tokens;
  const auto& c = collapsed.tokens;
  std::vector<uint8_t> changed(c.size(), 0);
  size_t j = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    while (j < s.size() && s[j].start < c[i].start) ++j;
    const bool same =
        j < s.size() && s[j].start == c[i].start && s[j].end == c[i].end && s[j].text == c[i].text;
    changed[i] = !same;
  }
  std::vector<uint8_t> wanted(c.size(), 0);
  for (size_t i = 0; i < c.size(); ++i) {
    if (!changed[i]) continue;
    const size_t lo = i >= kPhraseReach ? i - kPhraseReach : 0;
    const size_t hi = std::min(c.size(), i + kPhraseReach + 1);
    for (size_t k = lo; k < hi; ++k) wanted[k] = true;
  }
  return wanted;
}

}  // namespace

std::string_view PreparedField::original_slice(uint32_t start, uint32_t end) const {
  if (byte_of_code_point_.empty()) {
    // Code points as the Normalizer counts them: an invalid sequence is one per maximal subpart.
    byte_of_code_point_.reserve(original.size() / 2 + 2);
    const auto* s = reinterpret_cast<const uint8_t*>(original.data());
    const auto n = static_cast<int32_t>(original.size());
    for (int32_t i = 0; i < n;) {
      byte_of_code_point_.push_back(static_cast<uint32_t>(i));
      UChar32 c;
      U8_NEXT(s, i, n, c);
    }
    byte_of_code_point_.push_back(static_cast<uint32_t>(original.size()));
  }
  const size_t last = byte_of_code_point_.size() - 1;
  const uint32_t b = byte_of_code_point_[std::min<size_t>(start, last)];
  const uint32_t e = byte_of_code_point_[std::min<size_t>(end, last)];
  return std::string_view(original).substr(b, e > b ? e - b : 0);
}

Field field_at(size_t index) {
  static constexpr std::array<Field, kFieldCount> kFields = {kTitle,  kBody,   kUrl,
                                                             kSource, kAuthor, kLang};
  return kFields[index];
}

PreparedArticle::PreparedArticle(const text::Normalizer& normalizer, ArticleFields fields,
                                 PrepareOptions options)
    : fields_(std::move(fields)), keys_(options.keys) {
  const std::array<const std::string*, kFieldCount> originals = {
      &fields_.title, &fields_.body, &fields_.url, &fields_.source, &fields_.author, &fields_.lang};
  TokenKeyCache* const cache = options.keys != nullptr ? options.token_cache : nullptr;
  if (cache != nullptr) cache->bind(options.keys->digest());
  for (size_t i = 0; i < kFieldCount; ++i) {
    auto& p = prepared_[i];
    p.original = *originals[i];
    p.views[0].view = &p.normalized.strict;
    if (i >= 2 && options.keys != nullptr && !options.keys->reads(field_at(i))) {
      // No rule of the filter's set reads it: left empty, as an empty field would be.
      p.normalized.collapsed_is_strict = true;
      p.views[1].view = &p.normalized.strict;
      continue;
    }
    p.normalized = normalizer.normalize(p.original);
    p.views[1].view = &p.normalized.view(text::View::collapsed);
    build_index(p.views[0], options.keys, cache);
    if (!p.normalized.collapsed_is_strict) {
      if (options.full_collapsed_index)
        build_index(p.views[1], options.keys, cache);
      else
        build_index(p.views[1], options.keys, cache,
                    changed_tokens(p.normalized.strict, p.normalized.collapsed));
    }
  }
}

}  // namespace rasd::rules
