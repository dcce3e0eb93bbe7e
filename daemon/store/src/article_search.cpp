#include "rasd/daemon/article_search.hpp"

#include <vector>

namespace rasd {
namespace {

void append_view(const text::ViewText& view, SearchColumns& out) {
  std::string_view stems[text::kMaxProcliticStems];
  std::string al;
  for (const auto& t : view.tokens) {
    if (!out.words.empty()) out.words += ' ';
    out.words += t.text;
    if (!t.arabic) continue;
    const size_t n = text::proclitic_stems(t.text, stems, al);
    for (size_t i = 0; i < n; ++i) {
      if (stems[i] == t.text) continue;
      if (!out.stems.empty()) out.stems += ' ';
      out.stems += stems[i];
    }
  }
}

// The collapsed-view tokens of one query word or phrase.
std::vector<std::string> tokens_of(const text::Normalizer& normalizer, std::string_view s) {
  const text::Normalized n = normalizer.normalize(s);
  std::vector<std::string> out;
  for (const auto& t : n.view(text::View::collapsed).tokens) out.emplace_back(t.text);
  return out;
}

// Tokens hold letters and digits only, so quoting cannot be broken out of.
std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string expression_for(const std::vector<std::string>& tokens) {
  if (tokens.size() == 1) return "{words stems} : " + quoted(tokens[0]);
  std::string phrase, glued;
  for (const auto& t : tokens) {
    if (!phrase.empty()) phrase += ' ';
    phrase += t;
    glued += t;
  }
  return "(words : " + quoted(phrase) + " OR words : " + quoted(glued) + ")";
}

// The same as a PostgreSQL tsquery over article_search.tsv, where words carry weight A and
// stems weight B (store_migrations_pg.cpp): a word is a lexeme of either, a phrase is
// adjacent words (<->) or the glued word, both among the words.
std::string lexeme(const std::string& s, std::string_view weight = "") {
  return "'" + s + "'" + (weight.empty() ? "" : ":" + std::string(weight));
}
std::string tsquery_for(const std::vector<std::string>& tokens) {
  if (tokens.size() == 1) return lexeme(tokens[0]);
  std::string phrase, glued;
  for (const auto& t : tokens) {
    if (!phrase.empty()) phrase += " <-> ";
    phrase += lexeme(t, "A");
    glued += t;
  }
  return "(" + phrase + " | " + lexeme(glued, "A") + ")";
}

}  // namespace

SearchColumns search_columns(const rules::PreparedArticle& article) {
  SearchColumns out;
  for (size_t f = 0; f < 2; ++f) {  // title, body
    append_view(article.field(f).normalized.view(text::View::collapsed), out);
  }
  return out;
}

Expected<SearchExpression> search_query(const text::Normalizer& normalizer,
                                        std::string_view query) {
  struct Item {
    std::string expr;
    std::string tsquery;
    bool negated = false;
    bool or_before = false;
  };
  std::vector<Item> items;
  bool negate_next = false, or_next = false;
  size_t i = 0;
  while (i < query.size()) {
    if (query[i] == ' ' || query[i] == '\t' || query[i] == '\n') {
      ++i;
      continue;
    }
    std::string_view word;
    bool phrase = false;
    if (query[i] == '"') {
      const size_t end = query.find('"', i + 1);
      if (end == std::string_view::npos) return Error{"unterminated quote in search query"};
      word = query.substr(i + 1, end - i - 1);
      phrase = true;
      i = end + 1;
    } else {
      size_t end = i;
      while (end < query.size() && query[end] != ' ' && query[end] != '\t' && query[end] != '\n' &&
             query[end] != '"')
        ++end;
      word = query.substr(i, end - i);
      i = end;
    }
    if (!phrase && word == "OR") {
      if (items.empty()) return Error{"OR needs a term before it"};
      or_next = true;
      continue;
    }
    if (!phrase && (word == "NOT" || word == "AND")) {
      negate_next = word == "NOT";
      continue;
    }
    bool negated = negate_next;
    if (!phrase && word.size() > 1 && word[0] == '-') {
      negated = true;
      word.remove_prefix(1);
    }
    const auto tokens = tokens_of(normalizer, word);
    negate_next = false;
    if (tokens.empty()) continue;  // punctuation only
    if (negated && or_next) return Error{"NOT cannot follow OR"};
    items.push_back({expression_for(tokens), tsquery_for(tokens), negated, or_next});
    or_next = false;
  }
  if (or_next) return Error{"OR needs a term after it"};
  // Both languages bind NOT tightest, then AND, then OR: the same items read the same.
  std::string positive, negative, ts_positive, ts_negative;
  for (const auto& it : items) {
    if (it.negated) {
      negative += " NOT " + it.expr;
      ts_negative += " & !" + it.tsquery;
    } else if (positive.empty()) {
      positive = it.expr;
      ts_positive = it.tsquery;
    } else {
      positive += (it.or_before ? " OR " : " AND ") + it.expr;
      ts_positive += (it.or_before ? " | " : " & ") + it.tsquery;
    }
  }
  if (positive.empty()) return Error{"a search needs at least one word that is not negated"};
  SearchExpression out;
  out.fts5 = negative.empty() ? positive : "(" + positive + ")" + negative;
  out.tsquery = ts_negative.empty() ? ts_positive : "(" + ts_positive + ")" + ts_negative;
  return out;
}

}  // namespace rasd
