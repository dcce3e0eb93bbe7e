// An article as the matcher sees it: its fields, normalized once, with lookup structures.
//
// Thread safety: a PreparedArticle is built by one thread and then only read, except for the
// lazily built regex text of each field (not thread-safe; do not share one instance between
// threads while matching).
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "rasd/engine/rules/key_filter.hpp"
#include "rasd/engine/rules/key_index.hpp"
#include "rasd/engine/rules/token_key_cache.hpp"
#include "rasd/engine/rules/query.hpp"
#include "rasd/engine/text/normalize.hpp"

namespace rasd::rules {

struct ArticleFields {
  std::string id;
  std::string title;
  std::string body;
  std::string url;
  std::string source;
  std::string author;
  std::string lang;
  std::vector<std::string> source_tags;
};

constexpr size_t kFieldCount = 6;
Field field_at(size_t index);  // kTitle for 0, kBody for 1, ...

struct FieldView {
  const text::ViewText* view = nullptr;
  // Keys: each token, its proclitic stems, and the glued spelling of adjacent Arabic tokens
  // (and its stems). For the collapsed view, only the tokens it does not share with the
  // strict view and their neighbours (see article.cpp): a word both views have is looked up
  // in the strict one, and NEAR compares hits of different views by their source spans.
  KeyIndex index;
  // Built on first regex hit: per byte of view->text, the index of its char.
  mutable std::vector<uint32_t> byte_to_char;
};

struct PreparedField {
  std::string_view original;  // the field of the article's ArticleFields
  text::Normalized normalized;
  std::array<FieldView, 2> views;  // [strict, collapsed]

  // The original text between code-point offsets [start, end), for hits. Builds a code point
  // to byte table on first use.
  std::string_view original_slice(uint32_t start, uint32_t end) const;

 private:
  mutable std::vector<uint32_t> byte_of_code_point_;
};

struct PrepareOptions {
  // Index every token of the collapsed view, not only those it does not share with the strict
  // view; matches the same, more slowly (for tests that check exactly that).
  bool full_collapsed_index = false;
  // Index only the keys this filter wants (Matcher::keys()): the article then matches that
  // matcher's rules as a fully indexed one does, faster, but other queries (evaluate(), a
  // silence's query, another rule set) may miss words on it. The fields after the body that
  // no rule of the set reads (KeyFilter::reads) are not normalized at all: they look empty to
  // the matcher. Null: every key of every field. The filter must outlive the article.
  const KeyFilter* keys = nullptr;
  // With `keys`: the caller's memo of that filter's answers, kept from article to article
  // (null: none). Used by one thread at a time; the same keys with or without it.
  TokenKeyCache* token_cache = nullptr;
};

class PreparedArticle {
 public:
  PreparedArticle(const text::Normalizer& normalizer, ArticleFields fields,
                  PrepareOptions options = {});
  PreparedArticle(const PreparedArticle&) = delete;
  PreparedArticle& operator=(const PreparedArticle&) = delete;

  const ArticleFields& fields() const { return fields_; }
  // The filter it was indexed with (PrepareOptions::keys), or null: every key.
  const KeyFilter* keys() const { return keys_; }
  const PreparedField& field(size_t index) const { return prepared_[index]; }

 private:
  ArticleFields fields_;
  const KeyFilter* keys_ = nullptr;
  std::array<PreparedField, kFieldCount> prepared_;
};

}  // namespace rasd::rules
