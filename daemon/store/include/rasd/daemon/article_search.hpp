// Full-text search of stored articles (issue 7): what the store's FTS5 table indexes and how a
// user's query becomes an FTS5 MATCH expression. SQLite's tokenizers know nothing of Arabic
// clitics or obfuscation, so both sides go through the engine's normalization: the index holds
// the collapsed view's tokens (column `words`) and their proclitic-free stems (column `stems`),
// and every query word is normalized the same way before it is looked up.
//
// Query language (a small subset of the rule language, DESIGN.md 4):
//   word            the word, or the word with proclitics (داعش finds لداعش, وداعش, داعـ.ـش)
//   "two words"     the phrase, or its glued spelling (دير الزور finds ديرالزور)
//   a OR b          either; words side by side must all be present (implicit AND)
//   -word, NOT word not this word (at least one positive term is needed)
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "rasd/engine/rules/article.hpp"
#include "rasd/engine/text/normalize.hpp"
#include "rasd/parsers/expected.hpp"

namespace rasd {

struct SearchColumns {
  std::string words;  // collapsed-view tokens of title and body, space separated
  std::string stems;  // proclitic-free stems of those tokens, space separated
};
SearchColumns search_columns(const rules::PreparedArticle& article);

// A user's query for each backend: an FTS5 MATCH expression over SQLite's article_search, and
// the same query as a PostgreSQL tsquery over its tsvector (words weighted A, stems B). Both
// are built from normalized tokens, which hold letters and digits only, so no quoting breaks.
struct SearchExpression {
  std::string fts5;
  std::string tsquery;
};

// The expressions for a user's query, or an error that says what is wrong with it.
Expected<SearchExpression> search_query(const text::Normalizer& normalizer, std::string_view query);

}  // namespace rasd
