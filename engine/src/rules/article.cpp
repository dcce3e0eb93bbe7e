#include "rasd/engine/rules/article.hpp"

namespace rasd::rules {
namespace {

void build_index(FieldView& fv) {
  const auto& toks = fv.view->tokens;
  fv.index.reserve(toks.size() * 2);
  for (const auto& t : toks) {
    fv.index[t.text].push_back({t.pos, 1});
    if (t.arabic) {
      for (auto& stem : text::proclitic_candidates(t.text)) fv.index[stem].push_back({t.pos, 1});
    }
  }
  // Glued pairs: adjacent Arabic tokens separated by white space only.
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
    std::string glued = a.text + b.text;
    for (auto& stem : text::proclitic_candidates(glued)) fv.index[stem].push_back({a.pos, 2});
    fv.index[std::move(glued)].push_back({a.pos, 2});
  }
}

}  // namespace

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
