#include "rasd/engine/rules/article.hpp"

#include <unicode/utf8.h>

#include <algorithm>

namespace rasd::rules {
namespace {

void build_index(FieldView& fv) {
  const auto& toks = fv.view->tokens;
  KeyIndex& index = fv.index;
  index.reserve(toks.size() * 3 + 8);
  std::string_view stems[text::kMaxProcliticStems];
  std::string al;
  for (const auto& t : toks) {
    index.add(t.text, {t.pos, 1});
    if (t.arabic) {
      const size_t n = text::proclitic_stems(t.text, stems, al);
      for (size_t i = 0; i < n; ++i) index.add(stems[i], {t.pos, 1});
    }
  }
  // Glued pairs: adjacent Arabic tokens separated by white space only.
  std::string glued;
  for (size_t i = 0; i + 1 < toks.size(); ++i) {
    const auto& a = toks[i];
    const auto& b = toks[i + 1];
    if (!a.arabic || !b.arabic) continue;
    bool spaces_only = true;
    for (uint32_t c = a.char_end; c < b.char_begin && spaces_only; ++c) {
      const char32_t ch = fv.view->chars[c];
      spaces_only = ch == U' ' || ch == U'\u00A0' || ch == U'\t';
    }
    if (!spaces_only || a.char_end == b.char_begin) continue;
    glued.assign(a.text).append(b.text);
    index.add(glued, {a.pos, 2});
    const size_t n = text::proclitic_stems(glued, stems, al);
    for (size_t k = 0; k < n; ++k) index.add(stems[k], {a.pos, 2});
  }
  index.finish();
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
  static constexpr std::array<Field, kFieldCount> kFields = {kTitle, kBody, kUrl, kSource, kAuthor, kLang};
  return kFields[index];
}

PreparedArticle::PreparedArticle(const text::Normalizer& normalizer, ArticleFields fields)
    : fields_(std::move(fields)) {
  const std::array<const std::string*, kFieldCount> originals = {
      &fields_.title, &fields_.body, &fields_.url, &fields_.source, &fields_.author, &fields_.lang};
  for (size_t i = 0; i < kFieldCount; ++i) {
    auto& p = prepared_[i];
    p.original = *originals[i];
    p.normalized = normalizer.normalize(p.original);
    p.views[0].view = &p.normalized.strict;
    p.views[1].view = &p.normalized.view(text::View::collapsed);
    build_index(p.views[0]);
    if (!p.normalized.collapsed_is_strict) build_index(p.views[1]);
  }
}

}  // namespace rasd::rules
